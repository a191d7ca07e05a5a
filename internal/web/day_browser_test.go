package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// dayView is what the course test reads of the host's view.
type dayView struct {
	Phase    string `json:"phase"`
	Question *struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Options []struct {
			ID string `json:"id"`
		} `json:"options"`
	} `json:"question"`
	Board *struct {
		Phase string `json:"phase"`
		Cards []struct {
			ID string `json:"id"`
		} `json:"cards"`
		Recommendations []struct {
			Theme string `json:"theme"`
		} `json:"recommendations"`
	} `json:"board"`
	Day *struct {
		Summary *struct{} `json:"summary"`
	} `json:"day"`
}

// dayHostStep presses the host's next (or closes an open question) and waits
// for the host's view of what it led to.
func dayHostStep(t *testing.T, host *client) dayView {
	t.Helper()
	f := host.reply(host.send("next", nil))
	if f.Type != "ack" {
		f = host.do("close", nil)
	}
	var v dayView
	host.waitFor(fmt.Sprintf("the view at seq %d", f.Seq), func(cl *client) bool {
		fr, ok := cl.latest["view"]
		return ok && fr.Seq >= f.Seq
	})
	host.data("view", &v)
	return v
}

// TestBrowserCourseDay plays the shipped course day with six players in
// three teams, the phones as WebSocket clients: between the quizzes and the
// game, and between the game and the board, the projector shows where the
// day stands; at the end, the day's summary. Each of those screens fits at
// 1920×1080 and 1280×720 with text of 24 px and more at 1080p, and the
// projector, opened with the screen's link, never holds the host's token.
func TestBrowserCourseDay(t *testing.T) {
	execPath := chromiumPath(t)
	base := startTestServer(t)
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			scenario := "course"
			if lang == "en" {
				scenario = "course-en"
			}
			rm := createRoom(t, base, map[string]any{"scenario": scenario, "team_count": 3, "lang": lang})
			var phones []*client
			for i, name := range []string{"Анна", "Борис", "Вера", "Глеб", "Дина", "Егор"} {
				j := joinRoom(t, base, rm.Code, name, fmt.Sprintf("t%d", i%3+1))
				phones = append(phones, dial(t, base, rm.Room, j.Token))
			}
			host := dial(t, base, rm.Room, rm.HostToken)
			b := newBrowser(t, execPath)
			projector := b.tab(1920, 1080, false)
			b.do(projector, "open the projector", chromedp.Navigate(base+"/screen/"+rm.Room+"?lang="+lang+"#s="+rm.ScreenToken),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="phase-lobby"]`)))

			// Each screen is checked for fit, and for text of 24 px and
			// more at 1080p, at both projector sizes.
			look := func(testid, name string) {
				t.Helper()
				b.waitFor(projector, testid, fmt.Sprintf(`!!document.querySelector('[data-testid=%q]')`, testid))
				for _, size := range [][2]int64{{1920, 1080}, {1280, 720}} {
					b.do(projector, "resize", chromedp.EmulateViewport(size[0], size[1]))
					what := fmt.Sprintf("%s %dx%d", name, size[0], size[1])
					b.waitFor(projector, what+": animations over", settledJS)
					assertFits(projector, t, what)
					if size[0] == 1920 {
						assertTextAtLeast(projector, t, "#stage", 24, what)
					}
					b.screenshot(projector, fmt.Sprintf("course-%s-%s-%dx%d.png", name, lang, size[0], size[1]))
				}
				if html := b.evalString(projector, `document.documentElement.outerHTML + location.href`); strings.Contains(html, rm.HostToken) {
					t.Errorf("%s: the host's token is on the projector", name)
				}
			}

			host.do("start", nil)
			// The host holds the first question: the projector's clock stands.
			host.do("quiz.pause", map[string]bool{"paused": true})
			b.waitFor(projector, "the paused clock", `!!document.querySelector('.timer.paused')`)
			assertFits(projector, t, "paused question")
			b.screenshot(projector, "course-paused-"+lang+"-1920x1080.png")
			host.do("quiz.pause", map[string]bool{"paused": false})
			b.waitFor(projector, "the clock runs on", `!document.querySelector('.timer.paused')`)
			v := dayView{Phase: "started"}
			for range 200 { // the two quizzes, answered by every phone
				if v.Question != nil && v.Phase == "question" && len(v.Question.Options) > 0 {
					for i, ph := range phones {
						ph.reply(ph.send("answer", map[string]any{"question": v.Question.ID,
							"options": []string{v.Question.Options[i%len(v.Question.Options)].ID}}))
					}
				}
				if v = dayHostStep(t, host); v.Phase == "between" {
					break
				}
			}
			if v.Phase != "between" {
				t.Fatalf("after the quizzes: phase %s", v.Phase)
			}
			look("phase-between", "after-quiz")

			for range 200 { // the game, the teams idle: the host moves it on
				if v = dayHostStep(t, host); v.Phase == "between" {
					break
				}
			}
			if v.Phase != "between" {
				t.Fatalf("after the game: phase %s", v.Phase)
			}
			look("phase-between", "after-game")

			v = dayHostStep(t, host) // the board: one card per team, two themes
			texts := [][]string{
				{"Письменное соглашение о сотрудничестве", "Закрепить роли в договоре"},
				{"Общий календарь встреч", "Назначить ответственных с обеих сторон"},
				{"Совместный отчёт раз в квартал", "Публиковать отчёт на обоих сайтах"},
			}
			for i := range 3 {
				phones[i].do("board.card", map[string]any{"prompt": "agreements", "text": texts[i][0]})
			}
			for range 20 {
				if v = dayHostStep(t, host); v.Board == nil || v.Board.Phase == "group" {
					break
				}
			}
			if v.Board == nil || len(v.Board.Cards) < 3 {
				t.Fatalf("the board's grouping: %+v", v.Board)
			}
			host.do("board.theme", map[string]any{"name": texts[0][1], "card": v.Board.Cards[0].ID})
			host.do("board.theme", map[string]any{"name": texts[1][1], "card": v.Board.Cards[1].ID})
			for range 20 {
				if v = dayHostStep(t, host); v.Board == nil || v.Board.Phase == "vote" {
					break
				}
			}
			for i, ph := range phones { // a dot on the next team's card
				ph.reply(ph.send("board.dots", map[string]any{"card": v.Board.Cards[(i+1)%3].ID, "dots": 1}))
			}
			for range 20 {
				if v = dayHostStep(t, host); v.Board == nil || v.Board.Phase == "recommend" {
					break
				}
			}
			if v.Board != nil {
				for i, rec := range v.Board.Recommendations {
					phones[i%3].reply(phones[i%3].send("board.fill", map[string]any{"theme": rec.Theme, "action": texts[i%3][1], "deadline": "2027"}))
				}
			}
			for range 20 {
				if v = dayHostStep(t, host); v.Phase == "finished" {
					break
				}
			}
			if v.Phase != "finished" || v.Day == nil || v.Day.Summary == nil {
				t.Fatalf("the end of the day: phase %s, day %+v", v.Phase, v.Day)
			}
			// The podium: the host reveals the third place, the second, the
			// first, teams and top players together; then the day's summary.
			b.waitFor(projector, "the veiled podium", `document.querySelectorAll('.podium-col.podium-veiled').length === 3`)
			for step := 1; step <= 3; step++ {
				dayHostStep(t, host)
				b.waitFor(projector, fmt.Sprintf("podium step %d", step), fmt.Sprintf(`document.querySelectorAll('.podium-col:not(.podium-veiled)').length === %d`, step))
				look("podium", fmt.Sprintf("podium-%d", step))
			}
			if v = dayHostStep(t, host); v.Phase != "finished" {
				t.Fatalf("after the podium: %s", v.Phase)
			}
			look("day-summary", "summary")
			if !b.evalBool(projector, `document.querySelector('[data-testid="day-board"]').textContent.includes('Закрепить роли') || document.querySelector('[data-testid="day-board"]').textContent.includes('Назначить')`) {
				t.Error("the summary lacks the board's recommendations")
			}
		})
	}
}
