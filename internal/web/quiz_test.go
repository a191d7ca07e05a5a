package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
)

// The game tests play a scenario without the speed bonus, so the reference
// scores below depend only on what each phone answered: this file scores
// the answers itself, independently of the engine.
const gameYAML = `
id: ws-game
title: WebSocket game
language: en
stages:
  - id: first
    kind: quiz
    speed_bonus: false
    time_limit: 60s
    questions:
      - id: q1
        type: single
        text: Pick b
        options: [{text: A}, {text: B, correct: true}, {text: C}, {text: D}]
      - id: q2
        type: multiple
        text: Pick a and c
        options: [{text: A, correct: true}, {text: B}, {text: C, correct: true}, {text: D}]
      - id: q3
        type: truefalse
        text: True?
        correct: true
      - id: q4
        type: numeric
        text: Sixty
        answer: 60
        tolerance: 5
      - id: q5
        type: text
        text: What formalises a partnership?
        accept: [договор, контракт]
      - id: q6
        type: poll
        text: How do you feel?
        options: [{text: Good}, {text: Fine}, {text: Tired}]
  - id: second
    kind: quiz
    speed_bonus: false
    time_limit: 60s
    questions:
      - id: q7
        type: single
        text: Pick a
        options: [{text: A, correct: true}, {text: B}]
`

func gameScenario(t testing.TB) []*scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("game.yaml", []byte(gameYAML))
	if err != nil {
		t.Fatal(err)
	}
	return []*scenario.Scenario{sc}
}

var questionOrder = []string{"q1", "q2", "q3", "q4", "q5", "q6", "q7"}

// randomAnswer picks a plausible answer, right or wrong.
func randomAnswer(rng *rand.Rand, q string) map[string]any {
	pick := func(opts ...any) any { return opts[rng.IntN(len(opts))] }
	d := map[string]any{"question": q}
	switch q {
	case "q1":
		d["options"] = []string{pick("a", "b", "b", "c").(string)}
	case "q2":
		d["options"] = pick([]string{"a", "c"}, []string{"a"}, []string{"c", "d"}, []string{"a", "b", "c"}, []string{"b"})
	case "q3":
		d["options"] = []string{pick("true", "false").(string)}
	case "q4":
		d["number"] = pick(60.0, 55.0, 65.5, 61.25, 10.0)
	case "q5":
		d["text"] = pick("Договор", "  КОНТРАКТ ", "устно", "договор.")
	case "q6":
		d["options"] = []string{pick("a", "b", "c").(string)}
	case "q7":
		d["options"] = []string{pick("a", "b").(string)}
	}
	return d
}

// referenceScore scores one player's answers by the documented rules.
func referenceScore(answers map[string]map[string]any) int {
	s := referenceStages(answers)
	return s[0] + s[1]
}

// referenceStages scores one player's answers per stage (q1–q6, q7). The
// streak runs on across the stages.
func referenceStages(answers map[string]map[string]any) [2]int {
	var total [2]int
	streak := 0
	for _, q := range questionOrder {
		stage := 0
		if q == "q7" {
			stage = 1
		}
		a, ok := answers[q]
		if !ok {
			streak = 0
			continue
		}
		fraction := 0.0
		switch q {
		case "q1":
			fraction = b2f(slices.Equal(a["options"].([]string), []string{"b"}))
		case "q2":
			right, wrong := 0, 0
			for _, o := range a["options"].([]string) {
				if o == "a" || o == "c" {
					right++
				} else {
					wrong++
				}
			}
			fraction = math.Max(0, float64(right-wrong)/2)
		case "q3":
			fraction = b2f(a["options"].([]string)[0] == "true")
		case "q4":
			fraction = b2f(math.Abs(a["number"].(float64)-60) <= 5)
		case "q5":
			s := strings.Trim(strings.ToLower(strings.TrimSpace(a["text"].(string))), ".")
			fraction = b2f(s == "договор" || s == "контракт")
		case "q6":
			continue // a poll scores nothing and keeps the streak
		case "q7":
			fraction = b2f(a["options"].([]string)[0] == "a")
		}
		points := int(math.Round(1000 * fraction))
		if fraction == 1 {
			streak++
			if streak >= 2 {
				points += int(math.Round(1000 * float64(min(streak-1, 5)) / 10))
			}
		} else {
			streak = 0
		}
		total[stage] += points
	}
	return total
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

type phone struct {
	name    string
	joined  joined
	cl      *client
	answers map[string]map[string]any
}

// game is a room being played by a host, a screen and phones.
type game struct {
	t      *testing.T
	base   string
	room   created
	host   *client
	screen *client
	phones []*phone
}

func newGame(t *testing.T, base string, phones, teams int) *game {
	return newGameWith(t, base, phones, teams, nil)
}

// newGameWith is newGame with more of the room's options (team_mode…).
func newGameWith(t *testing.T, base string, phones, teams int, options map[string]any) *game {
	req := map[string]any{"scenario": "ws-game", "team_count": teams, "lang": "en"}
	maps.Copy(req, options)
	g := &game{t: t, base: base}
	g.room = createRoom(t, base, req)
	g.host = dial(t, base, g.room.Room, g.room.HostToken)
	g.screen = dial(t, base, g.room.Room, g.room.ScreenToken)
	for i := range phones {
		name := fmt.Sprintf("Игрок %02d", i)
		j := joinRoom(t, base, g.room.Code, name, fmt.Sprintf("t%d", i%teams+1))
		g.phones = append(g.phones, &phone{name: name, joined: j, answers: map[string]map[string]any{}})
	}
	g.connectAll()
	g.screen.waitFor("lobby with every player", func(cl *client) bool {
		v, ok := latestData[struct{ Players, Online int }](cl, "view")
		return ok && v.Players == phones && v.Online == phones
	})
	return g
}

func (g *game) connectAll() {
	var wg sync.WaitGroup
	for _, p := range g.phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.cl = dial(g.t, g.base, p.joined.Room, p.joined.Token)
			p.cl.waitFor("me", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
		}()
	}
	wg.Wait()
}

