package session

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
)

const quizYAML = `
id: t
title: T
language: en
stages:
  - id: s
    kind: quiz
    time_limit: 10s
    questions:
      - {id: q1, type: single, text: Q1, options: [{text: A, correct: true}, {text: B}]}
      - {id: q2, type: numeric, text: Q2, answer: 42, tolerance: 1}
`

const gameYAML = `
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
    roles:
      - {id: lead, name: Lead}
    cases:
      - id: one
        title: One
        nodes:
          - id: a
            text: A
            notes: For the host
            briefs: {lead: Secret brief}
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

const boardYAML = `
id: b
title: B
language: ru
stages:
  - id: hack
    kind: board
    attribution: anonymous
    blind: false
    vote: {dots: 2, per_card: 1}
    top: 2
    prompts:
      - {id: p1, question: Q1}
      - {id: p2, question: Q2}
`

// viewCase is one audience's view of a room set up one way, and what it
// must and must not show.
type viewCase struct {
	name   string
	setup  func(p *play)
	pr     Presence
	who    viewOf
	checks []check
}

func runViews(t *testing.T, src string, teams int, cases []viewCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPlay(t, src, teams)
			c.setup(p)
			v := c.who(p, c.pr)
			for _, ch := range c.checks {
				ch.run(t, v)
			}
		})
	}
}

// quizOpen: Anna answered the open first question, Boris has not.
func quizOpen(p *play) {
	p.join("Anna", "t1")
	p.join("Boris", "t2")
	p.host("start", nil)
	p.now = p.now.Add(2 * time.Second)
	p.player("Anna", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
}

func quizRevealed(p *play) {
	quizOpen(p)
	p.host("close", nil)
}

func quizNumeric(p *play) {
	quizRevealed(p)
	p.host("next", nil)
	p.host("next", nil)
}

// TestQuizViews: only the host sees the answer while a question is open;
// the screen sees counts, a phone neither counts nor the room's code; each
// phone sees its own answer, and its result once revealed.
func TestQuizViews(t *testing.T) {
	anna := "p-Anna"
	runViews(t, quizYAML, 2, []viewCase{
		{"host while open", quizOpen, Presence{Base: "http://test"}, hostOf, []check{
			has("phase", "question"), has("host.correct.0", "a"), has("host.answered_by.0", anna),
			has("question.answered", "1"), has("question.expected", "2"), lacks("reveal"),
			has("room.code", "123456"), has("room.join_url", "http://test/j/123456"), lacks("storage"), lacks("removed"),
		}},
		{"screen while open", quizOpen, Presence{Base: "http://test"}, screenOf, []check{
			lacks("host"), has("question.answered", "1"), lacks("question.options.0.correct"), lacks("reveal"),
			has("room.join_url", "http://test/j/123456"),
		}},
		{"phone while open", quizOpen, Presence{Base: "http://test"}, phoneOf, []check{
			has("question.id", "q1"), lacks("question.answered"), lacks("question.expected"), lacks("host"),
			lacks("reveal"), lacks("room.code"), lacks("room.join_url"), lacks("question.options.0.correct"),
		}},
		{"own answer while open", quizOpen, Presence{}, meOf("Anna"), []check{
			has("answer.options.0", "a"), lacks("result"), has("player.name", "Anna"), has("team.members.0", "Anna"),
		}},
		{"no answer of another", quizOpen, Presence{}, meOf("Boris"), []check{lacks("answer"), lacks("result")}},
		{"phone after the reveal", quizRevealed, Presence{}, phoneOf, []check{
			has("reveal.correct.0", "a"), has("reveal.closed_by", "host"), has("reveal.distribution.0.count", "1"),
			has("leaderboard.players.0.name", "Anna"), lacks("question.answered"),
		}},
		{"own result", quizRevealed, Presence{}, meOf("Anna"), []check{
			has("result.correct", "true"), has("result.points", "900"), has("score.rank", "1"), has("score.points", "900"),
		}},
		{"a numeric answer for the host", quizNumeric, Presence{}, hostOf, []check{
			has("question.id", "q2"), has("host.answer", "42"), has("host.tolerance", "1"),
		}},
		{"no numeric answer for the screen", quizNumeric, Presence{}, screenOf, []check{
			lacks("host"), lacks("reveal"), lacks("question.answer"),
		}},
		{"who is online", quizOpen, Presence{Online: func(id string) bool { return id == anna }}, hostOf, []check{
			has("players", "2"), has("online", "1"), has("teams.0.online", "1"), has("teams.0.players.0.online", "true"),
			has("teams.1.players.0.online", "false"),
		}},
		{"storage down, host", quizOpen, Presence{StorageDown: true}, hostOf, []check{has("storage", "unavailable")}},
		{"storage down, screen", quizOpen, Presence{StorageDown: true}, screenOf, []check{lacks("storage")}},
		{"removed, host", func(p *play) {
			quizOpen(p)
			p.host("kick", map[string]any{"player": "p-Boris"})
		}, Presence{}, hostOf, []check{
			has("removed.0.name", "Boris"), has("players", "1"), has("phase", "reveal"), // the last one it waited for
		}},
		{"removed, screen", func(p *play) {
			quizOpen(p)
			p.host("kick", map[string]any{"player": "p-Boris"})
		}, Presence{}, screenOf, []check{lacks("removed")}},
	})
}

func gameStarted(p *play) {
	p.join("Anna", "t1")
	p.join("Boris", "t2")
	p.join("Vera", "t1")
	p.host("start", nil)
	p.player("Anna", "game.pick", map[string]any{"node": "a", "choice": "act", "why": "Faster"})
}

// TestGameViews: the screen sees each team's progress, not where it is nor
// what it proposes, until the debrief; the host sees all of it and the
// facilitator's notes; a phone sees its team's node, never the notes.
func TestGameViews(t *testing.T) {
	runViews(t, gameYAML, 2, []viewCase{
		{"host", gameStarted, Presence{}, hostOf, []check{
			has("game.teams.0.node", "a"), has("game.teams.0.meters.trust", "50"), has("game.teams.0.captain", "Anna"),
			has("game.teams.0.proposal.choice", "act"), has("game.teams.0.proposal.why", "Faster"),
			has("game.teams.0.members.1.name", "Vera"), has("game.nodes.0.notes", "For the host"),
			has("game.nodes.0.briefs.lead", "Secret brief"), has("game.nodes.0.choices.1.effects.trust", "5"),
			lacks("game.debrief"), lacks("question"),
		}},
		{"screen", gameStarted, Presence{}, screenOf, []check{
			has("game.teams.0.step", "0"), has("game.case.title", "One"), has("game.case.intro", "A"),
			lacks("game.teams.0.node"), lacks("game.teams.0.meters"), lacks("game.teams.0.proposal"),
			lacks("game.teams.0.captain"), lacks("game.teams.0.members"), lacks("game.nodes"), lacks("game.events"),
			lacks("host"),
		}},
		{"phone", gameStarted, Presence{}, phoneOf, []check{
			has("game.phase"), has("game.case.title", "One"), lacks("game.teams"), lacks("game.nodes"), lacks("game.case.intro"),
		}},
		{"captain", gameStarted, Presence{}, meOf("Anna"), []check{
			has("game.node.id", "a"), has("game.captain", "true"), has("game.mine.choice", "act"),
			has("game.proposal.choice", "act"), has("game.meters.0.value", "50"), has("game.members", "2"),
			lacks("game.node.notes"), lacks("game.node.briefs"), lacks("game.node.choices.0.effects"),
		}},
		{"other team", gameStarted, Presence{}, meOf("Boris"), []check{
			has("game.node.id", "a"), lacks("game.mine"), lacks("game.proposal.choice"), has("game.captain_name", "Boris"),
		}},
		{"debrief on the screen", func(p *play) {
			gameStarted(p)
			p.player("Anna", "game.confirm", map[string]any{"node": "a"})
			p.host("next", nil)
		}, Presence{}, screenOf, []check{
			has("game.phase", "debrief"), has("game.debrief.teams.1.name"), has("game.debrief.cases.0.choices.a/act", "Act"),
			lacks("game.teams.0.node"), lacks("game.teams.0.proposal"),
		}},
	})
}

// TestGameBriefs: a role's brief reaches its holder's phone only.
func TestGameBriefs(t *testing.T) {
	p := newPlay(t, gameYAML, 2)
	gameStarted(p)
	holders := 0
	for _, name := range []string{"Anna", "Vera"} {
		me := meOf(name)(p, Presence{})
		brief, ok := path(me, "game.roles.0.brief")
		if ok && brief == "Secret brief" {
			holders++
		} else if roles, _ := path(me, "game.roles"); roles != nil {
			t.Errorf("%s holds roles without the brief: %v", name, roles)
		}
	}
	if holders != 1 {
		t.Fatalf("%d members of the team got the lead's brief, want 1", holders)
	}
}

func boardWritten(p *play) {
	p.join("Anna", "t1")
	p.join("Boris", "t2")
	p.host("start", nil)
	p.player("Anna", "board.card", map[string]any{"prompt": "p1", "text": "Договор"})
	p.player("Boris", "board.card", map[string]any{"prompt": "p1", "text": "Общий чат"})
}

func boardRevealed(p *play) {
	boardWritten(p)
	p.host("next", nil)
}

func boardVoting(p *play) {
	boardRevealed(p)
	p.host("next", nil) // the second prompt
	p.host("next", nil) // group
	p.host("next", nil) // vote
	p.player("Anna", "board.dots", map[string]any{"card": "c2", "dots": 1})
}

func boardResults(p *play) {
	boardVoting(p)
	p.host("next", nil)
}

// TestBoardViews: cards reach the screen only once shown to the room, and
// never with their team where the board is anonymous; the host sees every
// card with its team; votes stay secret until the vote closes.
func TestBoardViews(t *testing.T) {
	runViews(t, boardYAML, 2, []viewCase{
		{"host while writing", boardWritten, Presence{}, hostOf, []check{
			has("board.phase", "write"), has("board.cards.0.team", "Команда 1"), has("board.cards.1.text", "Общий чат"),
			has("board.sectors.other", "2"),
		}},
		{"screen while writing", boardWritten, Presence{}, screenOf, []check{
			has("board.phase", "write"), lacks("board.cards.0"), has("board.prompts.0.cards", "2"), lacks("board.undo"),
		}},
		{"phones while writing an open board", boardWritten, Presence{}, phoneOf, []check{
			has("board.cards.1.text", "Общий чат"), lacks("board.cards.0.team"), lacks("board.sectors"),
		}},
		{"own cards", boardWritten, Presence{}, meOf("Anna"), []check{
			has("board.cards.0.text", "Договор"), has("board.cards.0.own", "true"), lacks("board.cards.1"),
		}},
		{"screen once revealed", boardRevealed, Presence{}, screenOf, []check{
			has("board.cards.0.text", "Договор"), lacks("board.cards.0.team"), lacks("board.cards.0.author"),
		}},
		{"host while voting", boardVoting, Presence{}, hostOf, []check{
			has("board.phase", "vote"), lacks("board.cards.0.votes"), has("board.dots_used", "1"), has("board.voters", "1"),
		}},
		{"own dots while voting", boardVoting, Presence{}, meOf("Anna"), []check{
			has("board.dots_left", "1"), has("board.given.c2", "1"),
		}},
		{"results on the screen", boardResults, Presence{}, screenOf, []check{
			has("board.phase", "results"), has("board.cards.1.votes.total", "1"), lacks("board.cards.1.team"),
		}},
	})
}

// TestBlindBoardViews: on a blind board nobody but the host and the team
// sees a card while teams write.
func TestBlindBoardViews(t *testing.T) {
	blind := strings.NewReplacer("attribution: anonymous", "attribution: named", "blind: false", "blind: true").Replace(boardYAML)
	runViews(t, blind, 2, []viewCase{
		{"phones", boardWritten, Presence{}, phoneOf, []check{lacks("board.cards.0")}},
		{"own cards", boardWritten, Presence{}, meOf("Boris"), []check{
			has("board.cards.0.text", "Общий чат"), has("board.cards.0.author", "Boris"), lacks("board.cards.1"),
		}},
		{"host", boardWritten, Presence{}, hostOf, []check{has("board.cards.0.author", "Anna")}},
		{"screen once revealed, named", boardRevealed, Presence{}, screenOf, []check{
			has("board.cards.0.author", "Anna"), has("board.cards.0.team", "Команда 1"),
		}},
	})
}

// TestViewListsAreBounded: in a big room the host view names only the
// listed players as having answered and lists the first viewPlayers
// players on the leaderboard; its counts still cover everyone. A phone's
// leaderboard lists topPlayers.
func TestViewListsAreBounded(t *testing.T) {
	p := newPlay(t, quizYAML, 2)
	const n = viewPlayers + 1
	for i := range n {
		p.join(name(i), "t1")
	}
	p.join("last", "t2") // does not answer, so the question stays open
	p.host("start", nil)
	for i := range n {
		p.player(name(i), "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	}
	v := hostOf(p, Presence{})
	has("question.answered", "101").run(t, v)
	if got := len(v["host"].(map[string]any)["answered_by"].([]any)); got != maxListedPlayers {
		t.Fatalf("answered_by names %d, want the %d listed", got, maxListedPlayers)
	}
	if got := len(v["teams"].([]any)[0].(map[string]any)["players"].([]any)); got != maxListedPlayers {
		t.Fatalf("a team lists %d players, want %d", got, maxListedPlayers)
	}
	// The counts cover the whole team, the names are the first in join order.
	has("teams.0.size", "101").run(t, v)
	has("teams.0.players.0.name", name(0)).run(t, v)
	has("teams.1.size", "1").run(t, v)
	all := hostOf(p, Presence{Online: func(string) bool { return true }})
	has("teams.0.online", "101").run(t, all)
	has("online", "102").run(t, all)
	p.host("close", nil)
	if got := len(hostOf(p, Presence{})["leaderboard"].(map[string]any)["players"].([]any)); got != viewPlayers {
		t.Fatalf("leaderboard lists %d players, want %d", got, viewPlayers)
	}
	if got := len(phoneOf(p, Presence{})["leaderboard"].(map[string]any)["players"].([]any)); got != topPlayers {
		t.Fatalf("a phone's leaderboard lists %d players, want %d", got, topPlayers)
	}
	if got := len(meOf("p0")(p, Presence{})["team"].(map[string]any)["members"].([]any)); got != maxListedMembers {
		t.Fatalf("a phone lists %d teammates, want %d", got, maxListedMembers)
	}
}

func name(i int) string { return fmt.Sprint("p", i) }

// TestAnswerMarksQuestionPart: an answer marks the own views it changes as
// changed only in the open question's part (the player's; in team mode
// every teammate's, and no one else's), and a change of anything else of a
// view since the last flush keeps that view whole, whatever answers come
// after it.
func TestAnswerMarksQuestionPart(t *testing.T) {
	answer := map[string]any{"question": "q1", "options": []string{"a"}}
	for _, mode := range []scenario.TeamMode{scenario.TeamAverage, scenario.TeamShared} {
		t.Run(string(mode), func(t *testing.T) {
			p := newPlay(t, quizYAML, 2)
			p.s.Config.TeamMode = mode
			a1, a2, b1 := p.join("a1", "t1"), p.join("a2", "t1"), p.join("b1", "t2")
			p.join("b2", "t2") // never answers: the question stays open
			p.host("start", nil)
			p.marks.Clear()
			p.player("a1", "answer", answer)
			want := map[string]bool{a1: true}
			if mode == scenario.TeamShared {
				want[a2] = true
			}
			if !maps.Equal(p.marks.Me, want) || !maps.Equal(p.marks.Answered, want) {
				t.Fatalf("after a1's answer: own views %v, the question's part of %v; want both %v", p.marks.Me, p.marks.Answered, want)
			}
			// A teammate removed changes a1's team: a1's view is whole now,
			// and stays whole through the answers that follow.
			p.host("kick", map[string]string{"player": a2})
			if !p.marks.Me[a1] || p.marks.Answered[a1] {
				t.Fatalf("after a teammate's removal: own views %v, the question's part of %v", p.marks.Me, p.marks.Answered)
			}
			p.player("b1", "answer", answer)
			if !p.marks.Answered[b1] || p.marks.Answered[a1] {
				t.Fatalf("after b1's answer: the question's part of %v", p.marks.Answered)
			}
			p.marks.Forget(b1)
			if p.marks.Me[b1] || p.marks.Answered[b1] {
				t.Fatalf("b1 forgotten, still marked: %v %v", p.marks.Me, p.marks.Answered)
			}
		})
	}
}
