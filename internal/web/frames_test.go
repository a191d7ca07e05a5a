package web

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/huddle-live/huddle/internal/store"
)

// TestPhoneFramesPerQuestion counts, over real WebSockets, the frames each
// phone gets per question: the question's state (without an own part once
// the stage runs: the same bytes for every phone), the ack of its answer
// (with its own view in it) and the reveal's state, which carries its
// result and standing. Moving from the reveal to the leaderboard sends the
// phones nothing; a phone that connects during the leaderboard still gets
// the whole state.
func TestPhoneFramesPerQuestion(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	g := newGame(t, e.url, 12, 3)
	rng := rand.New(rand.NewPCG(3, 4))
	g.play(rng, 0, 2, nil) // q1..q3, ending on q3's leaderboard
	g.host.do("next", nil)
	g.waitPhones("question", "q4")

	for _, p := range g.phones {
		p.cl.mu.Lock()
		all := append([]frame(nil), p.cl.all...)
		p.cl.mu.Unlock()
		counts := map[string]int{} // question → frames from its opening to the next one's
		var reveals []string       // the reveal states seen, by question
		q := ""
		for _, f := range all {
			if f.own {
				continue // the client's copy of the own view inside a frame, not a frame
			}
			var s struct {
				Phase    string `json:"phase"`
				Question *struct {
					ID string `json:"id"`
				} `json:"question"`
				Me *struct {
					Score struct {
						Rank   int `json:"rank"`
						Points int `json:"points"`
					} `json:"score"`
					TeamScore struct {
						Rank int `json:"rank"`
					} `json:"team_score"`
					Result *struct {
						Question string `json:"question"`
					} `json:"result"`
				} `json:"me"`
			}
			if f.Type == "state" {
				if err := json.Unmarshal(f.Data, &s); err != nil {
					t.Fatal(err)
				}
				if s.Phase == "question" && s.Question != nil && s.Question.ID != q {
					q = s.Question.ID
					// The next question of the stage is the same bytes for
					// every phone: its own part has not changed as it matters.
					if q != "q1" && s.Me != nil {
						t.Errorf("%s: the opening of %s carries an own part", p.name, q)
					}
				}
				if s.Phase == "leaderboard" {
					t.Errorf("%s got a leaderboard state after %s: phones keep the reveal", p.name, q)
				}
				if s.Phase == "reveal" {
					reveals = append(reveals, q)
					// The reveal carries the phone's result and standing.
					if s.Me == nil || s.Me.Result == nil || s.Me.Result.Question != q || s.Me.Score.Rank < 1 || s.Me.TeamScore.Rank < 1 {
						t.Errorf("%s: the reveal of %s lacks the phone's result or standing: %s", p.name, q, f.Data)
					}
				}
			}
			if q != "" {
				counts[q]++
			}
		}
		for _, q := range []string{"q1", "q2", "q3"} {
			if counts[q] > 3 {
				t.Errorf("%s got %d frames for %s, want at most 3", p.name, counts[q], q)
			}
		}
		if len(reveals) != 3 {
			t.Errorf("%s saw the reveals of %v, want q1, q2, q3", p.name, reveals)
		}
	}

	// A phone that comes back during a leaderboard is shown it whole.
	g.answerAll(rng, "q4")
	g.waitPhones("reveal", "q4")
	g.toLeaderboard("q4")
	back := dial(t, e.url, g.phones[0].joined.Room, g.phones[0].joined.Token)
	back.waitFor("the leaderboard on a new socket", func(cl *client) bool {
		var s struct {
			Phase       string          `json:"phase"`
			Leaderboard json.RawMessage `json:"leaderboard"`
			Me          json.RawMessage `json:"me"`
		}
		f, ok := cl.latest["state"]
		return ok && json.Unmarshal(f.Data, &s) == nil && s.Phase == "leaderboard" && len(s.Leaderboard) > 4 && len(s.Me) > 4
	})
}
