package export

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/huddle-live/huddle/internal/session"
)

// BoardCSV writes the recommendations of every board stage, one row each,
// ranked, with their fields, their votes by sector and the texts of the cards
// behind them. The file is written by writeCSV, safe to open in Excel
// whatever its list separator.
func BoardCSV(w io.Writer, r *session.BoardResults, lang string) error {
	if r == nil {
		return errNoResults
	}
	l := boardLabelsFor(lang)
	var rows [][]cell
	for _, b := range r.Boards {
		for _, rec := range b.Recommendations {
			var cards []string
			for _, c := range visibleCards(rec.Cards) {
				cards = append(cards, c.Text)
			}
			rows = append(rows, []cell{
				integer(rec.Rank), text(rec.Title), text(rec.Action), text(l.responsibleText(rec.Responsible)),
				text(rec.Deadline), text(rec.Risk), integer(rec.Votes.Total), integer(rec.Votes.State),
				integer(rec.Votes.NGO), integer(rec.Votes.Other), text(strings.Join(cards, " | ")),
			})
		}
	}
	if err := writeCSV(w, l.csvCols, rows); err != nil {
		return fmt.Errorf("export board csv: %w", err)
	}
	return nil
}

// BoardJSON writes everything of the board stages as indented JSON: every
// card (hidden ones marked), themes, votes by sector and the cards behind
// each recommendation.
func BoardJSON(w io.Writer, r *session.BoardResults) error {
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