type phoneState struct {
	Phase    string `json:"phase"`
	Question *struct {
		ID string `json:"id"`
	} `json:"question"`
	Reveal *struct {
		Question string `json:"question"`
	} `json:"reveal"`
}

// waitPhones waits until every phone's state shows phase for question q.
func (g *game) waitPhones(phase, q string) {
	for _, p := range g.phones {
		p.cl.waitFor(phase+" "+q, func(cl *client) bool {
			s, ok := latestData[phoneState](cl, "state")
			if !ok || s.Phase != phase {
				return false
			}
			switch phase {
			case "question":
				return s.Question != nil && s.Question.ID == q
			case "reveal":
				return s.Reveal != nil && s.Reveal.Question == q
			}
			return true
		})
	}
}

// toLeaderboard moves the room from q's reveal to its leaderboard. The
// host and the projector move on; the phones keep their reveal, which
// carries their standing, and get no frame (TestPhoneFramesPerQuestion).
func (g *game) toLeaderboard(q string) {
	g.host.do("next", nil)
	g.screen.waitFor("the leaderboard after "+q, func(cl *client) bool {
		v, ok := latestData[struct{ Phase string }](cl, "view")
		return ok && v.Phase == "leaderboard"
	})
}

// answerAll has every phone answer q at random, concurrently, each waiting
// for its ack.
func (g *game) answerAll(rng *rand.Rand, q string) {
	data := make([]map[string]any, len(g.phones))
	for i := range g.phones {
		data[i] = randomAnswer(rng, q)
	}
	var wg sync.WaitGroup
	for i, p := range g.phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := p.cl.reply(p.cl.send("answer", data[i]))
			if f.Type != "ack" || f.Duplicate {
				g.t.Errorf("%s answer %s: %+v", p.name, q, f)
				return
			}
			p.answers[q] = data[i]
		}()
	}
	wg.Wait()
}

type standing struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Team   string `json:"team"`
	Points int    `json:"points"`
	Rank   int    `json:"rank"`
}

type screenView struct {
	Phase       string `json:"phase"`
	Leaderboard *struct {
		Players []standing `json:"players"`
		Teams   []standing `json:"teams"`
	} `json:"leaderboard"`
}

