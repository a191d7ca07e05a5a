package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// replayed rebuilds the play's room from its log alone.
func replayed(p *play) *State {
	p.t.Helper()
	for i := range p.events {
		p.events[i].Seq = uint64(i + 1)
	}
	re, _, err := Rebuild(nil, p.events)
	if err != nil {
		p.t.Fatal(err)
	}
	return re
}

// TestQuizPauseExtendSkip: the host's pause, +time and skip are events of
// the log: a paused question's timer does not fire, the views say so, the
// deadline stays absolute and a replay of the log is the live room; only
// the host may send them.
func TestQuizPauseExtendSkip(t *testing.T) {
	p := newPlay(t, quizYAML, 2)
	p.join("anna", "t1")
	p.join("boris", "t2")
	p.host("start", nil)
	opened := p.now

	for _, typ := range []string{evPause, evExtend, evSkip} {
		if err := p.exec(RolePlayer, "anna", typ, map[string]any{"paused": true, "seconds": 5}); !errors.Is(err, ErrForbidden) {
			t.Errorf("a player's %s: %v, want forbidden", typ, err)
		}
	}
	if err := p.exec(RoleHost, "", evExtend, map[string]any{"seconds": 0}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("+0 s: %v", err)
	}
	if err := p.exec(RoleHost, "", evExtend, map[string]any{"seconds": 3600}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("+1 h: %v", err)
	}

	p.now = p.now.Add(4 * time.Second)
	p.host(evPause, map[string]any{"paused": true})
	v := screenOf(p, Presence{})
	has("question.paused", "true").run(t, v)
	has("question.remaining_ms", "6000").run(t, v)
	if err := p.exec(RolePlayer, "anna", "answer", map[string]any{"question": "q1", "options": []string{"a"}}); ErrorCode(err) != CodePaused {
		t.Errorf("an answer while paused: %v (%s)", err, ErrorCode(err))
	}
	p.wait(time.Minute) // the timer does not fire while paused
	if p.s.Phase() != "question" {
		t.Fatalf("the paused question closed: %s", p.s.Phase())
	}
	p.host(evPause, map[string]any{"paused": false})
	p.host(evExtend, map[string]any{"seconds": 15})
	// 10 s limit + 60 s paused + 15 s added
	if want := opened.Add(85 * time.Second); !p.s.Deadline().Equal(want) {
		t.Errorf("deadline %v, want opened + 85 s", p.s.Deadline().Sub(opened))
	}
	has("question.added_ms", "15000").run(t, phoneOf(p, Presence{}))
	lacks("question.paused").run(t, phoneOf(p, Presence{}))
	p.now = p.now.Add(time.Second)
	p.player("anna", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	p.wait(time.Hour) // closes on time
	if p.s.Phase() != "reveal" {
		t.Fatalf("after the deadline: %s", p.s.Phase())
	}
	// anna answered after 5 s of question time of 10: 1000 × 0.75
	if got := p.s.quizNow().q.Last().Awards[p.ids["anna"]].Points; got != 750 {
		t.Errorf("anna scored %d, want 750: the pause counted against her", got)
	}
	p.host("next", nil)
	p.host("next", nil) // q2 opens
	p.player("boris", "answer", map[string]any{"question": "q2", "number": 42})
	p.host(evSkip, nil)
	v = screenOf(p, Presence{})
	has("phase", "leaderboard").run(t, v)
	lacks("reveal").run(t, v) // never revealed
	if got := p.s.quizNow().q.Last(); got.ClosedBy != quiz.ClosedBySkip || len(got.Awards) != 0 {
		t.Errorf("skipped question: %+v", got)
	}
	lacks("result").run(t, meOf("boris")(p, Presence{}))
	if canonical(t, replayed(p)) != canonical(t, p.s) {
		t.Error("the replay differs from the live room")
	}
}

const textQuizYAML = `
id: t
title: T
language: en
stages:
  - id: s
    kind: quiz
    time_limit: 10s
    questions:
      - {id: q1, type: text, text: "What formalises a partnership?", accept: [contract]}
`

// TestHideOpenText: the host takes an open-text answer (its whole group)
// off the projector and the phones, and puts it back; the host still sees
// it, marked; only the host may; a replay keeps it hidden.
func TestHideOpenText(t *testing.T) {
	p := newPlay(t, textQuizYAML, 2)
	for _, n := range []string{"anna", "boris", "vera"} {
		p.join(n, "")
	}
	p.host("start", nil)
	p.player("anna", "answer", map[string]any{"question": "q1", "text": "Contract"})
	p.player("boris", "answer", map[string]any{"question": "q1", "text": "rude word"})
	p.player("vera", "answer", map[string]any{"question": "q1", "text": "RUDE  word"})
	if p.s.Phase() != "reveal" {
		t.Fatalf("phase %s", p.s.Phase())
	}
	has("reveal.texts.0.text", "rude word").run(t, screenOf(p, Presence{}))
	if err := p.exec(RolePlayer, "anna", evHide, map[string]any{"question": "q1", "text": "rude word", "hidden": true}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a player hid an answer: %v", err)
	}
	if err := p.exec(RoleHost, "", evHide, map[string]any{"question": "q1", "text": "   ", "hidden": true}); err == nil {
		t.Error("an empty text was hidden")
	}
	p.host(evHide, map[string]any{"question": "q1", "text": "Rude word", "hidden": true})
	for name, v := range map[string]map[string]any{"screen": screenOf(p, Presence{}), "phone": phoneOf(p, Presence{})} {
		texts, _ := path(v, "reveal.texts")
		if list := texts.([]any); len(list) != 1 || list[0].(map[string]any)["text"] != "Contract" {
			t.Errorf("%s after the hide: %v", name, list)
		}
	}
	host := hostOf(p, Presence{})
	has("reveal.texts.0.hidden", "true").run(t, host)
	if canonical(t, replayed(p)) != canonical(t, p.s) {
		t.Error("the replay differs from the live room")
	}
	p.host(evHide, map[string]any{"question": "q1", "text": "rude word", "hidden": false})
	has("reveal.texts.0.text", "rude word").run(t, screenOf(p, Presence{}))
	lacks("reveal.texts.0.hidden").run(t, hostOf(p, Presence{}))
}

// TestMovePlayer: the host moves a player to another team between
// questions. The player's points stay theirs; each team's average follows
// its members from then on; a move while a question is open is refused,
// and only the host may move anyone.
func TestMovePlayer(t *testing.T) {
	p := newPlay(t, quizYAML, 2)
	p.join("anna", "t1")
	p.join("boris", "t1")
	p.join("vera", "t2")
	p.host("start", nil)
	if err := p.exec(RoleHost, "", "move", map[string]any{"player": p.ids["anna"], "team": "t2"}); !errors.Is(err, ErrWrongPhase) {
		t.Errorf("a move while the question is open: %v", err)
	}
	p.now = p.now.Add(time.Second)
	p.player("anna", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	p.player("boris", "answer", map[string]any{"question": "q1", "options": []string{"b"}})
	p.player("vera", "answer", map[string]any{"question": "q1", "options": []string{"b"}})
	annaPoints := MeView(p.s, p.ids["anna"], p.now).Score.Points
	if annaPoints == 0 {
		t.Fatal("anna scored nothing")
	}
	if err := p.exec(RolePlayer, "anna", "move", map[string]any{"player": p.ids["anna"], "team": "t2"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a player moved: %v", err)
	}
	if err := p.exec(RoleHost, "", "move", map[string]any{"player": p.ids["anna"], "team": "t9"}); !errors.Is(err, ErrNoTeam) {
		t.Errorf("a move to no team: %v", err)
	}
	p.host("move", map[string]any{"player": p.ids["anna"], "team": "t2"})
	me := MeView(p.s, p.ids["anna"], p.now)
	if me.Team.ID != "t2" || me.Score.Points != annaPoints || me.Team.Size != 2 {
		t.Errorf("anna after the move: team %s of %d, %d points (had %d)", me.Team.ID, me.Team.Size, me.Score.Points, annaPoints)
	}
	v := screenOf(p, Presence{})
	// t2 is anna and vera: (annaPoints + 0) / 2; t1 is boris alone: 0.
	has("leaderboard.teams.0.id", "t2").run(t, v)
	has("leaderboard.teams.0.points", fmt.Sprint(annaPoints/2)).run(t, v)
	has("leaderboard.teams.1.points", "0").run(t, v)
	if err := p.exec(RoleHost, "", "move", map[string]any{"player": p.ids["anna"], "team": "t2"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("the same move again: %v", err)
	}
	if canonical(t, replayed(p)) != canonical(t, p.s) {
		t.Error("the replay differs from the live room")
	}
}

// TestRelaxedRoom: a relaxed room plays every quiz question half as long
// again, without speed points, and leaves the scenario it was made from as
// it was; a late correct answer scores in full.
func TestRelaxedRoom(t *testing.T) {
	sc, err := scenario.Parse("t.yaml", []byte(quizYAML))
	if err != nil {
		t.Fatal(err)
	}
	r := Relaxed(sc)
	if q := r.Stages[0].Quiz; q.SpeedBonus || q.Questions[0].TimeLimit != 15*time.Second {
		t.Errorf("relaxed: speed %v, limit %v", q.SpeedBonus, q.Questions[0].TimeLimit)
	}
	if q := sc.Stages[0].Quiz; !q.SpeedBonus || q.Questions[0].TimeLimit != 10*time.Second {
		t.Error("the scenario itself changed")
	}
	names, _ := TeamNames(r, nil, 2, "en")
	s, created, err := Create(Config{ID: "r", Code: "1", Scenario: r, Teams: names, Lang: "en", Relaxed: true,
		HostHash: HashToken("host"), ScreenHash: HashToken("screen")}, 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	p := &play{t: t, s: s, now: t0, ids: map[string]string{}, events: []store.Event{created}}
	p.join("anna", "t1")
	p.join("boris", "t2")
	p.host("start", nil)
	has("room.relaxed", "true").run(t, screenOf(p, Presence{}))
	p.now = p.now.Add(14 * time.Second) // past the scenario's own 10 s
	p.player("anna", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	p.wait(time.Minute)
	if got := p.s.quizNow().q.Last().Awards[p.ids["anna"]].Points; got != 1000 {
		t.Errorf("a correct answer at 14 s of 15 scored %d, want 1000", got)
	}
	if canonical(t, replayed(p)) != canonical(t, p.s) {
		t.Error("the replay differs")
	}
}

// TestScreenPage: the host's screen.page moves the projector's page on the
// current screen only; the next screen starts without one (the projector
// turns its pages by itself), a replay and a snapshot keep it, and nobody
// else may send it.
func TestScreenPage(t *testing.T) {
	p := newPlay(t, quizYAML, 2)
	p.join("anna", "t1")
	p.join("boris", "t2")
	p.host("start", nil)
	p.host("close", nil)
	lacks("screen_page").run(t, screenOf(p, Presence{}))
	p.host("screen.page", map[string]int{"step": 1})
	p.host("screen.page", map[string]int{"step": 1})
	has("screen_page", "2").run(t, screenOf(p, Presence{}))
	has("screen_page", "2").run(t, hostOf(p, Presence{}))
	lacks("screen_page").run(t, phoneOf(p, Presence{}))
	p.host("screen.page", map[string]int{"step": -1})
	p.host("screen.page", map[string]int{"step": -1})
	p.host("screen.page", map[string]int{"step": -1})
	has("screen_page", "-1").run(t, screenOf(p, Presence{}))
	for _, bad := range []any{map[string]int{"step": 2}, map[string]int{"step": 0}, map[string]string{"step": "1"}, nil} {
		if err := p.exec(RoleHost, "", "screen.page", bad); !errors.Is(err, ErrBadRequest) {
			t.Errorf("screen.page %v: %v", bad, err)
		}
	}
	if err := p.exec(RolePlayer, "anna", "screen.page", map[string]int{"step": 1}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a player turned the projector: %v", err)
	}
	if err := p.exec(RoleScreen, "", "screen.page", map[string]int{"step": 1}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a screen turned the projector: %v", err)
	}
	if canonical(t, replayed(p)) != canonical(t, p.s) {
		t.Error("the replay differs from the live room")
	}
	var back State
	if err := json.Unmarshal(mustMarshal(t, p.s), &back); err != nil {
		t.Fatal(err)
	}
	if got := back.screenPageNow(); got == nil || *got != -1 {
		t.Errorf("page after a snapshot: %v", got)
	}
	p.host("next", nil) // the leaderboard: another screen
	lacks("screen_page").run(t, screenOf(p, Presence{}))
	p.host("screen.page", map[string]int{"step": 1})
	has("screen_page", "1").run(t, screenOf(p, Presence{}))
}
