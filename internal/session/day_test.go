package session

import (
	"errors"
	"fmt"
	"os"
	"testing"
)

// playThrough plays the current stage to its end as an idle room would:
// the host presses next, and deadlines pass when nobody acts.
func playThrough(p *play) {
	p.t.Helper()
	stage := p.s.Stage
	for range 500 {
		if p.s.Stage != stage || p.s.Between || p.s.Finished {
			return
		}
		if at := p.s.Deadline(); !at.IsZero() {
			p.wait(at.Sub(p.now))
			continue
		}
		p.host("next", nil)
	}
	p.t.Fatalf("stage %d did not end", stage)
}

// TestCourseDay plays the shipped course: between stages of different kinds
// the room pauses in "between" with the day's summary so far; quiz stages
// follow each other directly; at the end the summary holds every stage,
// and a replay of the log rebuilds the same state.
func TestCourseDay(t *testing.T) {
	src, err := os.ReadFile("../../scenarios/course.ru.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := newPlay(t, string(src), 3)
	for _, n := range []string{"anna", "boris", "vera", "gleb", "dina", "egor"} {
		p.join(n, "")
	}
	screen := func() map[string]any { return screenOf(p, Presence{}) }
	has("day.stages.0.status", "next").run(t, screen())
	lacks("day.summary").run(t, screen())
	p.host("start", nil)
	has("day.stages.0.status", "current").run(t, screen())

	playThrough(p) // basics → practice: both quizzes, no pause
	if p.s.Stage != 1 || p.s.Between {
		t.Fatalf("after the first quiz: stage %d, between %v; want the second quiz at once", p.s.Stage, p.s.Between)
	}
	playThrough(p)
	if p.s.Phase() != PhaseBetween || p.s.Stage != 1 {
		t.Fatalf("after the quizzes: phase %s at stage %d, want between at 1", p.s.Phase(), p.s.Stage)
	}
	if !p.s.Deadline().IsZero() {
		t.Error("a deadline between stages")
	}
	v := screen()
	for _, c := range []check{has("phase", "between"), has("day.stages.1.status", "done"), has("day.stages.2.status", "next"),
		has("day.summary.quiz.0.rank", "1")} {
		c.run(t, v)
	}
	has("day.stages.2.status", "next").run(t, phoneOf(p, Presence{}))
	if err := p.exec(RolePlayer, "anna", "next", nil); err != ErrForbidden {
		t.Errorf("a player's next between stages: %v, want forbidden", err)
	}

	p.host("next", nil) // the game
	if p.s.Stage != 2 || p.s.Phase() == PhaseBetween {
		t.Fatalf("next from between: stage %d phase %s", p.s.Stage, p.s.Phase())
	}
	playThrough(p)
	if p.s.Phase() != PhaseBetween || p.s.Stage != 2 {
		t.Fatalf("after the game: phase %s at stage %d", p.s.Phase(), p.s.Stage)
	}
	v = screen()
	has("day.summary.games.0.teams.0.rank", "1").run(t, v)
	if teams, _ := path(v, "day.summary.games.0.teams"); len(teams.([]any)) != 3 {
		t.Errorf("game ranking: %v, want the 3 teams that play", teams)
	}

	p.host("next", nil) // the board
	playThrough(p)
	if !p.s.Finished {
		t.Fatalf("after the board: phase %s", p.s.Phase())
	}
	v = screen()
	for _, c := range []check{has("phase", "finished"), has("day.stages.3.status", "done"),
		has("day.summary.boards.0.title", p.s.Config.Scenario.Stages[3].Title)} {
		c.run(t, v)
	}

	// Replay and snapshot keep the pause.
	for i := range p.events { // the journal's numbering
		p.events[i].Seq = uint64(i + 1)
	}
	re, _, err := Rebuild(nil, p.events)
	if err != nil {
		t.Fatal(err)
	}
	if canonical(t, re) != canonical(t, p.s) {
		t.Error("the replayed course differs from the live one")
	}
}

// TestBetweenSurvivesSnapshot: a room stored while it pauses between stages
// comes back paused, and the host's next starts the next stage.
func TestBetweenSurvivesSnapshot(t *testing.T) {
	src, err := os.ReadFile("../../scenarios/course.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := newPlay(t, string(src), 2)
	p.join("anna", "")
	p.host("start", nil)
	playThrough(p)
	playThrough(p)
	if !p.s.Between {
		t.Fatal("not between stages after the quizzes")
	}
	var back State
	if err := back.UnmarshalJSON(mustMarshal(t, p.s)); err != nil {
		t.Fatal(err)
	}
	if back.Phase() != PhaseBetween {
		t.Fatalf("restored phase %s", back.Phase())
	}
	p.s = &back
	p.host("next", nil)
	if p.s.Stage != 2 || p.s.Between {
		t.Errorf("next after a restore: stage %d, between %v", p.s.Stage, p.s.Between)
	}
	p.host("end", nil)
	if p.s.Between || !p.s.Finished {
		t.Error("end did not finish the room")
	}
}

// TestCourseResultsCoverEveryStage: the results of a course day hold its
// questions, its game and its board, so one export covers the day.
func TestCourseResultsCoverEveryStage(t *testing.T) {
	src, err := os.ReadFile("../../scenarios/course.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := newPlay(t, string(src), 2)
	p.join("anna", "")
	p.join("boris", "")
	p.host("start", nil)
	for !p.s.Finished {
		playThrough(p)
		if p.s.Between {
			p.host("next", nil)
		}
	}
	r := p.s.Results()
	if len(r.Questions) == 0 || len(r.Games) != 1 || len(r.Boards) != 1 {
		t.Fatalf("results: %d questions, %d games, %d boards; want every stage", len(r.Questions), len(r.Games), len(r.Boards))
	}
	if r.Boards[0].Stage != "hackathon" || r.Games[0].Stage != "day" {
		t.Errorf("stages: game %s, board %s", r.Games[0].Stage, r.Boards[0].Stage)
	}
}

// TestPodiumSteps: once finished, the host's next reveals the third place,
// the second, the first, and in a day then the summary; one more is
// wrong_phase. A replay lands on the same step.
func TestPodiumSteps(t *testing.T) {
	p := newPlay(t, quizYAML, 2)
	p.join("anna", "t1")
	p.join("boris", "t2")
	p.host("start", nil)
	p.host("end", nil)
	for step := 1; step <= 3; step++ {
		p.host("next", nil)
		has("podium.revealed", fmt.Sprint(step)).run(t, screenOf(p, Presence{}))
		has("podium.steps", "3").run(t, phoneOf(p, Presence{}))
	}
	if err := p.exec(RoleHost, "", "next", nil); !errors.Is(err, ErrWrongPhase) {
		t.Errorf("a fourth next: %v", err)
	}
	if canonical(t, replayed(p)) != canonical(t, p.s) {
		t.Error("the replay differs")
	}

	src, err := os.ReadFile("../../scenarios/course.ru.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := newPlay(t, string(src), 2)
	d.join("anna", "")
	d.host("start", nil)
	d.host("end", nil)
	for range 4 {
		d.host("next", nil)
	}
	has("podium.revealed", "4").run(t, screenOf(d, Presence{}))
}
