package scenario

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// validGame is a small sound game; each test below breaks one rule.
const validGame = `id: g
title: G
language: en
stages:
  - id: day
    kind: game
    decision: captain
    time_limit: 1m
    roles:
      - {id: coord, name: Coordinator}
    meters:
      - id: budget
        name: Budget
        start: 50
        band: [30, 70]
        min: 0
        max: 100
      - {id: trust, name: Trust, start: 20, band: [20, 80]}
    events:
      - {id: press, title: Press, effects: {trust: -5}}
    cases:
      - id: one
        title: One
        time_slot: 3m
        nodes:
          - id: a
            text: Start
            briefs: {coord: secret}
            notes: for the facilitator
            choices:
              - {id: call, text: Call, effects: {trust: 15, budget: -5}, next: b}
              - {id: pay, text: Pay, effects: {budget: -30}, next: end}
          - id: b
            text: Then
            time_limit: 90s
            choices:
              - {id: wait, text: Wait, next: end}
              - {id: gift, text: Gift, if: trust >= 30, effects: {budget: -10}, next: end}
        endings:
          - {id: good, title: Good, if: trust >= 30}
          - {id: poor, title: Poor}
`

func TestGameLoads(t *testing.T) {
	sc, err := Parse("g.yaml", []byte(validGame))
	if err != nil {
		t.Fatal(err)
	}
	g := sc.Stages[0].Game
	c := g.Cases[0]
	switch {
	case g.Decision != DecideCaptain, g.TimeLimit != time.Minute, len(g.Meters) != 2, *g.Meters[0].Max != 100:
		t.Errorf("game %+v", g)
	case c.Start != "a", c.Nodes[1].TimeLimit != 90*time.Second, c.Nodes[0].TimeLimit != time.Minute:
		t.Errorf("case %+v", c)
	case c.Nodes[0].Default != "call", c.Nodes[0].Briefs["coord"] != "secret", c.Nodes[0].Notes == "":
		t.Errorf("node %+v", c.Nodes[0])
	case c.Nodes[1].Choices[1].If.String() != "trust >= 30", c.Endings[0].If.String() != "trust >= 30":
		t.Errorf("conditions %+v", c.Nodes[1].Choices[1].If)
	}
}

