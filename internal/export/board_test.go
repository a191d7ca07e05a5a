package export

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/board"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
)

// boardFixture is a finished hackathon board: two recommendations (one
// backed by both sectors, one tied), a theme with a merged duplicate, a
// hidden card, a card sent back for rewording and texts that would be
// formulas or markup if they reached a spreadsheet or a page unchanged.
func boardFixture() *session.BoardResults {
	at := time.Date(2026, 3, 14, 18, 30, 0, 0, time.UTC)
	card := func(id, prompt, text, team string, votes board.Tally) session.CardOut {
		return session.CardOut{ID: id, Prompt: prompt, Text: text, Team: team, Votes: votes}
	}
	c1 := card("c1", "rules", "Заключать договор о партнёрстве с понятными обязательствами", "Совы", board.Tally{Total: 5, State: 3, NGO: 2})
	c1.Merged = []string{"Договор, а не устная договорённость"}
	c1.Theme = "t1"
	c2 := card("c2", "rules", "Записать, кто за что отвечает", "Owls & Co", board.Tally{Total: 2, State: 2})
	c2.Theme = "t1"
	c3 := card("c3", "talk", `=HYPERLINK("http://evil.example","встреча")`, "Совы", board.Tally{Total: 3, NGO: 3})
	c3.Theme = "t2"
	c4 := card("c4", "talk", "<script>alert(1)</script> *жирный* | труба", "Owls & Co", board.Tally{Total: 4, State: 1, NGO: 1, Other: 2})
	c4.Theme = "t3"
	dup := card("c5", "rules", "Договор, а не устная договорённость", "Owls & Co", board.Tally{})
	dup.MergedInto = "c1"
	hidden := card("c6", "talk", "Грубость", "Совы", board.Tally{})
	hidden.Hidden, hidden.Flagged = true, true
	back := card("c7", "talk", "Непонятно", "Owls & Co", board.Tally{})
	back.Returned = true
	return &session.BoardResults{
		Room:    session.RoomInfo{ID: "r-01", Code: "KX7Q", Title: "Эффективное партнёрство: рекомендации", Scenario: "partnership-board", Lang: "ru", Created: at, Finished: true},
		Sectors: session.SectorTotals{State: 3, NGO: 2, Other: 1},
		Teams: []session.TeamSectors{
			{Name: "Совы", SectorTotals: session.SectorTotals{State: 2, NGO: 1}},
			{Name: "Owls & Co", SectorTotals: session.SectorTotals{State: 1, NGO: 1, Other: 1}},
		},
		Boards: []session.BoardOutcome{{
			Stage: "hackathon", Title: "Хакатон", Phase: "final", Final: true, Attribution: string(scenario.AttrTeam),
			Dots: 5, PerCard: 2, Top: 2, Voters: 6,
			Prompts: []scenario.Prompt{
				{ID: "rules", Question: "Как договориться о правилах совместной работы?", Hint: "Вспомните случай, когда договорённость не сработала"},
				{ID: "talk", Question: "Как не терять связь?"},
				{ID: "empty", Question: "Что ещё?"},
			},
			Recommendations: []session.RecommendationOut{
				{Rank: 1, Theme: "t1", Title: "Договор и распределение ответственности", Votes: board.Tally{Total: 7, State: 5, NGO: 2},
					Action: "Заключать соглашение о партнёрстве с приложением «кто за что отвечает»", Responsible: board.ResponsibleBoth,
					Deadline: "До конца I квартала 2027", Risk: "-1 юрист в штате: некому готовить договоры",
					Teams: []string{"Совы"}, Cards: []session.CardOut{c1, c2}},
				{Rank: 2, Theme: "t3", Title: "Связь", Votes: board.Tally{Total: 4, State: 1, NGO: 1, Other: 2},
					Teams: []string{"Owls & Co"}, Cards: []session.CardOut{c4}},
			},
			Themes: []session.ThemeOut{
				{ID: "t1", Name: "Договор и распределение ответственности", Rank: 1, Votes: board.Tally{Total: 7, State: 5, NGO: 2}, Cards: []session.CardOut{c1, c2}},
				{ID: "t3", Name: "Связь", Rank: 2, Votes: board.Tally{Total: 4, State: 1, NGO: 1, Other: 2}, Cards: []session.CardOut{c4}},
				{ID: "t2", Name: "Встречи", Rank: 3, Votes: board.Tally{Total: 3, NGO: 3}, Cards: []session.CardOut{c3}},
			},
			Cards: []session.CardOut{c1, c2, c3, c4, dup, hidden, back},
		}},
	}
}

