package export

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/huddle-live/huddle/internal/session"
)

// Column widths in characters: wide enough for a header, narrow enough that
// a long question does not push everything else off the screen.
const (
	minColWidth = 6
	maxColWidth = 60
)

// XLSX writes r as an Excel workbook with four sheets: teams, players,
// questions and answers (the same rows as CSV), and two more when the room
// played a game: each team's game result and every step of its path. Sheet names, headers and
// yes/no are Russian unless lang is "en". Numbers are stored as numbers;
// text is stored as strings, never formulas, and text a spreadsheet could
// read as a formula still gets a leading apostrophe, in case the sheet is
// saved as CSV and opened again.
func XLSX(w io.Writer, r *session.Results, lang string) error {
	if r == nil {
		return errNoResults
	}
	f := excelize.NewFile()
	defer f.Close()

	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	for i, t := range tables(r, labelsFor(lang)) {
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), t.name)
		} else {
			_, err = f.NewSheet(t.name)
		}
		if err == nil {
			err = writeSheet(f, t, bold)
		}
		if err != nil {
			return fmt.Errorf("export xlsx: sheet %q: %w", t.name, err)
		}
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	return nil
}

// writeSheet fills one sheet with t: a bold, frozen header row with filter
// buttons, and columns sized to their content.
func writeSheet(f *excelize.File, t table, headerStyle int) error {
	widths := make([]int, len(t.header))
	for i, h := range t.header {
		widths[i] = utf8.RuneCountInString(h)
		ref, err := excelize.CoordinatesToCellName(i+1, 1)
		if err != nil {
			return err
		}
		if err := f.SetCellStr(t.name, ref, h); err != nil {
			return err
		}
	}
	for r, row := range t.rows {
		for i, c := range row {
			ref, err := excelize.CoordinatesToCellName(i+1, r+2)
			if err != nil {
				return err
			}
			var shown string
			switch {
			case c.isNum:
				err = f.SetCellFloat(t.name, ref, c.num, -1, 64)
				shown = c.csv()
			case c.text != "":
				shown = neutralise(c.text)
				err = f.SetCellStr(t.name, ref, shown)
			}
			if err != nil {
				return err
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(shown))
		}
	}

	last, err := excelize.CoordinatesToCellName(len(t.header), 1)
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(t.name, "A1", last, headerStyle); err != nil {
		return err
	}
	for i, w := range widths {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(t.name, col, col, float64(min(max(w+2, minColWidth), maxColWidth))); err != nil {
			return err
		}
	}
	if err := f.SetPanes(t.name, &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	end, err := excelize.CoordinatesToCellName(len(t.header), len(t.rows)+1)
	if err != nil {
		return err
	}
	if err := f.SetSheetDimension(t.name, "A1:"+end); err != nil {
		return err
	}
	return f.AutoFilter(t.name, "A1:"+end, nil)
}
