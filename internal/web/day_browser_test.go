package web

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/store"
)

// dayView is what the course day's test reads of the host's view.
type dayView struct {
	Phase    string `json:"phase"`
	Question *struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Answered *int   `json:"answered"`
		Options  []struct {
			ID string `json:"id"`
		} `json:"options"`
	} `json:"question"`
	Stage *struct {
		Index int    `json:"index"`
		Kind  string `json:"kind"`
	} `json:"stage"`
	Game *struct {
		Case *struct {
			Index int `json:"index"`
		} `json:"case"`
	} `json:"game"`
	Board *struct {
		Phase string `json:"phase"`
		Shown int    `json:"shown"`
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
	Podium *struct {
		Revealed int `json:"revealed"`
	} `json:"podium"`
	Watchers int `json:"watchers"`
	Room     struct {
		TeamMode string `json:"team_mode"`
	} `json:"room"`
}

// latestDay is the host's latest view.
func latestDay(host *client) dayView {
	v, _ := latestNow[dayView](host, "view")
	return v
}

// TestBrowserCourseDay plays the shipped course day (Russian) in one room
// to its end, as a facilitator runs it: the projector opened through the
// facilitator's session, at 1920×1080 and at 1280×720; the remote a real
// 390×844 tab moved on by taps; six 360×740 phones in three teams that
// answer every question by tapping; one more phone that only watches. On
// every projector screen, at both sizes: nothing clipped, audience text of
// 24px and more at 1080p, and no host token in the page or its address,
// also after Tab has reached each control of the projector and Space,
// Enter and → were pressed on it.
func TestBrowserCourseDay(t *testing.T) {
	execPath := chromiumPath(t)
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := startEnvHub(t, st, shippedScenarios(t), func(hc *room.HubConfig) { hc.PublicURL = "http://192.168.1.20:8080" }, func(cfg *Config) {
		cfg.Static = coursePages
		manyRooms(cfg)
	}, "")
	c := &course{t: t, b: newBrowserFor(t, execPath, 6*time.Minute), base: e.url, net: &netGuard{}, shots: map[string]bool{}}
	start := time.Now()

	rm := createRoom(t, e.url, map[string]any{"scenario": "course", "team_count": 3, "lang": "ru"})
	c.token = rm.HostToken
	c.host = dial(t, e.url, rm.Room, rm.HostToken) // reads the room's state; every command comes from the pages
	c.big = c.tab(1920, 1080, false, noDialogs)
	c.b.signIn(c.big, e.url, testLogin, testPassword)
	c.b.do(c.big, "the projector through the session", chromedp.Navigate(e.url+"/screen/"+rm.Room), chromedp.WaitVisible(tid("control-start")))
	c.small = c.tab(1280, 720, false, noDialogs)
	c.b.signIn(c.small, e.url, testLogin, testPassword)
	c.b.do(c.small, "the small projector", chromedp.Navigate(e.url+"/screen/"+rm.Room), chromedp.WaitVisible(tid("control-start")))
	// The facilitator says yes when the remote asks (moving a case on
	// while teams still decide); what it asked is kept.
	c.remote = c.tab(390, 844, true, `window.__dialogs = []; window.confirm = (m) => { window.__dialogs.push(String(m)); return true; };`)
	c.b.signIn(c.remote, e.url, testLogin, testPassword)
	c.b.do(c.remote, "the remote through the session", chromedp.Navigate(e.url+"/host/"+rm.Room), chromedp.WaitVisible(tid("host-start")))

	names := []string{"Анна Петрова", "Борис", "Вера", "Глеб Константинопольский", "Дина", "Егор"}
	var twins []*client // the phones' own sockets, for the board's typing only
	for i, name := range names {
		j := joinRoom(t, e.url, rm.Code, name, fmt.Sprintf("t%d", i%3+1))
		c.phones = append(c.phones, c.phone(j, rm.Code, name))
		twins = append(twins, dial(t, e.url, rm.Room, j.Token))
	}
	// Someone without a team watches from the join form.
	watcher := c.tab(360, 740, true)
	c.b.do(watcher, "a watcher joins by the code", chromedp.Navigate(e.url+"/j/"+rm.Code), chromedp.WaitVisible(tid("watch-button")))
	assertTargets(watcher, t, "#join-form", 44, "the join form with its watch button")
	c.b.do(watcher, "just watch", chromedp.Click(tid("watch-button")), chromedp.WaitVisible(tid("p-watch")))
	c.host.waitFor("the watcher counted", func(cl *client) bool {
		v, ok := latestData[dayView](cl, "view")
		return ok && v.Watchers == 1
	})
	c.screen("the lobby", `document.querySelectorAll('[data-testid="lobby-player"]').length === 6 && document.querySelector('#lobby-count').textContent.includes('смотрит')`, "day-lobby")
	c.keys("the lobby", false)

	c.tap("start")
	questions := 0
	for {
		v := c.waitHost("a question, the day's next stage or its end", func(v dayView) bool {
			return v.Phase == "question" || v.Phase == "between" || v.Phase == "finished" || v.Game != nil || v.Board != nil
		})
		if v.Phase != "question" {
			break
		}
		q := v.Question
		questions++
		shot := map[int]string{1: "day-question", 12: "day-question-multiple"}[questions]
		c.screen("question "+q.ID, fmt.Sprintf(`!!document.querySelector('[data-testid="phase-question"][data-question=%q]')`, q.ID), shot)
		if questions == 2 {
			// A watcher sees the question and has nothing to press.
			c.b.waitFor(watcher, "the question on the watcher's phone", fmt.Sprintf(`!!document.querySelector('[data-testid="p-watch"][data-phase="question"]') && !document.querySelector('[data-testid^="answer-"], [data-testid="answer-input"]')`))
			c.shot(watcher, "day-watcher-question-360x740.png")
			// A reload keeps watching.
			c.b.do(watcher, "reload the watcher", chromedp.Reload(), chromedp.WaitVisible(tid("p-watch")))
			c.host.waitFor("the watcher back", func(cl *client) bool {
				v, ok := latestData[dayView](cl, "view")
				return ok && v.Watchers == 1
			})
		}
		// Keys on every control: during a question Space and → move nothing.
		c.keys("question "+q.ID, true)
		if latestDay(c.host).Phase != "question" {
			t.Fatalf("keys on the projector moved question %s on", q.ID)
		}
		var opts []string
		for _, o := range q.Options {
			opts = append(opts, o.ID)
		}
		// In team mode a team's answer is the team's: one member of each
		// taps, and the last team's answer closes the question.
		answering := c.phones
		if v.Room.TeamMode == "team" {
			answering = c.phones[:3]
		}
		for i, p := range answering {
			c.answerByTap(p, names[i], q.ID, q.Type, opts, i+questions)
		}
		c.waitHost("every answer of "+q.ID, func(v dayView) bool {
			return v.Phase != "question" || v.Question == nil || v.Question.ID != q.ID || (v.Question.Answered != nil && *v.Question.Answered == len(answering))
		})
		if latestDay(c.host).Phase == "question" {
			c.tap("close") // in team mode a question waits for its time or the host
		}
		shot = map[int]string{1: "day-reveal", 12: "day-reveal-multiple", 5: "day-reveal-text"}[questions]
		c.screen("the answer to "+q.ID, fmt.Sprintf(`!!document.querySelector('[data-testid="phase-reveal"][data-question=%q]')`, q.ID), shot)
		if questions == 2 {
			// The standings come with the answer: phones get no frame when
			// the projector moves on to the leaderboard.
			c.b.waitFor(watcher, "the answer and the standings on the watcher's phone", `!!document.querySelector('[data-testid="watch-reveal"]') && !!document.querySelector('[data-testid="watch-standings"]')`)
			c.shot(watcher, "day-watcher-reveal-360x740.png")
		}
		// Next from the projector's own keyboard on odd questions (Space,
		// whatever has the focus), from the remote on even ones.
		if questions%2 == 1 {
			c.key(c.big, "Space: next", " ")
		} else {
			c.tap("next")
		}
		c.waitHost("the leaderboard after "+q.ID, func(v dayView) bool { return v.Phase != "reveal" })
		if latestDay(c.host).Phase == "leaderboard" {
			c.screen("the leaderboard after "+q.ID, `!!document.querySelector('[data-testid="phase-leaderboard"]')`, map[int]string{10: "day-leaderboard"}[questions])
			c.tap("next")
		}
	}
	t.Logf("%d questions in %v", questions, time.Since(start).Round(time.Second))
	if questions != 19 {
		t.Errorf("played %d questions, want the course's 19", questions)
	}

	// Between the quizzes and the game.
	c.waitHost("between the quiz and the game", func(v dayView) bool { return v.Phase == "between" })
	c.screen("between the quiz and the game", `!!document.querySelector('[data-testid="phase-between"]')`, "day-between-quiz")
	c.keys("between the quiz and the game", false)
	c.tap("next")
	c.waitHost("the game", func(v dayView) bool { return v.Game != nil })

	// The game: the teams' phones show each case; the facilitator moves
	// every case on from the remote.
	mark := time.Now()
	for n := 0; ; n++ {
		v := c.waitHost("a case, the debrief or the next stage", func(v dayView) bool { return v.Game != nil || v.Phase == "between" })
		if v.Game == nil || v.Phase == "between" {
			break
		}
		if v.Game.Case == nil {
			c.screen("the debrief", `!!document.querySelector('[data-testid="game-ranking"]')`, "day-debrief")
			c.keys("the debrief", false)
			c.tap("next")
			c.waitHost("the day after the debrief", func(v dayView) bool { return v.Phase == "between" })
			continue
		}
		idx := v.Game.Case.Index
		c.screen(fmt.Sprintf("case %d", idx+1), `!!document.querySelector('[data-testid="game-screen"]') && document.querySelectorAll('[data-testid="game-team"]').length === 3`, map[int]string{0: "day-game"}[idx])
		if idx == 0 {
			c.b.waitFor(c.phones[0], "the situation on a phone", `!!document.querySelector('[data-testid="game-situation"]')`)
			c.shot(c.phones[0], "day-phone-game-360x740.png")
			c.b.waitFor(watcher, "the game on the watcher's phone", `!!document.querySelector('[data-testid="p-watch"]') && !document.querySelector('[data-testid="game-choice"]')`)
		}
		if idx < 2 {
			// The first two cases are played: each team's members vote on
			// their phones' sockets; the rest the facilitator moves on.
			for tm := range 3 {
				c.playTeam(fmt.Sprintf("t%d", tm+1), []*client{twins[tm], twins[tm+3]}, tm+idx, fmt.Sprintf("команда %d обсудила и выбрала это сознательно", tm+1))
			}
			c.screen(fmt.Sprintf("case %d done", idx+1), `[...document.querySelectorAll('[data-testid="game-team"]')].every(e => e.classList.contains('done'))`, "")
		}
		c.tap("next")
		c.waitHost("the next case", func(v dayView) bool {
			return v.Game == nil || v.Game.Case == nil || v.Game.Case.Index != idx
		})
		if n > 20 {
			t.Fatal("the game does not end")
		}
	}
	t.Logf("the game in %v", time.Since(mark).Round(time.Second))
	c.screen("between the game and the board", `!!document.querySelector('[data-testid="phase-between"]')`, "day-between-game")
	c.tap("next")

	// The board: each team writes a card (typed on its phone's socket), the
	// facilitator reveals, groups, and moves on from the remote.
	mark = time.Now()
	texts := [][]string{
		{"Письменное соглашение о сотрудничестве", "Закрепить роли в договоре"},
		{"Общий календарь встреч", "Назначить ответственных с обеих сторон"},
		{"Совместный отчёт раз в квартал", "Публиковать отчёт на обоих сайтах"},
	}
	c.waitHost("the board", func(v dayView) bool { return v.Board != nil })
	for i := range 3 {
		twins[i].do("board.card", map[string]any{"prompt": "agreements", "text": texts[i][0]})
	}
	c.screen("cards being written", `!!document.querySelector('[data-testid="board-write"]')`, "day-board-write")
	for range 30 {
		v := latestDay(c.host)
		if v.Board == nil || v.Board.Phase == "group" {
			break
		}
		seq := c.host.latest["view"].Seq
		c.tap("next")
		c.waitHost("the board's next step", func(cl dayView) bool { return true }, seq)
		if v := latestDay(c.host); v.Board != nil && v.Board.Phase == "reveal" {
			c.screen(fmt.Sprintf("prompt %d revealed", v.Board.Shown), fmt.Sprintf(`(document.querySelector('[data-testid="board-reveal"]') || {dataset: {}}).dataset.shown === '%d'`, v.Board.Shown), map[int]string{1: "day-board-reveal"}[v.Board.Shown])
		}
	}
	v := latestDay(c.host)
	if v.Board == nil || len(v.Board.Cards) < 3 {
		t.Fatalf("the board's grouping: %+v", v.Board)
	}
	c.host.do("board.theme", map[string]any{"name": texts[0][1], "card": v.Board.Cards[0].ID})
	c.host.do("board.theme", map[string]any{"name": texts[1][1], "card": v.Board.Cards[1].ID})
	c.screen("themes", `document.querySelectorAll('.bd-cluster').length >= 2`, "")
	c.tap("next")
	v = c.waitHost("the vote", func(v dayView) bool { return v.Board != nil && v.Board.Phase == "vote" })
	for i, tw := range twins {
		tw.reply(tw.send("board.dots", map[string]any{"card": v.Board.Cards[(i+1)%3].ID, "dots": 1}))
	}
	c.screen("the vote", `!!document.querySelector('[data-testid="board-vote"]')`, "")
	c.tap("next")
	c.screen("the results", `!!document.querySelector('[data-testid="board-ranking"]')`, "day-board-results")
	c.tap("next")
	v = c.waitHost("recommendations", func(v dayView) bool { return v.Board != nil && v.Board.Phase == "recommend" })
	for i, rec := range v.Board.Recommendations {
		twins[i%3].reply(twins[i%3].send("board.fill", map[string]any{"theme": rec.Theme, "action": texts[i%3][1], "deadline": "2027"}))
	}
	c.screen("recommendations", `!!document.querySelector('[data-testid="board-rec"]')`, "day-board-recommend")
	c.keys("recommendations", false)
	for range 10 {
		if latestDay(c.host).Phase == "finished" {
			break
		}
		seq := c.host.latest["view"].Seq
		c.tap("next")
		c.waitHost("the board's end", func(dayView) bool { return true }, seq)
		if v := latestDay(c.host); v.Board != nil && v.Phase != "finished" {
			c.screen("the board's "+v.Board.Phase, `!!document.querySelector('#stage > section')`, "day-board-"+v.Board.Phase)
		}
	}
	t.Logf("the board in %v", time.Since(mark).Round(time.Second))

	// The podium, place by place, then the day's summary.
	c.waitHost("the podium", func(v dayView) bool { return v.Phase == "finished" })
	c.screen("the podium, veiled", `document.querySelector('[data-testid="phase-finished"]')?.dataset.revealed === '0'`, "day-podium-0")
	for step := 1; step <= 3; step++ {
		c.tap("next")
		c.screen(fmt.Sprintf("the podium, step %d", step), fmt.Sprintf(`document.querySelector('[data-testid="phase-finished"]')?.dataset.revealed === '%d'`, step), fmt.Sprintf("day-podium-%d", step))
	}
	// The watcher's phone shows the standings as far as the podium went.
	c.b.waitFor(watcher, "the podium on the watcher's phone", `!!document.querySelector('[data-testid="watch-standings"]')`)
	c.shot(watcher, "day-watcher-podium-360x740.png")
	// Every name on it keeps each word to one line: it wraps between words.
	if broken := c.b.evalString(watcher, brokenWordsJS); broken != "" {
		t.Errorf("names broken inside a word on the watcher's phone: %s", broken)
	}
	c.tap("next")
	c.screen("the day's summary", `!!document.querySelector('[data-testid="day-summary"]')`, "day-summary")
	if !c.b.evalBool(c.big, `['Закрепить роли', 'Назначить'].some(s => document.querySelector('[data-testid="day-board"]').textContent.includes(s))`) {
		t.Error("the summary lacks the board's recommendations")
	}
	c.keys("the day's summary", true)
	if d := c.dialogs(c.big); d != "" {
		t.Errorf("keys on the projector opened a dialog: %s", d)
	}
	seen, foreign := c.net.report()
	if len(foreign) > 0 {
		t.Errorf("pages asked other hosts: %v", foreign)
	}
	if seen < 50 {
		t.Errorf("only %d requests were seen: the network guard is not watching", seen)
	}
	t.Logf("the course day took %v", time.Since(start).Round(time.Second))
}

