package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/huddle-live/huddle/internal/session"
)

// gameFixture is a room that played a game and asked no questions: two
// teams, one of which gave a formula as its reason, was forced by the clock
// once and was stopped by the facilitator in the second case.
func gameFixture() *session.Results {
	at := time.Date(2026, 3, 14, 18, 30, 0, 0, time.UTC)
	meters := func(b, t int) map[string]int { return map[string]int{"budget": b, "trust": t} }
	return &session.Results{
		Room: session.RoomInfo{ID: "r-02", Code: "GM42", Title: "Один день из жизни НКО", Scenario: "ngo-day",
			Lang: "ru", TeamMode: "average", Created: at, Finished: true},
		Teams: []session.TeamResult{}, Players: []session.PlayerResult{}, Questions: []session.QuestionResult{},
		Games: []session.GameResult{{
			Stage: "day", Title: "Один день",
			Meters: []session.GameMeter{{ID: "budget", Name: "Бюджет", Low: 30, High: 70}, {ID: "trust", Name: "Доверие", Low: 40, High: 80}},
			Teams: []session.GameTeamResult{
				{Rank: 1, ID: "t1", Name: "Рядом", Balance: 87.5, Meters: meters(45, 65),
					Endings: []session.GameEndingResult{{Case: "complaint", CaseTitle: "Жалоба", Ending: "restored", Title: "Доверие восстановлено"},
						{Case: "noshow", CaseTitle: "Волонтёры", Ending: "delivered", Title: "Доставка спасена"}},
					Path: []session.GameStepResult{
						{Case: "complaint", CaseTitle: "Жалоба", Node: "post", Choice: "call", Text: "Позвонить Ирине", Why: "Семью надо услышать", By: "team", At: at.Add(time.Minute), Meters: meters(50, 60)},
						{Case: "complaint", CaseTitle: "Жалоба", Choice: "press", Text: "Звонит журналист", By: "event", At: at.Add(2 * time.Minute), Meters: meters(50, 55)},
						{Case: "noshow", CaseTitle: "Волонтёры", Node: "morning", Choice: "courier", Text: "Заказать курьеров", By: "time", At: at.Add(5 * time.Minute), Meters: meters(45, 65)},
					}},
				{Rank: 2, ID: "t2", Name: "Owls & Co", Balance: 41, OutOfBand: 1, Meters: meters(20, 45),
					Endings: []session.GameEndingResult{{Case: "complaint", CaseTitle: "Жалоба", Ending: "lost", Title: "Семья уходит"},
						{Case: "noshow", CaseTitle: "Волонтёры", Ending: "shaky", Title: "Семьи ждут"}},
					Path: []session.GameStepResult{
						{Case: "complaint", CaseTitle: "Жалоба", Node: "post", Choice: "comment", Text: "Ответить официально", Why: evilName, By: "forced", At: at.Add(3 * time.Minute), Meters: meters(50, 40)},
						{Case: "noshow", CaseTitle: "Волонтёры", Node: "morning", By: "stopped", At: at.Add(6 * time.Minute), Meters: meters(20, 45)},
					}},
			},
		}},
	}
}

func TestGameCSV(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := CSV(&buf, gameFixture(), lang); err != nil {
				t.Fatal(err)
			}
			golden(t, "game."+lang+".csv", buf.Bytes())
			body, _ := bytes.CutPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF"))
			records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(records) != 1+5 || len(records[0]) != 7+2 {
				t.Fatalf("got %d records of %d fields, want a header and 5 steps of 9", len(records), len(records[0]))
			}
			if got := records[4][5]; got != "'"+evilName {
				t.Errorf("reason = %q, want it prefixed with '", got)
			}
			if got := records[3][7]; got != "45" {
				t.Errorf("budget after the third step = %q, want 45", got)
			}
		})
	}
}

func TestGameXLSX(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := XLSX(&buf, gameFixture(), lang); err != nil {
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
			golden(t, "xlsx-game."+lang+".json", sheetsJSON(t, sheets))
			l := labelsFor(lang)
			for _, c := range []struct{ sheet, cell string }{{l.gameSheet, "D2"}, {l.gameSheet, "G2"}, {l.gamePathSheet, "D2"}, {l.gamePathSheet, "I4"}} {
				if typ, _ := f.GetCellType(c.sheet, c.cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
					t.Errorf("%s!%s is not a number", c.sheet, c.cell)
				}
			}
			if v, _ := f.GetCellValue(l.gamePathSheet, "F5"); v != "'"+evilName {
				t.Errorf("reason = %q, want it prefixed with '", v)
			}
		})
	}
}

func TestGameJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, gameFixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "results-game.json", buf.Bytes())
	var back session.Results
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, gameFixture()) {
		t.Error("the JSON does not read back to the same results")
	}
}