// checkScores compares every score the server shows with the reference.
func (g *game) checkScores() {
	want := map[string]int{}
	teamSum, teamN := map[string][2]int{}, map[string]int{}
	for _, p := range g.phones {
		want[p.joined.Player] = referenceScore(p.answers)
		st, sum := referenceStages(p.answers), teamSum[p.joined.Team]
		teamSum[p.joined.Team] = [2]int{sum[0] + st[0], sum[1] + st[1]}
		teamN[p.joined.Team]++
	}
	var v screenView
	g.screen.data("view", &v)
	if v.Leaderboard == nil || len(v.Leaderboard.Players) != len(g.phones) {
		g.t.Fatalf("screen leaderboard: %+v", v.Leaderboard)
	}
	for i, s := range v.Leaderboard.Players {
		if s.Points != want[s.ID] {
			g.t.Errorf("screen: %s has %d points, reference %d", s.Name, s.Points, want[s.ID])
		}
		if i > 0 && s.Points > v.Leaderboard.Players[i-1].Points {
			g.t.Errorf("leaderboard not sorted at %d", i)
		}
	}
	for _, s := range v.Leaderboard.Teams {
		// a team scores the rounded mean of its members, stage by stage
		n, sum := teamN[s.ID], teamSum[s.ID]
		if exp := (2*sum[0]+n)/(2*n) + (2*sum[1]+n)/(2*n); s.Points != exp {
			g.t.Errorf("team %s: %d points, reference %d", s.Name, s.Points, exp)
		}
	}
	for _, p := range g.phones {
		var me struct {
			Score struct{ Points int } `json:"score"`
		}
		p.cl.data("me", &me)
		if me.Score.Points != want[p.joined.Player] {
			g.t.Errorf("phone %s shows %d points, reference %d", p.name, me.Score.Points, want[p.joined.Player])
		}
	}
}

// play runs questions from..to (indexes into questionOrder), answering at
// random; the last one ends on its leaderboard.
func (g *game) play(rng *rand.Rand, from, to int, during func(q string)) {
	for i := from; i <= to; i++ {
		q := questionOrder[i]
		if i == 0 {
			g.host.do("start", nil)
		} else {
			g.host.do("next", nil) // leaderboard → next question
		}
		g.waitPhones("question", q)
		g.answerAll(rng, q)
		if during != nil {
			during(q)
		}
		g.waitPhones("reveal", q) // everyone answered: closed by "all"
		g.toLeaderboard(q)
	}
}

