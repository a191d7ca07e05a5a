package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/huddle-live/huddle/internal/room"
)

// BoardCSV writes the recommendations of every board stage, one row each,
// ranked, with their fields, their votes by sector and the texts of the cards
// behind them. Every text is neutralised against formula injection. The file
// starts with a UTF-8 BOM for Excel.
func BoardCSV(w io.Writer, r *room.BoardResults, lang string) error {
	if r == nil {
		return errNoResults
	}
	l := boardLabelsFor(lang)
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(utf8BOM); err != nil {
		return fmt.Errorf("export board csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write(l.csvCols); err != nil {
		return fmt.Errorf("export board csv: %w", err)
	}
	for _, b := range r.Boards {
		for _, rec := range b.Recommendations {
			var cards []string
			for _, c := range visibleCards(rec.Cards) {
				cards = append(cards, c.Text)
			}
			row := []cell{
				integer(rec.Rank), text(rec.Title), text(rec.Action), text(l.responsibleText(rec.Responsible)),
				text(rec.Deadline), text(rec.Risk), integer(rec.Votes.Total), integer(rec.Votes.State),
				integer(rec.Votes.NGO), integer(rec.Votes.Other), text(strings.Join(cards, " | ")),
			}
			record := make([]string, len(row))
			for i, c := range row {
				record[i] = c.csv()
			}
			if err := cw.Write(record); err != nil {
				return fmt.Errorf("export board csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export board csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export board csv: %w", err)
	}
	return nil
}

// BoardJSON writes everything of the board stages as indented JSON: every
// card (hidden ones marked), themes, votes by sector and the cards behind
// each recommendation.
func BoardJSON(w io.Writer, r *room.BoardResults) error {
	if r == nil {
		return errNoResults
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("export board json: %w", err)
	}
	return nil
}