func TestBoardMarkdown(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := BoardMarkdown(&buf, boardFixture(), lang); err != nil {
				t.Fatal(err)
			}
			golden(t, "board."+lang+".md", buf.Bytes())
			md := buf.String()
			for _, bad := range []string{"<script>", "Грубость", "*жирный*"} {
				if strings.Contains(md, bad) {
					t.Errorf("the document holds %q", bad)
				}
			}
		})
	}
}

func TestBoardCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := BoardCSV(&buf, boardFixture(), "ru"); err != nil {
		t.Fatal(err)
	}
	golden(t, "board.ru.csv", buf.Bytes())
	body, _ := bytes.CutPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF"))
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 3 {
		t.Fatalf("%d rows, want a header and two recommendations", len(records))
	}
	for _, rec := range records {
		for _, f := range rec {
			if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
				t.Errorf("field %q would run as a formula", f)
			}
		}
	}
}

func TestBoardJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := BoardJSON(&buf, boardFixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "board.json", buf.Bytes())
	var back session.BoardResults
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Boards[0].Recommendations[0].Cards; len(got) != 2 || got[0].Merged[0] == "" {
		t.Errorf("the cards behind a recommendation are missing: %+v", got)
	}
}

func TestBoardHTML(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := BoardHTML(&buf, boardFixture(), lang); err != nil {
				t.Fatal(err)
			}
			golden(t, "board."+lang+".html", buf.Bytes())
			page := buf.String()
			if strings.Contains(page, "<script>alert") || strings.Contains(page, "style=") || strings.Count(page, "<script") != 1 {
				t.Error("the page holds markup from a card, an inline style or an inline script")
			}
		})
	}
}

// docxPart returns one part of a DOCX file.
func docxPart(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			out, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	t.Fatalf("no %s in the DOCX", name)
	return nil
}

func TestBoardDOCX(t *testing.T) {
	var buf bytes.Buffer
	if err := BoardDOCX(&buf, boardFixture(), "ru"); err != nil {
		t.Fatal(err)
	}
	golden(t, "board.ru.docx.xml", docxPart(t, buf.Bytes(), "word/document.xml"))
	for _, part := range []string{"[Content_Types].xml", "_rels/.rels", "word/styles.xml", "docProps/core.xml"} {
		var v any
		if err := xmlWellFormed(docxPart(t, buf.Bytes(), part)); err != nil {
			t.Errorf("%s: %v %v", part, err, v)
		}
	}
	if err := xmlWellFormed(docxPart(t, buf.Bytes(), "word/document.xml")); err != nil {
		t.Errorf("document.xml: %v", err)
	}
	var again bytes.Buffer
	_ = BoardDOCX(&again, boardFixture(), "ru")
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("the same room gives different DOCX bytes")
	}
	if dir := os.Getenv("HUDDLE_DOCX_DIR"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "board.docx"), buf.Bytes(), 0o644)
	}
}

// TestBoardDOCXOpensInLibreOffice converts the DOCX to PDF with LibreOffice,
// as a person opening it would.
func TestBoardDOCXOpensInLibreOffice(t *testing.T) {
	lo := libreOffice(t)
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := BoardDOCX(&buf, boardFixture(), "ru"); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "board.docx")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(lo, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--convert-to", "pdf", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "board.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 5000 {
		t.Fatalf("no real PDF came out: %d bytes", len(pdf))
	}
	if out := os.Getenv("HUDDLE_DOCX_DIR"); out != "" {
		_ = os.WriteFile(filepath.Join(out, "board.pdf"), pdf, 0o644)
	}
}

func xmlWellFormed(b []byte) error {
	d := xmlDecoder(b)
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func xmlDecoder(b []byte) *xml.Decoder { return xml.NewDecoder(bytes.NewReader(b)) }
