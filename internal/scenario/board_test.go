package scenario

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// boardHead is a valid scenario up to its board stage's keys, which start
// at line 7.
const boardHead = `id: b
title: T
language: ru
stages:
  - id: hack
    kind: board
`

const boardPrompts = `    prompts:
      - {id: p1, question: "Что мешает?", hint: "Подсказка"}
      - {id: p2, question: "Что поможет?"}
`

func TestParseBoardDefaults(t *testing.T) {
	s, err := Parse("t.yaml", []byte(boardHead+boardPrompts))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Stages[0].Board
	want := &Board{
		Prompts:   []Prompt{{ID: "p1", Question: "Что мешает?", Hint: "Подсказка"}, {ID: "p2", Question: "Что поможет?"}},
		CardLimit: DefaultCardLimit, TeamCards: DefaultTeamCards, Blind: true, Attribution: AttrTeam,
		Dots: DefaultDots, PerCard: DefaultPerCard, Top: DefaultTop,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParseBoardSettings(t *testing.T) {
	src := boardHead + `    attribution: named
    blind: false
    card_limit: 120
    team_cards: 3
    top: 4
    timers: {write: 10m, vote: 90s}
    vote: {dots: 6, per_card: 3, own_team: true}
` + boardPrompts
	s, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	b := s.Stages[0].Board
	if b.Attribution != AttrNamed || b.Blind || b.CardLimit != 120 || b.TeamCards != 3 || b.Top != 4 ||
		b.Dots != 6 || b.PerCard != 3 || !b.OwnTeam ||
		b.Timers["write"] != 10*time.Minute || b.Timers["vote"] != 90*time.Second || len(b.Timers) != 2 {
		t.Errorf("board = %+v", b)
	}
}

func TestParseBoardProblems(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"no prompts", "    top: 3\n", []string{`5:5: missing required key "prompts"`}},
		{"prompts not a list", "    prompts: many\n", []string{`7:14: expected a list of prompts, got a string`}},
		{"prompt without question", "    prompts:\n      - {id: p1}\n", []string{`8:9: missing required key "question"`}},
		{"duplicate prompt", "    prompts:\n      - {id: p1, question: A}\n      - {id: p1, question: B}\n",
			[]string{`9:14: duplicate prompt id "p1" in this stage (first at line 8)`}},
		{"unknown key", "    promts: []\n" + boardPrompts, []string{`7:5: unknown key "promts" (did you mean "prompts"?)`}},
		{"attribution", "    attribution: secret\n" + boardPrompts, []string{`7:18: unknown attribution "secret"; allowed: anonymous, team, named`}},
		{"timer phase", "    timers: {wrtie: 5m}\n" + boardPrompts, []string{`7:14: unknown board phase "wrtie"; allowed: write, reveal, group, vote, recommend`}},
		{"timer too short", "    timers: {vote: 5s}\n" + boardPrompts, []string{`7:20: vote must be between 30s and 2h, got 5s`}},
		{"per card over dots", "    vote: {dots: 2, per_card: 3}\n" + boardPrompts, []string{`7:31: per_card (3) must not exceed dots (2)`}},
		{"dots zero", "    vote: {dots: 0}\n" + boardPrompts, []string{`7:18: dots must be between 1 and 20, got 0`}},
		{"card limit", "    card_limit: 5000\n" + boardPrompts, []string{`7:17: card_limit must be between 20 and 500, got 5000`}},
		{"long question", "    prompts:\n      - {id: p1, question: " + strings.Repeat("я", 301) + "}\n",
			[]string{`8:28: question is too long: 301 characters, at most 300`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := mustProblems(t, boardHead+tt.body)
			var got []string
			for _, p := range ps.List {
				got = append(got, strings.TrimPrefix(p.String(), "t.yaml:"))
			}
			for _, w := range tt.want {
				found := false
				for _, g := range got {
					found = found || strings.HasPrefix(g, w)
				}
				if !found {
					t.Errorf("missing %q in:\n%s", w, strings.Join(got, "\n"))
				}
			}
		})
	}
}

// checkBoard checks the promises Parse makes about a board stage it accepts.
func checkBoard(t *testing.T, stage string, b *Board) {
	t.Helper()
	if n := len(b.Prompts); n == 0 || n > MaxPrompts {
		t.Errorf("stage %s: %d prompts", stage, n)
	}
	ids := map[string]bool{}
	for _, p := range b.Prompts {
		checkID(t, "prompt", p.ID)
		if ids[p.ID] {
			t.Errorf("stage %s: duplicate prompt %q", stage, p.ID)
		}
		ids[p.ID] = true
		checkText(t, "question", p.Question, true, maxPromptLen)
		checkText(t, "hint", p.Hint, false, maxHintLen)
	}
	switch {
	case b.CardLimit < MinCardLimit || b.CardLimit > MaxCardLimit,
		b.TeamCards < 1 || b.TeamCards > MaxTeamCards,
		b.Dots < 1 || b.Dots > MaxDots,
		b.PerCard < 1 || b.PerCard > b.Dots,
		b.Top < 1 || b.Top > MaxTop:
		t.Errorf("stage %s: limits out of range: %+v", stage, b)
	}
	switch b.Attribution {
	case AttrAnonymous, AttrTeam, AttrNamed:
	default:
		t.Errorf("stage %s: attribution %q", stage, b.Attribution)
	}
	for k, v := range b.Timers {
		if v < MinPhaseTimer || v > MaxPhaseTimer || !slices.Contains(BoardTimedPhases, k) {
			t.Errorf("stage %s: timer %s = %v", stage, k, v)
		}
	}
}

// TestShippedBoardTranslationsMatch keeps the Russian and English boards in
// step: same stages, prompts and settings.
func TestShippedBoardTranslationsMatch(t *testing.T) {
	ru, err := Load("../../scenarios/partnership-board.ru.yaml")
	if err != nil {
		t.Fatal(err)
	}
	en, err := Load("../../scenarios/partnership-board.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ru.Language != "ru" || en.Language != "en" || len(ru.Stages) != len(en.Stages) || len(ru.Teams) != len(en.Teams) {
		t.Fatalf("ru %s %d stages %d teams, en %s %d stages %d teams", ru.Language, len(ru.Stages), len(ru.Teams), en.Language, len(en.Stages), len(en.Teams))
	}
	for i := range ru.Stages {
		r, e := ru.Stages[i].Board, en.Stages[i].Board
		if r == nil || e == nil {
			t.Fatalf("stage %d is not a board in both", i)
		}
		if len(r.Prompts) != 7 {
			t.Errorf("the shipped board has %d prompts, want one for each of the seven principles", len(r.Prompts))
		}
		rs, es := *r, *e
		rs.Prompts, es.Prompts = nil, nil
		if !reflect.DeepEqual(rs, es) {
			t.Errorf("settings differ: ru %+v, en %+v", rs, es)
		}
		for j := range r.Prompts {
			if j >= len(e.Prompts) || r.Prompts[j].ID != e.Prompts[j].ID || (r.Prompts[j].Hint == "") != (e.Prompts[j].Hint == "") {
				t.Errorf("prompt %d differs", j)
			}
		}
	}
}