// TestQuizOverWebSockets plays a whole quiz with 1 projector, 1 host and 50
// phones in 5 teams, then checks every score against the reference.
func TestQuizOverWebSockets(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	g := newGame(t, e.url, 50, 5)
	rng := rand.New(rand.NewPCG(1, 2))

	g.play(rng, 0, len(questionOrder)-1, func(q string) {
		if q != "q2" {
			return
		}
		// A phone drops mid-question and comes back: same player, its answer kept,
		// and a re-sent answer is acknowledged as a duplicate, not counted again.
		p := g.phones[7]
		p.cl.close()
		p.cl = dial(t, e.url, p.joined.Room, p.joined.Token)
		var me struct {
			Player struct{ ID string } `json:"player"`
			Answer *struct {
				Question string   `json:"question"`
				Options  []string `json:"options"`
			} `json:"answer"`
		}
		p.cl.waitFor("me after reconnecting", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
		p.cl.data("me", &me)
		if me.Player.ID != p.joined.Player || me.Answer == nil || me.Answer.Question != "q2" ||
			!slices.Equal(me.Answer.Options, p.answers["q2"]["options"].([]string)) {
			t.Errorf("after reconnecting the phone sees %+v, want its q2 answer %v", me, p.answers["q2"])
		}
		if f := p.cl.reply(p.cl.send("answer", p.answers["q2"])); f.Type != "ack" || !f.Duplicate {
			t.Errorf("re-sent answer: %+v", f)
		}
		var other map[string]any = map[string]any{"question": "q2", "options": []string{"d"}}
		if f := p.cl.reply(p.cl.send("answer", other)); f.Type != "error" || f.Code != "question_closed" {
			t.Errorf("changed answer after close: %+v", f)
		}
	})
	g.checkScores()
	g.host.do("next", nil)
	g.waitPhones("finished", "")
	g.checkScores()

	// No phone ever saw a correct answer before the reveal, nor a host token.
	for _, p := range g.phones {
		p.cl.mu.Lock()
		for _, f := range p.cl.all {
			if bytes.Contains(f.Data, []byte(g.room.HostToken)) || bytes.Contains(f.Data, []byte(g.room.ScreenToken)) {
				t.Errorf("%s received a token in %s", p.name, f.Type)
			}
			if f.Type == "state" {
				var s struct {
					Phase  string          `json:"phase"`
					Reveal json.RawMessage `json:"reveal"`
				}
				_ = json.Unmarshal(f.Data, &s)
				if s.Phase == "question" && string(s.Reveal) != "null" {
					t.Errorf("%s saw a reveal during a question: %s", p.name, f.Data)
				}
				// The phone's own part (its "me") counts its correct answers
				// so far; what every phone shares must say nothing of them.
				var shared map[string]json.RawMessage
				_ = json.Unmarshal(f.Data, &shared)
				delete(shared, "me")
				if b, _ := json.Marshal(shared); s.Phase == "question" && bytes.Contains(b, []byte(`"correct"`)) {
					t.Errorf("%s saw a correct flag during a question: %s", p.name, f.Data)
				}
			}
		}
		p.cl.mu.Unlock()
	}

	// The export agrees with the reference.
	resp, err := http.Get(e.url + "/api/rooms/" + g.room.Room + "/export.json?token=" + g.room.HostToken)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Players []struct {
			ID     string
			Points int
		}
		Questions []struct{ Answers []struct{ Player string } }
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Players) != 50 || len(res.Questions) != len(questionOrder) {
		t.Fatalf("export: %d players, %d questions", len(res.Players), len(res.Questions))
	}
	for _, q := range res.Questions {
		if len(q.Answers) != 50 {
			t.Errorf("export: %d answers to a question, want 50 (no duplicates)", len(q.Answers))
		}
	}
	for _, p := range res.Players {
		for _, ph := range g.phones {
			if ph.joined.Player == p.ID && referenceScore(ph.answers) != p.Points {
				t.Errorf("export: %s %d points, reference %d", ph.name, p.Points, referenceScore(ph.answers))
			}
		}
	}
	for _, format := range []string{"csv", "xlsx"} {
		resp, err := http.Get(e.url + "/api/rooms/" + g.room.Room + "/export." + format + "?token=" + g.room.HostToken)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "."+format) {
			t.Errorf("export %s: %d %s", format, resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
	}
}

// reopenableStores makes, per store kind, a function that opens the same
// store again: a restarted server finds what its predecessor stored.
func reopenableStores() map[string]func(t *testing.T) (open func() store.Store) {
	return map[string]func(t *testing.T) func() store.Store{
		"bolt": func(t *testing.T) func() store.Store {
			path := filepath.Join(t.TempDir(), "huddle.db")
			return func() store.Store {
				st, err := store.OpenBolt(path)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		},
		"redis": func(t *testing.T) func() store.Store {
			url, prefix := storetest.RedisURL(t), storetest.UniquePrefix(t)
			return func() store.Store {
				st, err := store.OpenRedis(context.Background(), url, prefix)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		},
	}
}

// TestRestartResumes plays half a quiz, stops the server, starts a new one
// on the same store and finishes the quiz with the same players.
func TestRestartResumes(t *testing.T) {
	stores := reopenableStores()
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			open := mk(t)
			st1 := open()
			e1 := startEnv(t, st1, gameScenario(t))
			g := newGame(t, e1.url, 8, 2)
			rng := rand.New(rand.NewPCG(3, 4))
			g.play(rng, 0, 2, nil)
			g.host.do("next", nil) // q4 opens; two phones answer, then the server stops
			g.waitPhones("question", "q4")
			for _, p := range g.phones[:2] {
				a := randomAnswer(rng, "q4")
				p.cl.do("answer", a)
				p.answers["q4"] = a
			}
			e1.stop()
			if err := st1.Close(); err != nil {
				t.Fatal(err)
			}
			for _, c := range append([]*client{g.host, g.screen}, phonesOf(g)...) {
				c.waitFor("close with 1012", func(cl *client) bool { return cl.closed != nil })
				if websocket.CloseStatus(c.closed) != websocket.StatusServiceRestart {
					t.Errorf("closed with %v, want status 1012", c.closed)
				}
			}

			st2 := open()
			t.Cleanup(func() { st2.Close() })
			e2 := startEnv(t, st2, nil) // the room carries its scenario: no files needed
			g.base = e2.url
			g.host = dial(t, e2.url, g.room.Room, g.room.HostToken)
			g.screen = dial(t, e2.url, g.room.Room, g.room.ScreenToken)
			g.connectAll()
			g.waitPhones("question", "q4")
			// The answers given before the stop are still in, and not twice.
			if f := g.phones[0].cl.reply(g.phones[0].cl.send("answer", g.phones[0].answers["q4"])); !f.Duplicate {
				t.Errorf("answer from before the restart: %+v", f)
			}
			for _, p := range g.phones[2:] {
				a := randomAnswer(rng, "q4")
				p.cl.do("answer", a)
				p.answers["q4"] = a
			}
			g.waitPhones("reveal", "q4")
			g.toLeaderboard("q4")
			g.play(rng, 4, len(questionOrder)-1, nil)
			g.checkScores()
		})
	}
}

