package room

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

var genFixtures = flag.Bool("gen-fixtures", false, "write testdata/rooms from this code")

const fxQuiz = `
id: fq
title: Квиз
language: ru
stages:
  - id: warm
    kind: quiz
    time_limit: 10m
    questions:
      - {id: q1, type: single, text: Один, options: [{text: A, correct: true}, {text: B}]}
      - {id: q2, type: multiple, text: Два, options: [{text: A, correct: true}, {text: B, correct: true}, {text: C}]}
      - {id: q3, type: numeric, text: Три, answer: 42, tolerance: 1}
  - id: more
    kind: quiz
    team_mode: team
    time_limit: 10m
    questions:
      - {id: m1, type: text, text: Четыре, accept: [Москва]}
`

const fxGame = `
id: fg
title: Game
language: en
stages:
  - id: day
    kind: game
    decision: vote
    time_limit: 30m
    meters:
      - {id: trust, name: Trust, start: 50, band: [40, 60]}
      - {id: cash, name: Cash, start: 10, band: [5, 20]}
    roles:
      - {id: lead, name: Lead}
    events:
      - id: press
        title: Press
        text: A journalist calls
        effects: {trust: -5}
    cases:
      - id: one
        title: One
        nodes:
          - id: a
            text: A
            briefs: {lead: Think first}
            choices:
              - {id: wait, text: Wait, effects: {trust: -5}, next: b}
              - {id: act, text: Act, effects: {trust: 5, cash: -2}, next: b}
          - id: b
            text: B
            choices:
              - {id: done, text: Done, next: end}
        endings:
          - {id: fine, title: Fine, text: All good}
      - id: two
        title: Two
        nodes:
          - id: c
            text: C
            choices:
              - {id: go, text: Go, effects: {cash: 3}, next: end}
        endings:
          - {id: ok, title: Ok}
  - id: after
    kind: quiz
    questions:
      - {id: q1, type: single, text: Q1, options: [{text: A, correct: true}, {text: B}]}
`

const fxBoard = `
id: fb
title: Доска
language: ru
stages:
  - id: warm
    kind: quiz
    time_limit: 10m
    questions:
      - {id: q1, type: single, text: Q1, options: [{text: A, correct: true}, {text: B}]}
  - id: hack
    kind: board
    attribution: team
    vote: {dots: 3, per_card: 2}
    top: 2
    prompts:
      - {id: p1, question: "Что мешает?"}
      - {id: p2, question: "Что помогает?"}
`

type fxRoom struct {
	f     *fixture
	host  *fakeConn
	conns map[string]*fakeConn // name → phone
	ids   map[string]Joined
	n     int
}

func (x *fxRoom) join(name, team, sector string) {
	x.f.t.Helper()
	j, err := x.f.room.JoinAs(context.Background(), JoinRequest{Name: name, Team: team, Sector: sector, Device: fmt.Sprintf("device-%04d-000000000000", len(x.ids))})
	if err != nil {
		x.f.t.Fatal(err)
	}
	c := &fakeConn{}
	x.f.room.Attach(c, j.Token, "ru")
	x.f.sync()
	x.conns[name], x.ids[name] = c, j
}

// themeOf is the theme a card is in now.
func (x *fxRoom) themeOf(card string) string {
	x.f.t.Helper()
	th, err := call(context.Background(), x.f.room, func(reply func(string, error)) {
		reply(x.f.room.st.board().Card(card).Theme, nil)
	})
	if err != nil || th == "" {
		x.f.t.Fatalf("theme of %s: %q %v", card, th, err)
	}
	return th
}

func (x *fxRoom) do(who, typ string, data any) {
	x.f.t.Helper()
	c := x.host
	if who != "" {
		c = x.conns[who]
	}
	x.n++
	r := x.f.command(c, fmt.Sprint("c", x.n), typ, data)
	if r["type"] != "ack" {
		x.f.t.Fatalf("%s %s %v: %v", who, typ, data, r)
	}
}

// phase moves the clock past the snapshot gap, so that the next phase
// change writes a snapshot.
func (x *fxRoom) gap() { x.f.clock.Advance(snapshotGap + time.Second); x.f.sync() }

