package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/huddle-live/huddle/internal/room"
)

// utf8BOM makes Excel read the file as UTF-8 rather than the system code
// page, which would garble Cyrillic.
const utf8BOM = "\uFEFF"

// CSV writes every answer in r as one comma-separated row under a header
// row, and nothing else, so that the file also suits programs; a room that
// asked no questions but played a game gets every step of every team's
// path instead. Headers and yes/no are Russian unless lang is "en". The
// file starts with a UTF-8 BOM.
func CSV(w io.Writer, r *room.Results, lang string) error {
	if r == nil {
		return errNoResults
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(utf8BOM); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	t := answers(r, labelsFor(lang))
	if len(r.Questions) == 0 && len(r.Games) > 0 {
		t = gamePaths(r, labelsFor(lang))
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write(t.header); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	record := make([]string, len(t.header))
	for _, row := range t.rows {
		for i, c := range row {
			record[i] = c.csv()
		}
		if err := cw.Write(record); err != nil {
			return fmt.Errorf("export csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	return nil
}

// csv formats c as a CSV field: numbers with a '.' decimal point, text
// neutralised.
func (c cell) csv() string {
	if c.isNum {
		return strconv.FormatFloat(c.num, 'f', -1, 64)
	}
	return neutralise(c.text)
}
