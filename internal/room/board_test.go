package room

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

const boardYAML = `
id: b
title: B
language: ru
stages:
  - id: hack
    kind: board
    attribution: anonymous
    timers: {write: 1m, vote: 1m}
    vote: {dots: 2, per_card: 1}
    top: 2
    prompts:
      - {id: p1, question: Q1}
      - {id: p2, question: Q2}
  - id: s
    kind: quiz
    questions:
      - {id: q1, type: single, text: Q1, options: [{text: A, correct: true}, {text: B}]}
`

func boardFixture(t *testing.T, st store.Store) *fixture {
	sc, err := scenario.Parse("b.yaml", []byte(boardYAML))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	hub := NewHub(HubConfig{Store: st, Clock: clock, PublicURL: "http://test"})
	c, err := hub.Create(context.Background(), sc, CreateOptions{TeamCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, clock: clock, hub: hub, room: c.Room, c: c}
}

func boardOf(c *fakeConn, typ string) map[string]any {
	f := c.last(typ)
	if f == nil {
		return nil
	}
	b, _ := f["data"].(map[string]any)["board"].(map[string]any)
	return b
}

// TestBoardTimersAndReplay plays a board through its timers, checks that an
// anonymous board tells nobody but the host whose card is whose, and that a
// restored room is the same room.
func TestBoardTimersAndReplay(t *testing.T) {
	st := store.NewMemory()
	f := boardFixture(t, st)
	host, screen := &fakeConn{}, &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "ru")
	f.room.Attach(screen, f.c.ScreenToken, "ru")
	_, a := f.join("Anna")
	_, b := f.join("Boris")
	if r := f.command(host, "h1", "start", nil); r["type"] != "ack" {
		t.Fatalf("start: %v", r)
	}
	for i, p := range []*fakeConn{a, b} {
		if r := f.command(p, "w"+string(rune('0'+i)), "board.card", map[string]any{"prompt": "p1", "text": "  Договор\u202e  "}); r["type"] != "ack" {
			t.Fatalf("card: %v", r)
		}
	}
	flush := func() { // views go out at most every coalesceDelay
		f.clock.Advance(coalesceDelay)
		f.sync()
	}
	flush()
	me := boardOf(a, "me")["cards"].([]any)[0].(map[string]any)
	if me["text"] != "Договор" {
		t.Errorf("card text not cleaned: %q", me["text"])
	}
	f.clock.Advance(time.Minute)
	f.sync()
	if got := phase(a, "state"); got != "reveal" {
		t.Fatalf("phase after the write timer = %q", got)
	}
	cards := boardOf(screen, "view")["cards"].([]any)
	if len(cards) != 2 {
		t.Fatalf("screen cards = %v", cards)
	}
	for _, c := range cards {
		if c.(map[string]any)["team"] != nil {
			t.Errorf("an anonymous card shows its team on the screen: %v", c)
		}
	}
	for _, c := range boardOf(host, "view")["cards"].([]any) {
		if c.(map[string]any)["team"] == nil {
			t.Errorf("the host does not see a card's team: %v", c)
		}
	}
	for i := range 3 {
		if i == 2 { // grouping
			// A theme for a card that is not there is refused and makes no
			// theme: the restored room below would differ if it did.
			if r := f.command(host, "t0", "board.theme", map[string]any{"name": "X", "card": "c99"}); r["code"] != "not_found" {
				t.Fatalf("theme for a missing card: %v", r)
			}
		}
		if r := f.command(host, "n"+string(rune('0'+i)), "next", nil); r["type"] != "ack" {
			t.Fatalf("next: %v", r)
		}
	}
	if got := phase(a, "state"); got != "vote" {
		t.Fatalf("phase = %q", got)
	}
	card := cards[1].(map[string]any)["id"]
	if r := f.command(a, "d1", "board.dots", map[string]any{"card": card, "dots": 1}); r["type"] != "ack" {
		t.Fatalf("dots: %v", r)
	}
	// Setting the same dots again, as a phone does after a reconnect, is
	// harmless: acked and nothing changes.
	if r := f.command(a, "d2", "board.dots", map[string]any{"card": card, "dots": 1}); r["type"] != "ack" {
		t.Fatalf("the same dots again: %v", r)
	}
	flush()
	if left := boardOf(a, "me")["dots_left"]; left != float64(1) {
		t.Errorf("dots left = %v, want 1", left)
	}
	f.clock.Advance(time.Minute)
	f.sync()
	if got := phase(a, "state"); got != "results" {
		t.Fatalf("phase after the vote timer = %q", got)
	}

	snapshot := func(r *Room) string {
		s, err := call(context.Background(), r, func(reply func(string, error)) {
			b, err := json.Marshal(r.st)
			reply(string(b), err)
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snapshot(f.room)
	// The same state again from the events alone, as the log replays it.
	events, err := st.Events(context.Background(), f.room.ID(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var replayed *State
	for _, ev := range events {
		if ev.Type == evCreated {
			var cfg Config
			if err := json.Unmarshal(ev.Data, &cfg); err != nil {
				t.Fatal(err)
			}
			replayed = newState(cfg, ev.At)
			continue
		}
		if err := replayed.apply(ev); err != nil {
			t.Fatalf("replay %s: %v", ev.Type, err)
		}
	}
	if b, _ := json.Marshal(replayed); string(b) != before {
		t.Errorf("the events replay to another state:\nlive     %s\nreplayed %s", before, b)
	}
	if err := f.hub.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	hub2 := NewHub(HubConfig{Store: st, Clock: f.clock, PublicURL: "http://test"})
	t.Cleanup(func() { _ = hub2.Shutdown(context.Background()) })
	if _, err := hub2.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	r2 := hub2.Room(f.room.ID())
	if r2 == nil {
		t.Fatal("room not restored")
	}
	if after := snapshot(r2); after != before {
		t.Errorf("restored state differs:\nbefore %s\nafter  %s", before, after)
	}
}
