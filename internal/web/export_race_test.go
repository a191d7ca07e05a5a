package web

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// loopGame is a game whose teams can decide for as long as a test likes:
// every choice changes the meters and comes back to the same node.
const loopGame = `
id: loop
title: Loop
language: en
stages:
  - id: day
    kind: game
    decision: vote
    time_limit: 30m
    meters:
      - {id: budget, name: Budget, start: 50, band: [20, 80]}
      - {id: trust, name: Trust, start: 50, band: [20, 80]}
    cases:
      - id: one
        title: One
        nodes:
          - id: a
            text: Decide.
            choices:
              - {id: up, text: Up, effects: {budget: 1, trust: -1}, next: a}
              - {id: down, text: Down, effects: {budget: -1, trust: 1}, next: a}
              - {id: stop, text: Stop, next: end}
        endings:
          - {id: done, title: Done}
  - id: ideas
    kind: board
    prompts:
      - {id: p1, question: Ideas}
`

// TestExportWhileTeamsDecide downloads every export format in a loop while
// the teams of a game decide over WebSockets. Results once carried the
// engine's live meters map, which a decision changed while an export read
// it: under -race that is a reported race, without it a crash ("concurrent
// map iteration and map write").
func TestExportWhileTeamsDecide(t *testing.T) {
	sc, err := scenario.Parse("loop.yaml", []byte(loopGame))
	if err != nil {
		t.Fatal(err)
	}
	e := startEnvWith(t, store.NewMemory(), []*scenario.Scenario{sc}, func(c *Config) {
		c.Limits.MessagesPerMinute, c.Limits.MessageBurst = 1_000_000, 1_000_000
	})
	const teams, decisions = 4, 60
	c := createRoom(t, e.url, map[string]any{"scenario": "loop", "team_count": teams})
	var phones []*client
	for i := range teams {
		j := joinRoom(t, e.url, c.Code, fmt.Sprintf("Игрок %d", i), fmt.Sprintf("t%d", i+1))
		phones = append(phones, dial(t, e.url, c.Room, j.Token))
	}
	host := dial(t, e.url, c.Room, c.HostToken)
	host.do("start", nil)

	stop := make(chan struct{})
	var exports atomic.Int64
	var wg sync.WaitGroup
	// However the test ends, its goroutines end first: one that reports
	// after the test has returned panics the whole package.
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }); wg.Wait() }
	defer halt()
	formats := []string{"export.csv", "export.xlsx", "export.json", "board.md", "board.docx", "board.csv", "board.json"}
	for _, f := range formats {
		wg.Go(func() {
			url := e.url + "/api/rooms/" + c.Room + "/" + f + "?token=" + c.HostToken
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Get(url)
				if err != nil {
					t.Errorf("%s: %v", f, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s: %d", f, resp.StatusCode)
					return
				}
				exports.Add(1)
			}
		})
	}
	// Each team of one decides at once: a pick is a decision.
	for i, p := range phones {
		wg.Go(func() {
			for n := range decisions {
				choice := "up"
				if (n+i)%2 == 1 {
					choice = "down"
				}
				p.do("game.pick", map[string]any{"node": "a", "choice": choice})
			}
		})
	}
	for _, p := range phones {
		p.waitWithin(time.Minute, fmt.Sprintf("%d decisions", decisions), func(cl *client) bool {
			replies := 0
			for _, f := range cl.all {
				if f.Type == "ack" {
					replies++
				}
			}
			return replies >= decisions
		})
	}
	halt()
	if exports.Load() < int64(len(formats)) {
		t.Fatalf("only %d exports while the teams decided", exports.Load())
	}
	t.Logf("%d decisions per team, %d exports meanwhile", decisions, exports.Load())
}
