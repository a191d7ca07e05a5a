package session

import (
	"fmt"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
)

// BenchmarkSubmit measures the pure engine accepting one answer.
func BenchmarkSubmit(b *testing.B) {
	sc, _ := scenario.Parse("t.yaml", []byte(quizYAML))
	q := sc.Stages[0].Quiz
	roster := quiz.Roster{}
	for i := range 1000 {
		roster[fmt.Sprint(i)] = "t1"
	}
	now := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%1000 == 0 {
			b.StopTimer()
			s := quiz.New(scenario.TeamAverage)
			_ = s.Start(q, now)
			b.StartTimer()
			benchState = s
		}
		_, _ = benchState.Submit(q, roster, fmt.Sprint(i%1000), "q1", quiz.Choice{Options: []string{"a"}}, now)
	}
}

var benchState *quiz.State

// BenchmarkGamePhones: the personal part of every phone's view in a game
// stage, built for n phones in 20 teams (what one flush does after a
// change that concerns every team).
func BenchmarkGamePhones(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			p := newPlay(b, benchGameYAML, 20)
			for i := range n {
				p.join(fmt.Sprint("p", i), "")
			}
			p.host("start", nil)
			gs := p.s.gameNow()
			b.ResetTimer()
			for b.Loop() {
				for _, pl := range p.s.Players {
					_ = gs.gameMe(p.s, pl)
				}
			}
		})
	}
}

// benchGameYAML is the game BenchmarkGamePhones has always measured.
const benchGameYAML = `
id: g
title: G
language: en
stages:
  - id: day
    kind: game
    decision: captain
    time_limit: 30s
    meters:
      - {id: trust, name: Trust, start: 50, band: [40, 60]}
    cases:
      - id: one
        title: One
        nodes:
          - id: a
            text: A
            choices:
              - {id: wait, text: Wait, effects: {trust: -5}, next: b}
              - {id: act, text: Act, effects: {trust: 5}, next: b}
          - id: b
            text: B
            choices:
              - {id: done, text: Done, next: end}
        endings:
          - {id: fine, title: Fine}
`
