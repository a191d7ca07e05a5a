package web

import (
	"testing"

	"github.com/huddle-live/huddle/internal/store"
)

// phoneQuestion is what the controls test reads of a phone's state.
type phoneQuestion struct {
	Phase    string `json:"phase"`
	Question *struct {
		ID          string `json:"id"`
		Deadline    int64  `json:"deadline"`
		Paused      bool   `json:"paused"`
		RemainingMS int64  `json:"remaining_ms"`
		AddedMS     int64  `json:"added_ms"`
	} `json:"question"`
	Reveal *struct{} `json:"reveal"`
}

// TestQuizControlsOverWebSockets drives the host's pause, +time and skip
// as the remote sends them and watches a phone: a paused question refuses
// answers with "paused" and shows the time it has left, resuming moves
// its absolute deadline on, +time adds to it, and a skipped question goes
// to the leaderboard without a reveal.
func TestQuizControlsOverWebSockets(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2})
	anna := dial(t, e.url, c.Room, joinRoom(t, e.url, c.Code, "Анна", "t1").Token)
	boris := dial(t, e.url, c.Room, joinRoom(t, e.url, c.Code, "Борис", "t2").Token)
	host := dial(t, e.url, c.Room, c.HostToken)
	state := func(cl *client, what string, cond func(s phoneQuestion) bool) phoneQuestion {
		t.Helper()
		var s phoneQuestion
		cl.waitFor(what, func(cl *client) bool {
			var ok bool
			s, ok = latestData[phoneQuestion](cl, "state")
			return ok && cond(s)
		})
		return s
	}

	host.do("start", nil)
	open := state(anna, "q1 open", func(s phoneQuestion) bool { return s.Phase == "question" && s.Question != nil })
	host.do("quiz.pause", map[string]bool{"paused": true})
	paused := state(anna, "q1 paused", func(s phoneQuestion) bool { return s.Question.Paused })
	if paused.Question.RemainingMS <= 0 || paused.Question.RemainingMS > 60000 {
		t.Errorf("remaining while paused: %d ms", paused.Question.RemainingMS)
	}
	if f := anna.reply(anna.send("answer", map[string]any{"question": "q1", "options": []string{"b"}})); f.Code != "paused" || f.Message == "" {
		t.Errorf("an answer while paused: %s %s %q", f.Type, f.Code, f.Message)
	}
	if f := boris.reply(boris.send("quiz.pause", map[string]bool{"paused": false})); f.Code != "forbidden" {
		t.Errorf("a phone resumed the question: %s %s", f.Type, f.Code)
	}
	host.do("quiz.pause", map[string]bool{"paused": false})
	resumed := state(anna, "q1 runs on", func(s phoneQuestion) bool { return !s.Question.Paused })
	if resumed.Question.Deadline < open.Question.Deadline {
		t.Errorf("resuming moved the deadline back: %d → %d", open.Question.Deadline, resumed.Question.Deadline)
	}
	host.do("quiz.extend", map[string]int{"seconds": 30})
	extended := state(anna, "q1 +30 s", func(s phoneQuestion) bool { return s.Question.AddedMS == 30000 })
	if got := extended.Question.Deadline - resumed.Question.Deadline; got != 30000 {
		t.Errorf("+30 s moved the deadline by %d ms", got)
	}
	if f := host.reply(host.send("quiz.extend", map[string]int{"seconds": -5})); f.Code != "bad_request" {
		t.Errorf("-5 s: %s %s", f.Type, f.Code)
	}
	anna.do("answer", map[string]any{"question": "q1", "options": []string{"b"}})
	boris.do("answer", map[string]any{"question": "q1", "options": []string{"a"}})
	state(boris, "q1 revealed", func(s phoneQuestion) bool { return s.Phase == "reveal" && s.Reveal != nil })
	host.do("next", nil)
	host.do("next", nil)
	state(anna, "q2 open", func(s phoneQuestion) bool { return s.Phase == "question" && s.Question.ID == "q2" })
	anna.do("answer", map[string]any{"question": "q2", "options": []string{"a", "c"}})
	host.do("quiz.skip", nil)
	skipped := state(anna, "q2 skipped", func(s phoneQuestion) bool { return s.Phase == "leaderboard" })
	if skipped.Reveal != nil {
		t.Error("a skipped question was revealed")
	}
	if f := host.reply(host.send("quiz.skip", nil)); f.Code != "wrong_phase" {
		t.Errorf("skip on the leaderboard: %s %s", f.Type, f.Code)
	}
	host.do("next", nil)
	state(boris, "q3 open", func(s phoneQuestion) bool { return s.Phase == "question" && s.Question.ID == "q3" })
}

