package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/huddle-live/huddle/internal/game"
	"github.com/huddle-live/huddle/internal/scenario"
)

// validate checks scenario files and prints every problem with its
// file:line:col. Games are also played by random teams, which finds nodes
// and endings that conditions keep out of reach.
func validate(files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: huddle validate FILE...")
	}
	bad := 0
	for _, f := range files {
		sc, err := scenario.Load(f)
		if err != nil {
			bad++
			fmt.Fprintln(stdout, err)
			continue
		}
		if probs := game.Playthrough(sc, game.PlaythroughRuns); len(probs) > 0 {
			bad++
			fmt.Fprintln(stdout, &scenario.Problems{List: probs})
			continue
		}
		questions, cases, nodes := 0, 0, 0
		for _, st := range sc.Stages {
			if st.Quiz != nil {
				questions += len(st.Quiz.Questions)
			}
			if st.Game != nil {
				cases += len(st.Game.Cases)
				for _, c := range st.Game.Cases {
					nodes += len(c.Nodes)
				}
			}
		}
		what := fmt.Sprintf("%d questions", questions)
		if cases > 0 {
			what = fmt.Sprintf("%d questions, %d cases, %d decision points", questions, cases, nodes)
		}
		fmt.Fprintf(stdout, "%s: ok (%s, %d stages, %s)\n", f, sc.ID, len(sc.Stages), what)
	}
	if bad > 0 {
		return exitError{fmt.Sprintf("%d of %d files have problems", bad, len(files))}
	}
	return nil
}
