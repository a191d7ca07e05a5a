package game

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
)

const testGame = `
id: g
title: G
language: en
stages:
  - id: day
    kind: game
    decision: %s
    time_limit: 1m
    roles:
      - {id: coord, name: Coordinator}
      - {id: acc, name: Accountant}
    meters:
      - {id: budget, name: Budget, start: 50, band: [30, 70]}
      - {id: trust, name: Trust, start: 20, band: [20, 80]}
    events:
      - {id: press, title: A journalist calls, effects: {trust: -5}}
    cases:
      - id: one
        title: One
        nodes:
          - id: a
            text: Start
            briefs: {coord: secret letter}
            choices:
              - {id: call, text: Call, effects: {trust: 15, budget: -5}, next: b, outcome: They listen}
              - {id: pay, text: Pay, effects: {budget: -30}, next: end}
              - {id: ask, text: Ask again, once: true, effects: {trust: 5}, next: a}
          - id: b
            text: Then
            default: wait
            choices:
              - {id: wait, text: Wait, next: end}
              - {id: gift, text: Gift, if: trust >= 31, effects: {budget: -10, trust: 10}, next: end}
        endings:
          - {id: good, title: Good, if: trust >= 30 and budget >= 30}
          - {id: poor, title: Poor}
      - id: two
        title: Two
        nodes:
          - id: x
            text: X
            choices:
              - {id: ok, text: OK, next: end}
        endings:
          - {id: done, title: Done}
`