func newFx(t *testing.T, src string, teams int, db store.Store) *fxRoom {
	sc, err := scenario.Parse("fx.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	hub := NewHub(HubConfig{Store: db, Clock: clock, PublicURL: "http://test"})
	t.Cleanup(func() { _ = hub.Shutdown(context.Background()) })
	c, err := hub.Create(context.Background(), sc, CreateOptions{TeamCount: teams})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, clock: clock, hub: hub, room: c.Room, c: c}
	host := &fakeConn{}
	f.room.Attach(host, c.HostToken, "ru")
	return &fxRoom{f: f, host: host, conns: map[string]*fakeConn{}, ids: map[string]Joined{}}
}

// dump writes the room's snapshot, events, live state, fresh views of every
// audience and its results.
func (x *fxRoom) dump(name string, db store.Store) {
	t := x.f.t
	ctx := context.Background()
	x.f.clock.Advance(coalesceDelay)
	x.f.sync()
	dir := filepath.Join("testdata", "rooms")
	write := func(suffix string, v any) {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"."+suffix+".json"), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snap, ok, err := db.LoadSnapshot(ctx, x.f.room.ID())
	if err != nil || !ok {
		t.Fatal(err, ok)
	}
	evs, err := db.Events(ctx, x.f.room.ID(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Seq >= uint64(len(evs)) {
		t.Fatalf("%s: snapshot at %d of %d events: no tail", name, snap.Seq, len(evs))
	}
	write("snapshot", snap)
	write("events", evs)
	live, err := call(ctx, x.f.room, func(reply func(json.RawMessage, error)) { reply(json.Marshal(x.f.room.st)) })
	if err != nil {
		t.Fatal(err)
	}
	write("state", live)
	// Fresh sockets get a full view of each audience, as the room sees it now.
	views := map[string]any{}
	host, screen := &fakeConn{}, &fakeConn{}
	x.f.room.Attach(host, x.f.c.HostToken, "ru")
	x.f.room.Attach(screen, x.f.c.ScreenToken, "ru")
	x.f.sync()
	views["host"] = host.last("view")["data"]
	views["screen"] = screen.last("view")["data"]
	phones := map[string]any{}
	names := make([]string, 0, len(x.ids))
	for n := range x.ids {
		names = append(names, n)
	}
	slices.Sort(names)
	var online []string
	for _, n := range names {
		j := x.ids[n]
		c := &fakeConn{}
		x.f.room.Attach(c, j.Token, "ru")
		x.f.sync()
		if c.closedWith() != 0 {
			continue // removed
		}
		online = append(online, j.Player)
		phones[j.Player] = map[string]any{"state": c.last("state")["data"], "me": c.last("me")["data"]}
	}
	views["phones"] = phones
	views["online"] = online
	views["time"] = x.f.clock.Now().UnixMilli()
	write("views", views)
	res, err := x.f.room.Results(ctx)
	if err != nil {
		t.Fatal(err)
	}
	write("results", res)
	br, err := x.f.room.BoardResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	write("board_results", br)
}

// TestGenFixtures writes the rooms of testdata/rooms: each through a real
// bbolt store, dumped as its snapshot and event log, with the live state,
// views and results the code of that time made of them.
func TestGenFixtures(t *testing.T) {
	if !*genFixtures {
		t.Skip("-gen-fixtures writes the fixtures")
	}
	db, err := store.OpenBolt(filepath.Join(t.TempDir(), "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() }) // after every hub's shutdown

	// A quiz mid-question, in its second question, with a reveal behind it.
	q := newFx(t, fxQuiz, 3, db)
	for i, n := range []string{"Анна", "Борис", "Вера", "Глеб", "Дина"} {
		q.join(n, fmt.Sprintf("t%d", i%3+1), "")
	}
	q.gap()
	q.do("", "start", nil)
	q.f.clock.Advance(2 * time.Second)
	q.do("Анна", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	q.f.clock.Advance(3 * time.Second)
	q.do("Борис", "answer", map[string]any{"question": "q1", "options": []string{"b"}})
	q.do("Вера", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	q.gap()
	q.do("", "close", nil)
	q.gap()
	q.do("", "next", nil)
	q.gap()
	q.do("", "next", nil)
	q.f.clock.Advance(4 * time.Second)
	q.do("Глеб", "answer", map[string]any{"question": "q2", "options": []string{"a", "b"}})
	q.do("Анна", "answer", map[string]any{"question": "q2", "options": []string{"a"}})
	q.f.clock.Advance(time.Second)
	q.do("Дина", "answer", map[string]any{"question": "q2", "options": []string{"c"}})
	q.dump("quiz", db)

	// A game mid-case in vote mode, with reasons, an injected event, a
	// pause and more time.
	g := newFx(t, fxGame, 2, db)
	for i, n := range []string{"Ann", "Bob", "Cid", "Dan", "Eve"} {
		g.join(n, fmt.Sprintf("t%d", i%2+1), "")
	}
	g.gap()
	g.do("", "start", nil)
	g.f.clock.Advance(5 * time.Second)
	g.do("Ann", "game.pick", map[string]any{"node": "a", "choice": "act", "why": "Быстрее — лучше"})
	g.do("Cid", "game.pick", map[string]any{"node": "a", "choice": "act", "why": "agree"})
	g.do("Eve", "game.pick", map[string]any{"node": "a", "choice": "wait"})
	g.do("Bob", "game.pick", map[string]any{"node": "a", "choice": "wait", "why": "<b>careful</b> & slow"})
	g.do("", "game.pause", map[string]any{"paused": true})
	g.f.clock.Advance(10 * time.Second)
	g.do("", "game.pause", map[string]any{"paused": false})
	g.do("", "game.extend", map[string]any{"seconds": 60})
	g.do("", "game.inject", map[string]any{"event": "press"})
	g.do("", "game.captain", map[string]any{"team": "t2", "player": g.ids["Dan"].Player})
	g.do("Dan", "game.pick", map[string]any{"node": "a", "choice": "wait", "why": "vote"})
	g.do("Eve", "game.pick", map[string]any{"node": "b", "choice": "done"})
	g.dump("game", db)

	// Boards: one in its vote, one in recommendations with drafts; both
	// after a quiz stage, with themes and grouping steps.
	board := func(name string, recommend bool) {
		b := newFx(t, fxBoard, 2, db)
		for i, n := range []string{"Анна", "Борис", "Вера", "Глеб"} {
			b.join(n, fmt.Sprintf("t%d", i%2+1), []string{"state", "ngo", "", "ngo"}[i])
		}
		b.gap()
		b.do("", "start", nil)
		b.do("Анна", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
		b.do("", "close", nil)
		b.do("", "next", nil)
		b.gap()
		b.do("", "next", nil) // the board
		texts := []struct{ who, prompt, text string }{
			{"Анна", "p1", "Ежемесячная встреча партнёров"}, {"Борис", "p1", "Общий чат проекта"},
			{"Вера", "p1", "Встреча партнёров ежемесячно"}, {"Глеб", "p1", "Общий план"},
			{"Анна", "p2", "Доверие"}, {"Борис", "p2", "Прозрачный бюджет"}, {"Глеб", "p2", "Доверие между людьми"},
		}
		for _, c := range texts {
			b.do(c.who, "board.card", map[string]any{"prompt": c.prompt, "text": c.text})
		}
		b.do("Вера", "board.edit", map[string]any{"card": "c3", "text": "Встреча партнёров раз в месяц"})
		b.gap()
		b.do("", "next", nil) // reveal
		b.do("", "board.reformulate", map[string]any{"card": "c4", "note": "Конкретнее"})
		b.do("Глеб", "board.edit", map[string]any{"card": "c4", "text": "Общий план на год"})
		b.do("", "board.accept", map[string]any{"cards": []string{"c1", "c3"}})
		b.do("", "board.group", map[string]any{"card": "c2", "onto": "c4"})
		b.do("", "board.page", map[string]any{"page": 1})
		b.gap()
		b.do("", "next", nil) // second prompt
		b.gap()
		b.do("", "next", nil) // group
		b.do("", "board.theme", map[string]any{"name": "Доверие", "card": "c5"})
		b.do("", "board.group", map[string]any{"card": "c7", "onto": "c5"})
		b.do("", "board.hide", map[string]any{"card": "c6", "hidden": true})
		b.do("", "board.hide", map[string]any{"card": "c6", "hidden": false})
		trust := b.themeOf("c5")
		b.do("", "board.place", map[string]any{"card": "c6", "theme": trust})
		b.do("", "board.rename", map[string]any{"theme": trust, "name": "Бюджет и доверие"})
		b.do("", "board.split", map[string]any{"theme": trust, "cards": []string{"c6"}, "name": "Бюджет"})
		b.do("", "board.undo", nil)
		b.gap()
		b.do("", "next", nil) // vote
		b.do("Анна", "board.dots", map[string]any{"card": "c2", "dots": 2})
		b.do("Борис", "board.dots", map[string]any{"card": "c1", "dots": 1})
		b.do("Вера", "board.dots", map[string]any{"card": "c6", "dots": 1})
		b.do("Глеб", "board.dots", map[string]any{"card": "c5", "dots": 2})
		if recommend {
			b.gap()
			b.do("", "next", nil) // results
			b.gap()
			b.do("", "next", nil) // recommend
			b.f.clock.Advance(2 * time.Second)
			var recs []any
			if _, err := call(context.Background(), b.f.room, func(reply func(struct{}, error)) {
				for _, rec := range b.f.room.st.board().Recs {
					recs = append(recs, rec.Theme)
					_ = rec
				}
				reply(struct{}{}, nil)
			}); err != nil {
				t.Fatal(err)
			}
			if len(recs) < 2 {
				t.Fatalf("recommendations: %v", recs)
			}
			// Each team drafts the recommendations it was dealt.
			for _, who := range []string{"Анна", "Борис"} {
				me := boardOf(b.conns[who], "me")
				b.f.clock.Advance(coalesceDelay)
				b.f.sync()
				me = boardOf(b.conns[who], "me")
				for _, th := range me["recommendations"].([]any) {
					b.do(who, "board.fill", map[string]any{"theme": th, "action": "Встречаться — " + who, "responsible": "both", "deadline": "декабрь"})
					b.f.clock.Advance(time.Second)
				}
			}
			b.do("", "board.fill", map[string]any{"theme": recs[1], "risk": "Нет времени"})
			b.do("", "board.adopt", map[string]any{"theme": recs[0], "team": "t1"})
			b.do("", "board.final", map[string]any{"theme": recs[0], "final": true})
			for _, th := range boardOf(b.conns["Вера"], "me")["recommendations"].([]any) {
				if th != recs[0] {
					b.do("Вера", "board.fill", map[string]any{"theme": th, "risk": "Мало людей"})
				}
			}
		}
		b.dump(name, db)
	}
	board("board-vote", false)
	board("board-recommend", true)

	// A room with a removed player, one let back in, reissued links and a
	// lock, finished.
	k := newFx(t, fxQuiz, 2, db)
	for i, n := range []string{"Ann", "Bob", "Cid", "Dan"} {
		k.join(n, fmt.Sprintf("t%d", i%2+1), "")
	}
	k.gap()
	k.do("", "start", nil)
	k.do("Ann", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	k.do("", "kick", map[string]any{"player": k.ids["Bob"].Player})
	k.do("", "kick", map[string]any{"player": k.ids["Cid"].Player})
	k.do("", "readmit", map[string]any{"player": k.ids["Cid"].Player})
	k.do("", "lock", map[string]any{"locked": true})
	k.gap()
	l0, err := k.f.room.Reissue(context.Background(), true, true)
	if err != nil {
		t.Fatal(err)
	}
	k.f.c.HostToken = l0.HostToken
	l, err := k.f.room.Reissue(context.Background(), false, true)
	if err != nil {
		t.Fatal(err)
	}
	k.f.c.ScreenToken = l.ScreenToken
	k.host = &fakeConn{}
	k.f.room.AttachHost(k.host, "ru")
	k.f.sync()
	k.do("Dan", "answer", map[string]any{"question": "q1", "options": []string{"b"}})
	k.do("", "lock", map[string]any{"locked": false})
	k.do("", "end", nil)
	k.dump("removed", db)
}
