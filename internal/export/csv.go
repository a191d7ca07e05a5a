package export

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/huddle-live/huddle/internal/session"
)

// utf8BOM makes Excel read the file as UTF-8 rather than the system code
// page, which would garble Cyrillic.
const utf8BOM = "\uFEFF"

// CSV writes every answer in r as one comma-separated row under a header
// row, and nothing else, so that the file also suits programs; a room that
// asked no questions but played a game gets every step of every team's
// path instead. Headers and yes/no are Russian unless lang is "en". The
// file is written by writeCSV.
func CSV(w io.Writer, r *session.Results, lang string) error {
	if r == nil {
		return errNoResults
	}
	t := answers(r, labelsFor(lang))
	if len(r.Questions) == 0 && len(r.Games) > 0 {
		t = gamePaths(r, labelsFor(lang))
	}
	if err := writeCSV(w, t.header, t.rows); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	return nil
}

// writeCSV writes every CSV file of an export: a UTF-8 BOM, the header, then
// the rows, separated by commas. Numbers are written bare, with a '.'
// decimal point; every text cell, headers included, is neutralised and
// quoted.
//
// Excel splits a CSV at the locale's list separator, which is ';' wherever
// the decimal separator is a comma (Russian among them), and there it reads
// our quotes only where a field begins with one. So a text is made safe for
// both readings: quoted, it stays one cell when split at ','; neutralised
// at its start and after every ';' or line break in it, no piece that a
// split at ';' could make starts a formula.
func writeCSV(w io.Writer, header []string, rows [][]cell) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(utf8BOM)
	head := make([]cell, len(header))
	for i, h := range header {
		head[i] = text(h)
	}
	writeCSVRow(bw, head)
	for _, row := range rows {
		writeCSVRow(bw, row)
	}
	return bw.Flush() // a bufio.Writer keeps its first error
}

func writeCSVRow(bw *bufio.Writer, row []cell) {
	for i, c := range row {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(c.csv())
	}
	bw.WriteByte('\n')
}

// csv formats c as a CSV field: a number bare with a '.' decimal point, a
// text neutralised and quoted, a blank cell empty.
func (c cell) csv() string {
	switch {
	case c.isNum:
		return strconv.FormatFloat(c.num, 'f', -1, 64)
	case c.text == "":
		return ""
	}
	return `"` + strings.ReplaceAll(neutralise(c.text), `"`, `""`) + `"`
}