func load(t *testing.T, decision string) *scenario.Game {
	t.Helper()
	sc, err := scenario.Parse("g.yaml", []byte(strings.Replace(testGame, "%s", decision, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return sc.Stages[0].Game
}

var t0 = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)

func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// op is one command in a table test.
type op struct {
	do      string // pick, confirm, timeout, inject, next, pause, resume, extend, captain
	player  string
	node    string
	choice  string
	why     string
	at      int // seconds after t0
	wantErr error
}

func run(t *testing.T, def *scenario.Game, m Members, ops []op) *State {
	t.Helper()
	s := New(def, []string{"t1"}, t0)
	for i, o := range ops {
		var err error
		switch o.do {
		case "pick":
			_, err = s.Pick(def, "t1", m, o.player, o.node, o.choice, o.why, sec(o.at))
		case "confirm":
			err = s.Confirm(def, "t1", m, o.player, o.node, sec(o.at))
		case "timeout":
			err = s.Timeout(def, "t1", m, o.node, sec(o.at))
		case "inject":
			err = s.Inject(def, o.choice, sec(o.at))
		case "next":
			s.Next(def, sec(o.at))
		case "pause":
			err = s.Pause(def, true, sec(o.at))
		case "resume":
			err = s.Pause(def, false, sec(o.at))
		case "extend":
			err = s.Extend(time.Duration(o.at) * time.Second)
		case "captain":
			err = s.SetCaptain("t1", m, o.player)
		}
		if !errors.Is(err, o.wantErr) {
			t.Fatalf("op %d %+v: err %v, want %v", i, o, err, o.wantErr)
		}
	}
	return s
}

func TestEngine(t *testing.T) {
	m := Members{"p1", "p2", "p3"}
	tests := []struct {
		name     string
		decision string
		ops      []op
		node     string
		meters   map[string]int
		path     []string // node/choice/by per step
		endings  []string
		why      string
	}{
		{
			name: "captain confirms; effects add up; ending by meters", decision: "captain",
			ops: []op{
				{do: "pick", player: "p2", node: "a", choice: "pay"},
				{do: "pick", player: "p1", node: "a", choice: "call", why: "talk first"},
				{do: "confirm", player: "p2", node: "a", wantErr: ErrForbidden},
				{do: "confirm", player: "p1", node: "a", at: 5},
				{do: "pick", player: "p1", node: "b", choice: "gift", at: 6},
				{do: "confirm", player: "p1", node: "b", at: 7},
			},
			meters: map[string]int{"budget": 35, "trust": 45}, path: []string{"a/call/team", "b/gift/team"},
			endings: []string{"good"}, why: "talk first",
		},
		{
			name: "condition closes a choice", decision: "captain",
			ops: []op{
				{do: "pick", player: "p1", node: "a", choice: "call"},
				{do: "confirm", player: "p1", node: "a"},
				{do: "pick", player: "p1", node: "b", choice: "gift"}, // trust 35 ≥ 31: open
				{do: "pick", player: "p1", node: "b", choice: "wait"},
				{do: "confirm", player: "p1", node: "b"},
			},
			meters: map[string]int{"budget": 45, "trust": 35}, path: []string{"a/call/team", "b/wait/team"}, endings: []string{"good"},
		},
		{
			name: "condition refused below threshold", decision: "captain",
			ops: []op{
				{do: "inject", choice: "press"},
				{do: "pick", player: "p1", node: "a", choice: "call"},
				{do: "confirm", player: "p1", node: "a"},
				{do: "pick", player: "p1", node: "b", choice: "gift", wantErr: ErrNotAllowed}, // trust 20-5+15 = 30 < 31
			},
		},
		{
			name: "once-only choice is taken once", decision: "any",
			ops: []op{
				{do: "pick", player: "p3", node: "a", choice: "ask"},
				{do: "confirm", player: "p2", node: "a"},
				{do: "pick", player: "p3", node: "a", choice: "ask", wantErr: ErrNotAllowed},
				{do: "pick", player: "p3", node: "a", choice: "pay"},
				{do: "confirm", player: "p3", node: "a"},
			},
			meters: map[string]int{"budget": 20, "trust": 25}, path: []string{"a/ask/team", "a/pay/team"}, endings: []string{"poor"},
		},
		{
			name: "any: the latest pick counts at time-out", decision: "any",
			ops: []op{
				{do: "pick", player: "p1", node: "a", choice: "call", at: 10},
				{do: "pick", player: "p3", node: "a", choice: "pay", why: "fast", at: 20},
				{do: "timeout", node: "a", at: 59, wantErr: ErrWrongPhase},
				{do: "timeout", node: "a", at: 60},
			},
			meters: map[string]int{"budget": 20, "trust": 20}, path: []string{"a/pay/time"}, endings: []string{"poor"}, why: "fast",
		},
		{
			name: "time-out with no proposal forces the default", decision: "captain",
			ops: []op{
				{do: "pick", player: "p2", node: "a", choice: "pay"}, // not the captain: no proposal
				{do: "timeout", node: "a", at: 60},
			},
			meters: map[string]int{"budget": 45, "trust": 35}, node: "b", path: []string{"a/call/forced"},
		},
		{
			name: "vote: majority decides once all voted", decision: "vote",
			ops: []op{
				{do: "pick", player: "p1", node: "a", choice: "pay"},
				{do: "pick", player: "p2", node: "a", choice: "call", why: "people first"},
				{do: "pick", player: "p3", node: "a", choice: "call"},
			},
			meters: map[string]int{"budget": 45, "trust": 35}, node: "b", path: []string{"a/call/team"}, why: "people first",
		},
		{
			name: "vote: the latest reason for the winning choice is kept", decision: "vote",
			ops: []op{
				{do: "pick", player: "p2", node: "a", choice: "call", why: "first reason"},
				{do: "pick", player: "p1", node: "a", choice: "pay", why: "money"},
				{do: "pick", player: "p3", node: "a", choice: "call", why: "second reason"},
			},
			meters: map[string]int{"budget": 45, "trust": 35}, node: "b", path: []string{"a/call/team"}, why: "second reason",
		},
		{
			name: "vote: a tie goes to the captain", decision: "vote",
			ops: []op{
				{do: "captain", player: "p3"},
				{do: "pick", player: "p1", node: "a", choice: "call"},
				{do: "pick", player: "p3", node: "a", choice: "pay"},
				{do: "timeout", node: "a", at: 60},
			},
			meters: map[string]int{"budget": 20, "trust": 20}, path: []string{"a/pay/time"}, endings: []string{"poor"},
		},
		{
			name: "stale node is refused", decision: "any",
			ops: []op{
				{do: "pick", player: "p1", node: "a", choice: "call"},
				{do: "confirm", player: "p1", node: "a"},
				{do: "pick", player: "p1", node: "a", choice: "pay", wantErr: ErrStale},
				{do: "pick", player: "stranger", node: "b", choice: "wait", wantErr: ErrNotFound},
			},
			meters: map[string]int{"budget": 45, "trust": 35}, node: "b", path: []string{"a/call/team"},
		},
		{
			name: "injected event hits the team once", decision: "any",
			ops: []op{
				{do: "inject", choice: "press", at: 3},
				{do: "inject", choice: "press", at: 4, wantErr: ErrUsed},
				{do: "inject", choice: "nope", wantErr: ErrNotFound},
			},
			meters: map[string]int{"budget": 50, "trust": 15}, node: "a", path: []string{"/press/event"},
		},
		{
			name: "pause stops the clock; extend adds time", decision: "any",
			ops: []op{
				{do: "pause", at: 30},
				{do: "pick", player: "p1", node: "a", choice: "call", wantErr: ErrWrongPhase},
				{do: "resume", at: 50},
				{do: "extend", at: 10},
				{do: "timeout", node: "a", at: 79, wantErr: ErrWrongPhase},
				{do: "timeout", node: "a", at: 90},
			},
			meters: map[string]int{"budget": 45, "trust": 35}, node: "b", path: []string{"a/call/forced"},
		},
		{
			name: "the host moves a deciding team on", decision: "any",
			ops: []op{
				{do: "next", at: 5},
			},
			meters: map[string]int{"budget": 50, "trust": 20}, node: "x", path: []string{"a//stopped"}, endings: []string{""},
		},
		{
			name: "a team stopped after deciding gets the ending its meters give", decision: "any",
			ops: []op{
				{do: "pick", player: "p1", node: "a", choice: "call"},
				{do: "confirm", player: "p1", node: "a"},
				{do: "next", at: 5},
			},
			meters: map[string]int{"budget": 45, "trust": 35}, node: "x", path: []string{"a/call/team", "b//stopped"}, endings: []string{"good"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def := load(t, tc.decision)
			s := run(t, def, m, tc.ops)
			if tc.meters == nil {
				return
			}
			team := s.Teams["t1"]
			if !reflect.DeepEqual(team.Meters, tc.meters) {
				t.Errorf("meters %v, want %v", team.Meters, tc.meters)
			}
			if team.Node != tc.node {
				t.Errorf("node %q, want %q", team.Node, tc.node)
			}
			var path []string
			why := ""
			for _, st := range team.Path {
				if st.Event != "" {
					path = append(path, "/"+st.Event+"/"+st.By)
					continue
				}
				path = append(path, st.Node+"/"+st.Choice+"/"+st.By)
				if st.Why != "" && why == "" {
					why = st.Why
				}
			}
			if !reflect.DeepEqual(path, tc.path) {
				t.Errorf("path %v, want %v", path, tc.path)
			}
			if tc.endings != nil && !reflect.DeepEqual(team.Endings, tc.endings) {
				t.Errorf("endings %v, want %v", team.Endings, tc.endings)
			}
			if why != tc.why {
				t.Errorf("why %q, want %q", why, tc.why)
			}
		})
	}
}

func TestRolesRotate(t *testing.T) {
	def := load(t, "any")
	m := Members{"p1", "p2", "p3"}
	if got := Roles(def, m, 0); got["coord"] != "p1" || got["acc"] != "p2" {
		t.Errorf("case 0 roles %v", got)
	}
	if got := Roles(def, m, 1); got["coord"] != "p2" || got["acc"] != "p3" {
		t.Errorf("case 1 roles %v", got)
	}
	if got := Roles(def, Members{"solo"}, 0); got["coord"] != "solo" || got["acc"] != "solo" {
		t.Errorf("one member holds every role: %v", got)
	}
	s := New(def, []string{"t1"}, t0)
	if c := s.Teams["t1"].CaptainOf(m); c != "p1" {
		t.Errorf("captain %q, want the first member", c)
	}
	_ = s.SetCaptain("t1", m, "p2")
	if c := s.Teams["t1"].CaptainOf(Members{"p1", "p3"}); c != "p1" {
		t.Errorf("a captain who left falls back to the first member, got %q", c)
	}
}

func TestDeadlineIsEarliestTeam(t *testing.T) {
	def := load(t, "any")
	s := New(def, []string{"t1", "t2"}, t0)
	m := Members{"p1"}
	if _, err := s.Pick(def, "t1", m, "p1", "a", "call", "", sec(10)); err != nil {
		t.Fatal(err)
	}
	if err := s.Confirm(def, "t1", m, "p1", "a", sec(10)); err != nil {
		t.Fatal(err)
	}
	at, team, node := s.Deadline()
	if !at.Equal(sec(60)) || team != "t2" || node != "a" {
		t.Errorf("deadline %v %s %s", at, team, node)
	}
	s.Next(def, sec(20))
	s.Next(def, sec(30))
	if s.Phase(def) != Debrief {
		t.Errorf("phase %s, want debrief", s.Phase(def))
	}
	if at, _, _ := s.Deadline(); !at.IsZero() {
		t.Errorf("no deadline in the debrief, got %v", at)
	}
}

func TestBalanceRanking(t *testing.T) {
	def := load(t, "any")
	for _, tc := range []struct {
		meters map[string]int
		want   float64
	}{
		{map[string]int{"budget": 50, "trust": 50}, 100},
		{map[string]int{"budget": 70, "trust": 20}, 50},
		{map[string]int{"budget": 30, "trust": 50}, 75},
		{map[string]int{"budget": 150, "trust": 50}, 0},
	} {
		if got := def.BalanceScore(tc.meters); got != tc.want {
			t.Errorf("balance %v = %v, want %v", tc.meters, got, tc.want)
		}
	}
	s := New(def, []string{"t1", "t2", "t3"}, t0)
	s.Teams["t1"].Meters = map[string]int{"budget": 70, "trust": 20}
	s.Teams["t2"].Meters = map[string]int{"budget": 50, "trust": 50}
	s.Teams["t3"].Meters = map[string]int{"budget": 30, "trust": 80}
	if r := s.Ranking(def, []string{"t3"}); len(r) != 1 || r[0].Rank != 1 {
		t.Errorf("ranking of one team: %+v", r)
	}
	r := s.Ranking(def, nil)
	got := []string{r[0].Team, r[1].Team, r[2].Team}
	if !reflect.DeepEqual(got, []string{"t2", "t1", "t3"}) || r[1].Rank != 2 || r[2].Rank != 2 {
		t.Errorf("ranking %+v", r)
	}
}

func TestExploreFindsUnreachable(t *testing.T) {
	def := load(t, "any")
	if f := Explore(def, 2000, rand.New(rand.NewPCG(1, 2))); len(f) != 0 {
		t.Fatalf("a sound game has findings: %v", f)
	}
	// Plant a node behind a condition no team can meet.
	src := strings.Replace(testGame, "%s", "any", 1)
	src = strings.Replace(src, "- {id: wait, text: Wait, next: end}",
		"- {id: wait, text: Wait, next: end}\n              - {id: dream, text: Dream, if: budget > 500, next: hidden}", 1)
	src = strings.Replace(src, "        endings:\n          - {id: good",
		"          - id: hidden\n            text: Never\n            choices:\n              - {id: back, text: Back, next: end}\n        endings:\n          - {id: good", 1)
	sc, err := scenario.Parse("g.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f := Explore(sc.Stages[0].Game, PlaythroughRuns, rand.New(rand.NewPCG(1, 2)))
	if len(f) != 1 || !strings.Contains(f[0].Msg, `node "hidden" of case "one" was never visited`) || f[0].Pos.Line == 0 {
		t.Fatalf("findings %+v", f)
	}
}

// BenchmarkExplore is what `huddle validate` spends on one game: 10,000
// random teams through every case.
func BenchmarkExplore(b *testing.B) {
	sc, err := scenario.Load("../../scenarios/ngo-day.ru.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Explore(sc.Stages[0].Game, PlaythroughRuns, rand.New(rand.NewPCG(1, 2)))
	}
}