// TestHideOverWebSockets: an open-text answer reaches the projector and
// the phones grouped; the remote's hide takes the group off both, the
// host's view keeps it marked, and show puts it back.
func TestHideOverWebSockets(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2})
	anna := dial(t, e.url, c.Room, joinRoom(t, e.url, c.Code, "Анна", "t1").Token)
	boris := dial(t, e.url, c.Room, joinRoom(t, e.url, c.Code, "Борис", "t2").Token)
	host := dial(t, e.url, c.Room, c.HostToken)
	screen := dial(t, e.url, c.Room, c.ScreenToken)
	type reveal struct {
		Reveal *struct {
			Question string `json:"question"`
			Texts    []struct {
				Text   string `json:"text"`
				Hidden bool   `json:"hidden"`
			} `json:"texts"`
		} `json:"reveal"`
	}
	texts := func(cl *client, typ, what string, want int) {
		t.Helper()
		cl.waitFor(what, func(cl *client) bool {
			r, ok := latestData[reveal](cl, typ)
			return ok && r.Reveal != nil && r.Reveal.Question == "q5" && len(r.Reveal.Texts) == want
		})
	}
	host.do("start", nil)
	for range 4 { // q1–q4 closed unanswered
		host.do("close", nil)
		host.do("next", nil)
		host.do("next", nil)
	}
	anna.do("answer", map[string]any{"question": "q5", "text": "договор"})
	boris.do("answer", map[string]any{"question": "q5", "text": "глупость"})
	texts(screen, "view", "two groups on the projector", 2)
	host.do("quiz.hide", map[string]any{"question": "q5", "text": "Глупость", "hidden": true})
	texts(screen, "view", "one group on the projector", 1)
	texts(anna, "state", "one group on a phone", 1)
	host.waitFor("the host's view marks it", func(cl *client) bool {
		r, ok := latestData[reveal](cl, "view")
		return ok && r.Reveal != nil && len(r.Reveal.Texts) == 2 && (r.Reveal.Texts[0].Hidden || r.Reveal.Texts[1].Hidden)
	})
	if f := anna.reply(anna.send("quiz.hide", map[string]any{"question": "q5", "text": "договор", "hidden": true})); f.Code != "forbidden" {
		t.Errorf("a phone hid an answer: %s %s", f.Type, f.Code)
	}
	host.do("quiz.hide", map[string]any{"question": "q5", "text": "глупость", "hidden": false})
	texts(screen, "view", "both groups back", 2)
}

// TestMoveOverWebSockets: the remote moves a player between questions;
// the player's phone hears of its new team at once, and the player keeps
// their points.
func TestMoveOverWebSockets(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2})
	aj := joinRoom(t, e.url, c.Code, "Анна", "t1")
	anna := dial(t, e.url, c.Room, aj.Token)
	host := dial(t, e.url, c.Room, c.HostToken)
	type me struct {
		Team  struct{ ID string }  `json:"team"`
		Score struct{ Points int } `json:"score"`
	}
	host.do("start", nil)
	if f := host.reply(host.send("move", map[string]string{"player": aj.Player, "team": "t2"})); f.Code != "wrong_phase" {
		t.Errorf("a move while the question is open: %s %s", f.Type, f.Code)
	}
	anna.do("answer", map[string]any{"question": "q1", "options": []string{"b"}})
	anna.waitFor("q1 scored", func(cl *client) bool {
		m, ok := latestData[me](cl, "me")
		return ok && m.Score.Points > 0
	})
	var before me
	anna.data("me", &before)
	host.do("move", map[string]string{"player": aj.Player, "team": "t2"})
	anna.waitFor("the new team on the phone", func(cl *client) bool {
		m, ok := latestData[me](cl, "me")
		return ok && m.Team.ID == "t2"
	})
	var after me
	anna.data("me", &after)
	if after.Score.Points != before.Score.Points {
		t.Errorf("points %d → %d across the move", before.Score.Points, after.Score.Points)
	}
}

// TestRelaxedRoomOverHTTP: a room created relaxed says so in its views,
// and its questions run half as long again.
func TestRelaxedRoomOverHTTP(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2, "relaxed": true})
	joinRoom(t, e.url, c.Code, "Анна", "t1")
	host := dial(t, e.url, c.Room, c.HostToken)
	host.do("start", nil)
	type view struct {
		Room     struct{ Relaxed bool } `json:"room"`
		Question *struct {
			TimeLimitMS int64 `json:"time_limit_ms"`
		} `json:"question"`
	}
	host.waitFor("a relaxed question", func(cl *client) bool {
		v, ok := latestData[view](cl, "view")
		return ok && v.Room.Relaxed && v.Question != nil && v.Question.TimeLimitMS == 90000
	})
}
