package session

import (
	"slices"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
)

// RelaxedTime is how much longer every question runs in a relaxed room.
const RelaxedTime = 3 / 2.0

// Relaxed returns the scenario as a relaxed room plays it, for groups where
// scoring speed is unfair: no quiz stage gives speed points (a correct
// answer scores the same whenever it comes) and every question has half as
// long again, up to the longest a question may have. The scenario given is
// not changed: the copy shares nothing with it that it changes.
func Relaxed(sc *scenario.Scenario) *scenario.Scenario {
	out := *sc
	out.Stages = slices.Clone(sc.Stages)
	for i := range out.Stages {
		st := &out.Stages[i]
		if st.Quiz == nil {
			continue
		}
		q := *st.Quiz
		q.SpeedBonus = false
		q.TimeLimit = longer(q.TimeLimit)
		q.Questions = slices.Clone(q.Questions)
		for j := range q.Questions {
			q.Questions[j].TimeLimit = longer(q.Questions[j].TimeLimit)
		}
		st.Quiz = &q
	}
	return &out
}

func longer(d time.Duration) time.Duration {
	return min(time.Duration(float64(d)*RelaxedTime).Round(time.Second), scenario.MaxTimeLimit)
}
