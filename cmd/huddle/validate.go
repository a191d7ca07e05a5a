package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

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
		fmt.Fprintf(stdout, "%s: ok (%s, %s)\n", f, sc.ID, summary(sc))
	}
	if bad > 0 {
		return exitError{fmt.Sprintf("%d of %d files have problems", bad, len(files))}
	}
	return nil
}

// summary counts what a scenario holds, naming only the kinds it has:
// "2 stages, 19 questions", "1 stage, 5 cases, 16 decision points".
func summary(sc *scenario.Scenario) string {
	questions, cases, nodes, prompts := 0, 0, 0, 0
	for _, st := range sc.Stages {
		switch {
		case st.Quiz != nil:
			questions += len(st.Quiz.Questions)
		case st.Game != nil:
			cases += len(st.Game.Cases)
			for _, c := range st.Game.Cases {
				nodes += len(c.Nodes)
			}
		case st.Board != nil:
			prompts += len(st.Board.Prompts)
		}
	}
	parts := []string{count(len(sc.Stages), "stage", "stages")}
	if questions > 0 {
		parts = append(parts, count(questions, "question", "questions"))
	}
	if cases > 0 {
		parts = append(parts, count(cases, "case", "cases"), count(nodes, "decision point", "decision points"))
	}
	if prompts > 0 {
		parts = append(parts, count(prompts, "prompt", "prompts"))
	}
	return strings.Join(parts, ", ")
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
