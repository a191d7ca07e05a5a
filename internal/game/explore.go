package game

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
)

// maxSteps bounds one random team's walk through one case, so that a loop
// no choice leaves cannot hang the check.
const maxSteps = 500

// Finding is one thing the random playthrough found: a node never visited,
// an ending never reached, or a case a team could not leave.
type Finding struct {
	Pos scenario.Pos
	Msg string
}

// Explore plays runs random teams through every case of the game, each
// team taking a random available choice at every node and carrying its
// meters from case to case, and reports nodes never visited, endings never
// reached and cases where a team walked in circles.
func Explore(def *scenario.Game, runs int, rng *rand.Rand) []Finding {
	visited := map[*scenario.Node]bool{}
	reached := map[*scenario.Ending]bool{}
	looped := map[*scenario.Case]bool{}
	var at time.Time
	s := New(def, []string{"t"}, at)
	s.bare = true
	t := s.Teams["t"]
	var open []*scenario.Choice
	for range runs {
		for _, mt := range def.Meters {
			t.Meters[mt.ID] = mt.Start
		}
		t.Used, t.Endings = t.Used[:0], t.Endings[:0]
		s.enterCase(def, 0, at)
		for ci := range def.Cases {
			c := &def.Cases[ci]
			steps := 0
			for t.Node != "" {
				n := c.Node(t.Node)
				visited[n] = true
				if steps++; steps > maxSteps {
					looped[c] = true
					s.endCase(c, t)
					break
				}
				open = open[:0]
				for i := range n.Choices {
					if t.Available(c, n, &n.Choices[i]) {
						open = append(open, &n.Choices[i])
					}
				}
				ch := n.Choice(n.Default)
				if len(open) > 0 {
					ch = open[rng.IntN(len(open))]
				}
				s.decide(def, t, c, n, Pick{Choice: ch.ID}, ByTeam, at)
			}
			if steps <= maxSteps {
				reached[Ending(c, t.Meters)] = true
			}
			if ci+1 < len(def.Cases) {
				s.enterCase(def, ci+1, at)
			}
		}
	}
	var out []Finding
	for ci := range def.Cases {
		c := &def.Cases[ci]
		if looped[c] {
			out = append(out, Finding{c.Pos, fmt.Sprintf("random playthrough: a team can go round case %q for more than %d decisions", c.ID, maxSteps)})
		}
		for i := range c.Nodes {
			if n := &c.Nodes[i]; !visited[n] {
				out = append(out, Finding{n.Pos, fmt.Sprintf("random playthrough: node %q of case %q was never visited by %d random teams", n.ID, c.ID, runs)})
			}
		}
		for i := range c.Endings {
			if e := &c.Endings[i]; !reached[e] {
				out = append(out, Finding{e.Pos, fmt.Sprintf("random playthrough: ending %q of case %q was never reached by %d random teams", e.ID, c.ID, runs)})
			}
		}
	}
	return out
}

// PlaythroughRuns is how many random teams `huddle validate` plays through
// every game.
const PlaythroughRuns = 10_000

// Playthrough runs Explore on every game stage of a loaded scenario with a
// fixed seed, so a report is the same on every run, and returns the
// findings as problems of the scenario's file.
func Playthrough(sc *scenario.Scenario, runs int) []scenario.Problem {
	var out []scenario.Problem
	for _, st := range sc.Stages {
		if st.Game == nil {
			continue
		}
		rng := rand.New(rand.NewPCG(1, uint64(len(st.ID))))
		for _, f := range Explore(st.Game, runs, rng) {
			out = append(out, scenario.Problem{File: sc.File, Line: f.Pos.Line, Col: f.Pos.Col, Msg: f.Msg})
		}
	}
	return out
}