// waitHost waits until the host's view satisfies cond (and, if given, is
// newer than seq) and returns it.
func (c *course) waitHost(what string, cond func(dayView) bool, after ...uint64) dayView {
	c.t.Helper()
	var v dayView
	c.host.waitWithin(30*time.Second, what, func(cl *client) bool {
		f, ok := cl.latest["view"]
		if !ok || (len(after) > 0 && f.Seq <= after[0]) {
			return false
		}
		v, ok = latestData[dayView](cl, "view")
		return ok && cond(v)
	})
	return v
}

// tap presses one of the remote's buttons (start, next, close) as a thumb
// would.
func (c *course) tap(button string) {
	c.t.Helper()
	sel := tid("host-" + button)
	c.b.do(c.remote, "tap "+button+" on the remote", chromedp.WaitVisible(sel), chromedp.WaitEnabled(sel), chromedp.Click(sel))
}

// answerByTap answers the open question on a phone: taps an option (and
// "answer" for several), or types a number or a word and taps "answer".
func (c *course) answerByTap(p context.Context, name, question, qtype string, options []string, turn int) {
	c.t.Helper()
	c.b.waitFor(p, name+" sees "+question, fmt.Sprintf(`!!document.querySelector('[data-testid="p-question"][data-question=%q]')`, question))
	switch qtype {
	case "numeric":
		c.b.do(p, name+" types a number", chromedp.SendKeys(tid("answer-input"), fmt.Sprint(40+turn*3)), chromedp.Click(tid("answer-submit")))
	case "text":
		word := []string{"поставщик социальных услуг", "НКО", "добро.рф", "договор"}[turn%4]
		c.b.do(p, name+" types a word", chromedp.SendKeys(tid("answer-input"), word), chromedp.Click(tid("answer-submit")))
	default:
		id := options[turn%len(options)]
		c.b.do(p, name+" taps an option", chromedp.Click(tid("answer-"+id)))
		if qtype == "multiple" {
			c.b.do(p, name+" sends the choice", chromedp.Click(tid("answer-submit")))
		}
	}
}

// keys Tabs through every control of the 1920×1080 projector. On each it
// checks that the host token is nowhere to be read; with press, it also
// presses Space, → and Enter there (Enter not on the controls that move
// or end the room: those are what they say). Nothing may open a dialog.
func (c *course) keys(what string, press bool) {
	c.t.Helper()
	var reached []string
	for range 12 {
		c.key(c.big, "Tab", kb.Tab)
		f := c.focused(c.big)
		if f == "" || slices.Contains(reached, f) {
			break
		}
		reached = append(reached, f)
		if press {
			for _, k := range []string{" ", kb.ArrowRight} {
				c.key(c.big, "a key on "+f, k)
			}
			if strings.HasPrefix(f, "s-") {
				c.key(c.big, "Enter on "+f, "\r")
			}
		}
		c.noToken(what + ": keys on " + f)
	}
	if len(reached) == 0 {
		c.t.Errorf("%s: Tab reaches no control on the projector", what)
	}
	if d := c.dialogs(c.big); d != "" {
		c.t.Errorf("%s: keys on the projector opened a dialog: %s", what, d)
	}
	c.b.evalBool(c.big, `(document.activeElement && document.activeElement.blur(), true)`)
}
