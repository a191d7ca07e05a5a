package quiz

import (
	"errors"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
)

// TestPauseExtendSkip drives the host's controls on an open question as a
// table of steps at absolute times: the deadline moves by the time paused
// and the time added, answers wait while paused, the time paused does not
// count against an answer's speed, and a skipped question scores nobody.
func TestPauseExtendSkip(t *testing.T) {
	type step struct {
		at     time.Duration
		do     string // pause, resume, extend, answer, close, skip
		player string
		choice string
		add    time.Duration
		err    error
		// after the step
		deadline time.Duration // from t0; 0: not checked
	}
	tests := []struct {
		name   string
		steps  []step
		points map[string]int // after the question closed
		phase  Phase
	}{
		{
			name: "pause and resume move the deadline by the pause",
			steps: []step{
				{at: 2 * time.Second, do: "answer", player: "p1", choice: "b"},
				{at: 4 * time.Second, do: "pause", deadline: 20 * time.Second},
				{at: 5 * time.Second, do: "answer", player: "p2", choice: "b", err: ErrPaused},
				{at: 5 * time.Second, do: "pause", err: ErrWrongPhase}, // already paused
				{at: 34 * time.Second, do: "resume", deadline: 50 * time.Second},
				{at: 34 * time.Second, do: "resume", err: ErrWrongPhase},
				// 36 s on the clock, 6 s of question time: 1000 × (1 − 6/20/2) = 850
				{at: 36 * time.Second, do: "answer", player: "p2", choice: "b"},
				{at: 49 * time.Second, do: "answer", player: "p3", choice: "b"},
				{at: 50 * time.Second, do: "close"},
			},
			// p1 at 2 s: 950; p3 at 19 s of question time: 1000 × (1 − 19/40) = 525
			points: map[string]int{"p1": 950, "p2": 850, "p3": 525},
			phase:  Reveal,
		},
		{
			name: "time added moves the deadline; speed is still measured on the question's limit",
			steps: []step{
				{at: 1 * time.Second, do: "extend", add: 30 * time.Second, deadline: 50 * time.Second},
				{at: 2 * time.Second, do: "extend", add: 0, err: ErrWrongPhase},
				{at: 2 * time.Second, do: "pause"},
				{at: 12 * time.Second, do: "extend", add: 10 * time.Second, deadline: 60 * time.Second},
				{at: 22 * time.Second, do: "resume", deadline: 80 * time.Second},
				{at: 62 * time.Second, do: "answer", player: "p1", choice: "b"}, // 42 s of question time: past the limit, half points
				{at: 80 * time.Second, do: "answer", player: "p2", choice: "b", err: ErrClosed},
				{at: 80 * time.Second, do: "close"},
			},
			points: map[string]int{"p1": 500, "p2": 0, "p3": 0},
			phase:  Reveal,
		},
		{
			name: "a skipped question scores nobody and goes to the leaderboard",
			steps: []step{
				{at: 2 * time.Second, do: "answer", player: "p1", choice: "b"},
				{at: 3 * time.Second, do: "pause"},
				{at: 4 * time.Second, do: "skip"},
				{at: 5 * time.Second, do: "skip", err: ErrWrongPhase},
				{at: 5 * time.Second, do: "pause", err: ErrWrongPhase},
				{at: 5 * time.Second, do: "extend", add: time.Second, err: ErrWrongPhase},
			},
			points: map[string]int{},
			phase:  Leaderboard,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := testQuiz(scenario.TeamAverage)
			roster := Roster{"p1": "t1", "p2": "t1", "p3": "t2"}
			s := New(scenario.TeamAverage)
			mustStart(t, s, q, t0)
			for i, st := range tt.steps {
				now := t0.Add(st.at)
				var err error
				switch st.do {
				case "pause":
					err = s.Pause(true, now)
				case "resume":
					err = s.Pause(false, now)
				case "extend":
					err = s.Extend(st.add)
				case "answer":
					_, err = s.Submit(q, roster, st.player, "single", Choice{Options: []string{st.choice}}, now)
				case "close":
					err = s.Close(q, roster, now, ClosedByHost)
				case "skip":
					err = s.Skip(q, now)
				}
				if !errors.Is(err, st.err) {
					t.Fatalf("step %d (%s at %v): err %v, want %v", i, st.do, st.at, err, st.err)
				}
				if st.deadline != 0 && !s.Deadline.Equal(t0.Add(st.deadline)) {
					t.Fatalf("step %d (%s): deadline %v, want t0+%v", i, st.do, s.Deadline.Sub(t0), st.deadline)
				}
			}
			if s.Phase != tt.phase {
				t.Fatalf("phase %s, want %s", s.Phase, tt.phase)
			}
			last := s.Last()
			for p, want := range tt.points {
				if got := last.Awards[p].Points; got != want {
					t.Errorf("%s: %d points, want %d", p, got, want)
				}
			}
			if tt.phase == Leaderboard {
				if last.ClosedBy != ClosedBySkip || len(last.Awards) != 0 || len(last.Answers) != 1 {
					t.Errorf("skipped: %+v", last)
				}
				for u, sc := range s.Scores {
					if sc.Points != 0 || sc.Answered != 0 {
						t.Errorf("%s scored on a skipped question: %+v", u, sc)
					}
				}
				if err := s.Start(q, t0.Add(6*time.Second)); err != nil || s.Paused || s.PausedFor != 0 {
					t.Errorf("the next question after a skip: %v, paused %v for %v", err, s.Paused, s.PausedFor)
				}
			}
		})
	}
}
