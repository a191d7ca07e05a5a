package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A node that every static check passes but no team can reach: the only
// choice leading to it needs a meter value the game never gets near.
const plantedGame = `id: planted
title: Planted
language: en
stages:
  - id: day
    kind: game
    meters:
      - {id: budget, name: Budget, start: 50, band: [30, 70]}
    cases:
      - id: one
        title: One
        nodes:
          - id: a
            text: Start
            choices:
              - {id: go, text: Go, effects: {budget: -5}, next: end}
              - {id: dream, text: Dream, if: budget > 900, next: hidden}
          - id: hidden
            text: Nobody comes here
            choices:
              - {id: back, text: Back, next: end}
        endings:
          - {id: rich, title: Rich, if: budget > 800}
          - {id: fine, title: Fine}
`

func TestValidatePlaysGames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "planted.yaml")
	if err := os.WriteFile(path, []byte(plantedGame), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"huddle", "validate", "../../scenarios/ngo-day.ru.yaml", "../../scenarios/ngo-day.en.yaml", path}, env(nil), &out, &out)
	if err == nil {
		t.Fatal("validate passed a game with a node no team reaches")
	}
	for _, want := range []string{
		"ngo-day.ru.yaml: ok (ngo-day, 1 stage, 5 cases, 16 decision points)",
		"ngo-day.en.yaml: ok (ngo-day-en,",
		path + `:18:13: random playthrough: node "hidden" of case "one" was never visited by 10000 random teams`,
		path + `:23:13: random playthrough: ending "rich" of case "one" was never reached by 10000 random teams`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