// TestGameValidation breaks the sound game one rule at a time; each
// problem must name the place in the file: at is the text the problem
// points at, the first occurrence after the line holding near.
func TestGameValidation(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		near, at string
		msg      string
	}{
		{
			name: "unreachable node",
			old:  "        endings:",
			new:  "          - id: lost\n            text: Lost\n            choices: [{id: x, text: X, next: end}]\n        endings:",
			near: "id: lost", at: "id: lost",
			msg: `node "lost" of case "one" is unreachable: no choice leads to it from "a"`,
		},
		{
			name: "jump to a missing node",
			old:  "{id: wait, text: Wait, next: end}", new: "{id: wait, text: Wait, next: nowhere}",
			near: "next: nowhere", at: "nowhere",
			msg: `next names missing node "nowhere" in case "one"; use a node id of this case or "end"`,
		},
		{
			name: "dead end that is not an ending",
			old:  "            time_limit: 90s\n            choices:\n              - {id: wait, text: Wait, next: end}\n              - {id: gift, text: Gift, if: trust >= 30, effects: {budget: -10}, next: end}",
			new:  "            time_limit: 90s\n            choices: []",
			near: "choices: []", at: "[]",
			msg: `node "b" is a dead end: it has no choices; end a case with a choice whose next is "end"`,
		},
		{
			name: "condition naming an unknown meter",
			old:  "if: trust >= 30, effects", new: "if: morale >= 30, effects",
			near: "morale >= 30", at: "morale >= 30",
			msg: `condition names unknown meter "morale"; meters: budget, trust`,
		},
		{
			name: "effect on an unknown meter",
			old:  "effects: {trust: 15, budget: -5}", new: "effects: {trust: 15, morale: -5}",
			near: "morale: -5", at: "morale: -5",
			msg: `effect on unknown meter "morale"; meters: budget, trust`,
		},
		{
			name: "effects that can push a meter past its bound",
			old:  "{id: pay, text: Pay, effects: {budget: -30}", new: "{id: pay, text: Pay, effects: {budget: -51}",
			near: "id: budget", at: "id: budget",
			msg: `effects can push meter "budget" to -1, past its min 0`,
		},
		{
			name: "a case whose longest path does not fit its time slot",
			old:  "time_slot: 3m", new: "time_slot: 2m",
			near: "id: one", at: "id: one",
			msg: `case "one" does not fit its time slot of 2m: its longest path a → b takes 2m30s`,
		},
		{
			name: "last ending with a condition",
			old:  "{id: poor, title: Poor}", new: "{id: poor, title: Poor, if: trust < 30}",
			near: "id: poor", at: "{id: poor",
			msg: `the last ending of case "one" needs no "if": it is reached when no other ending matches`,
		},
		{
			name: "default naming a missing choice",
			old:  "            notes: for the facilitator", new: "            notes: for the facilitator\n            default: missing",
			near: "default: missing", at: "missing",
			msg: `default names missing choice "missing"`,
		},
		{
			name: "a default that is not always open",
			old:  "            time_limit: 90s", new: "            time_limit: 90s\n            default: gift",
			near: "default: gift", at: "gift",
			msg: `the default choice must always be available: no "if" and no "once"`,
		},
		{
			name: "brief for an unknown role",
			old:  "briefs: {coord: secret}", new: "briefs: {boss: secret}",
			near: "boss: secret", at: "boss",
			msg: `brief for unknown role "boss"; roles: coord`,
		},
		{
			name: "unknown decision mode",
			old:  "decision: captain", new: "decision: chief",
			near: "decision: chief", at: "chief",
			msg: `unknown decision "chief"; allowed: captain, any, vote`,
		},
		{
			name: "an empty band",
			old:  "band: [30, 70]", new: "band: [70, 30]",
			near: "band: [70, 30]", at: "[70, 30]",
			msg: `band low 70 must be below high 30`,
		},
		{
			name: "a malformed condition",
			old:  "if: trust >= 30, effects", new: "if: trust about 30, effects",
			near: "trust about 30", at: "trust about 30",
			msg: `condition "trust about 30" must read like "trust >= 30" (meter, one of >= <= > < == !=, whole number), joined by "and"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(validGame, tc.old) {
				t.Fatalf("the sound game has no %q", tc.old)
			}
			src := strings.Replace(validGame, tc.old, tc.new, 1)
			want := fmt.Sprintf("g.yaml:%s: %s", position(t, src, tc.near, tc.at), tc.msg)
			_, err := Parse("g.yaml", []byte(src))
			var ps *Problems
			if !errors.As(err, &ps) {
				t.Fatalf("no problems, want %s", want)
			}
			for _, p := range ps.List {
				if p.String() == want {
					return
				}
			}
			t.Errorf("problems do not contain\n%s\ngot:\n%v", want, err)
		})
	}
}

// position is the line:col of at, searched from the line holding near.
func position(t *testing.T, src, near, at string) string {
	t.Helper()
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if !strings.Contains(l, near) {
			continue
		}
		for j := i; j < len(lines); j++ {
			if k := strings.Index(lines[j], at); k >= 0 {
				return fmt.Sprintf("%d:%d", j+1, k+1)
			}
		}
	}
	t.Fatalf("%q after %q not found", at, near)
	return ""
}

func TestBalanceScoreIsDocumented(t *testing.T) {
	g := &Game{Meters: []Meter{{ID: "a", Low: 0, High: 100}, {ID: "b", Low: 20, High: 40}}}
	// a: |75-50|/50 = 0.5; b: |50-30|/10 = 2; mean 1.25 → 100 − 62.5 = 37.5
	if got := g.BalanceScore(map[string]int{"a": 75, "b": 50}); got != 37.5 {
		t.Errorf("balance = %v, want 37.5", got)
	}
}

// TestDocsGameExample keeps the game example of docs/scenarios.md loadable.
func TestDocsGameExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "## Game stages")
	if !ok {
		t.Fatal("docs/scenarios.md has no game section")
	}
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	example, _, _ := strings.Cut(rest, "```")
	src := "id: doc\ntitle: Doc\nlanguage: ru\nstages:\n" + example
	sc, err := Parse("doc.yaml", []byte(src))
	if err != nil {
		t.Fatalf("the documented game does not load:\n%v\n%s", err, src)
	}
	if g := sc.Stages[0].Game; g == nil || len(g.Cases[0].Nodes) != 2 || g.Decision != DecideVote {
		t.Errorf("game %+v", g)
	}
}

// TestShippedGamesMatch keeps the Russian and English games in step: same
// roles, meters, events, cases, nodes, choices, effects, conditions and
// endings; only the texts differ.
func TestShippedGamesMatch(t *testing.T) {
	ru, err := Load("../../scenarios/ngo-day.ru.yaml")
	if err != nil {
		t.Fatal(err)
	}
	en, err := Load("../../scenarios/ngo-day.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	shape := func(s *Scenario) string {
		var b strings.Builder
		for _, st := range s.Stages {
			g := st.Game
			if g == nil {
				continue
			}
			fmt.Fprintf(&b, "%s %s %v|", st.ID, g.Decision, g.TimeLimit)
			for _, r := range g.Roles {
				b.WriteString(r.ID + ",")
			}
			for _, m := range g.Meters {
				fmt.Fprintf(&b, "%s %d %d %d|", m.ID, m.Start, m.Low, m.High)
			}
			for _, ev := range g.Events {
				fmt.Fprintf(&b, "%s %v|", ev.ID, ev.Effects)
			}
			for _, c := range g.Cases {
				fmt.Fprintf(&b, "case %s %s %v|", c.ID, c.Start, c.TimeSlot)
				for _, n := range c.Nodes {
					fmt.Fprintf(&b, "node %s %v %s %d briefs %d notes|", n.ID, n.TimeLimit, n.Default, len(n.Briefs), len(n.Notes))
					roles := make([]string, 0, len(n.Briefs))
					for role := range n.Briefs {
						roles = append(roles, role)
					}
					slices.Sort(roles)
					b.WriteString(strings.Join(roles, ",") + ",")
					for _, ch := range n.Choices {
						fmt.Fprintf(&b, "%s %s %v %v %s|", ch.ID, ch.If, ch.Once, ch.Effects, ch.Next)
					}
				}
				for _, e := range c.Endings {
					fmt.Fprintf(&b, "%s %s|", e.ID, e.If)
				}
			}
		}
		return b.String()
	}
	// Notes differ in length between languages; compare presence only.
	norm := func(s string) string {
		out := []string{}
		for _, part := range strings.Split(s, "|") {
			if i := strings.Index(part, " notes"); i > 0 && strings.HasPrefix(part, "node ") {
				f := strings.Fields(part)
				part = strings.Join(f[:len(f)-2], " ") + " notes:" + fmt.Sprint(f[len(f)-2] != "0")
			}
			out = append(out, part)
		}
		return strings.Join(out, "|")
	}
	if r, e := norm(shape(ru)), norm(shape(en)); r != e {
		t.Errorf("the games differ:\nru %s\nen %s", r, e)
	}
	if ru.Language != "ru" || en.Language != "en" {
		t.Errorf("languages %s, %s", ru.Language, en.Language)
	}
}
