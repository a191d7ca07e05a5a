package export

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/huddle-live/huddle/internal/board"
	"github.com/huddle-live/huddle/internal/session"
)

// TestXLSXCoversADaysBoard: a day's results carry its board, and the
// workbook adds the recommendations with the teams that wrote them, a
// formula in them defused like every other text.
func TestXLSXCoversADaysBoard(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			r := fixture()
			r.Boards = []session.BoardOutcome{{Stage: "hackathon", Title: "Хакатон", Recommendations: []session.RecommendationOut{
				{Rank: 1, Title: "Общий план", Action: evilName, Responsible: board.ResponsibleBoth, Deadline: "декабрь",
					Votes: board.Tally{Total: 5}, Teams: []string{"Мост", "Опора"}},
			}}}
			var buf bytes.Buffer
			if err := XLSX(&buf, r, lang); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			l := labelsFor(lang)
			rows, err := f.GetRows(l.recSheet)
			if err != nil {
				t.Fatalf("no %q sheet: %v (sheets %v)", l.recSheet, err, f.GetSheetList())
			}
			if len(rows) != 2 {
				t.Fatalf("rows = %q", rows)
			}
			want := []string{"Хакатон", "1", "Общий план", "'" + evilName, boardLabelsFor(lang).respBoth, "декабрь", "", "5", "Мост, Опора"}
			for i, w := range want {
				if i >= len(rows[1]) && w == "" {
					continue
				}
				if i >= len(rows[1]) || rows[1][i] != w {
					t.Errorf("cell %d = %q, want %q (row %q)", i, rows[1], w, rows[1])
					break
				}
			}
		})
	}
}
