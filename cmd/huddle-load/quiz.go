package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const (
	scenarioID = "huddle-load"
	quizLength = 40
)

// writeQuiz writes the benchmark quiz: quizLength single-choice questions
// of four options, ten minutes each, so that a question closes only when
// every phone has answered.
func writeQuiz(dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# The quiz huddle-load runs. Written by huddle-load -write-scenario.\n")
	fmt.Fprintf(&b, "id: %s\ntitle: \"Load test\"\nlanguage: en\n\nstages:\n  - id: load\n    kind: quiz\n    title: \"Load test\"\n    team_mode: average\n    time_limit: 10m\n    questions:\n", scenarioID)
	for i := 1; i <= quizLength; i++ {
		fmt.Fprintf(&b, "      - id: q%d\n        type: single\n        text: \"Question %d: which option is the first one?\"\n        options:\n", i, i)
		for j, o := range []string{"First", "Second", "Third", "Fourth"} {
			fmt.Fprintf(&b, "          - text: %q\n", o)
			if j == 0 {
				b.WriteString("            correct: true\n")
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, scenarioID+".yaml"), []byte(b.String()), 0o644)
}