func phonesOf(g *game) []*client {
	var out []*client
	for _, p := range g.phones {
		out = append(out, p.cl)
	}
	return out
}

// TestTeamModeOverWebSockets: in team mode every phone of a team sees the
// team's current choice live, the latest answer before the close counts and
// the team scores it.
func TestTeamModeOverWebSockets(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	g := &game{t: t, base: e.url}
	g.room = createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2, "team_mode": "team"})
	g.host = dial(t, e.url, g.room.Room, g.room.HostToken)
	g.screen = dial(t, e.url, g.room.Room, g.room.ScreenToken)
	for i := range 6 {
		j := joinRoom(t, e.url, g.room.Code, fmt.Sprintf("P%d", i), fmt.Sprintf("t%d", i%2+1))
		g.phones = append(g.phones, &phone{name: fmt.Sprintf("P%d", i), joined: j})
	}
	g.connectAll()
	g.host.do("start", nil)
	g.waitPhones("question", "q1")

	type teamAnswer struct {
		TeamAnswer *struct {
			Options []string `json:"options"`
			By      string   `json:"by"`
		} `json:"team_answer"`
	}
	seesTeamChoice := func(p *phone, option, by string) {
		t.Helper()
		p.cl.waitFor(fmt.Sprintf("team choice %s by %s", option, by), func(cl *client) bool {
			m, ok := latestData[teamAnswer](cl, "me")
			return ok && m.TeamAnswer != nil && len(m.TeamAnswer.Options) == 1 &&
				m.TeamAnswer.Options[0] == option && m.TeamAnswer.By == by
		})
	}
	// Team 1 (P0, P2, P4): P0 proposes a, P2 changes it to b; everyone on the team sees it.
	g.phones[0].cl.do("answer", map[string]any{"question": "q1", "options": []string{"a"}})
	seesTeamChoice(g.phones[4], "a", "P0")
	g.phones[2].cl.do("answer", map[string]any{"question": "q1", "options": []string{"b"}})
	for _, i := range []int{0, 2, 4} {
		seesTeamChoice(g.phones[i], "b", "P2")
	}
	// The other team sees nothing of it.
	if m, _ := latestNow[teamAnswer](g.phones[1].cl, "me"); m.TeamAnswer != nil {
		t.Fatalf("team 2 sees team 1's choice: %+v", m.TeamAnswer)
	}
	// Team 2 answers a (wrong) and the host closes the question.
	g.phones[1].cl.do("answer", map[string]any{"question": "q1", "options": []string{"a"}})
	g.host.do("close", nil)
	g.waitPhones("reveal", "q1")

	var v screenView
	g.screen.waitFor("team leaderboard", func(cl *client) bool {
		var ok bool
		v, ok = latestData[screenView](cl, "view")
		return ok && v.Leaderboard != nil && len(v.Leaderboard.Teams) == 2
	})
	if len(v.Leaderboard.Players) != 0 {
		t.Errorf("players ranked alone in team mode: %+v", v.Leaderboard.Players)
	}
	for _, s := range v.Leaderboard.Teams {
		// Team 1's counted answer is b (correct); the speed bonus makes it ≤ 1000 and > 500.
		if (s.ID == "t1") != (s.Points > 500 && s.Points <= 1000) || (s.ID == "t2" && s.Points != 0) {
			t.Errorf("team %s: %d points", s.ID, s.Points)
		}
	}
	type teamResult struct {
		Result *struct {
			Correct bool `json:"correct"`
			Points  int  `json:"points"`
		} `json:"result"`
		TeamScore struct{ Points int } `json:"team_score"`
	}
	// P4 never tapped but shares the team's result. Its "me" follows the
	// state that showed the reveal: wait for it rather than read what came
	// so far.
	var me teamResult
	g.phones[4].cl.waitFor("P4's own view of the revealed question", func(cl *client) bool {
		var ok bool
		me, ok = latestData[teamResult](cl, "me")
		return ok && me.Result != nil
	})
	if !me.Result.Correct || me.Result.Points == 0 || me.TeamScore.Points != me.Result.Points {
		t.Errorf("P4's view of the team result: %+v %+v", *me.Result, me.TeamScore)
	}
}
