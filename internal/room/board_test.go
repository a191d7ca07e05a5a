package room

import (
	"fmt"
	"strings"

	"context"
	"encoding/json"
	"github.com/huddle-live/huddle/internal/board"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
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
		if i == 0 { // the second prompt is revealed within the same phase: the screen must see it at once
			if shown := boardOf(screen, "view")["shown"]; shown != float64(2) {
				t.Fatalf("screen shows %v prompts after a reveal step, want 2", shown)
			}
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

	sameAfterRestart(t, f, st)
}

// sameAfterRestart checks that the room's events replay to its live state,
// and that a new hub restores the room as it is.
func sameAfterRestart(t *testing.T, f *fixture, st store.Store) {
	t.Helper()
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
	replayed, _, err := session.Rebuild(nil, events)
	if err != nil {
		t.Fatal(err)
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

// FuzzBoardCommand sends two arbitrary commands from an arbitrary role to a
// board in an arbitrary phase, builds every view and the exports' data, and
// checks that the logged events replay to exactly the live state.
func FuzzBoardCommand(f *testing.F) {
	seeds := []struct {
		role, steps uint8
		typ, data   string
		typ2, data2 string
	}{
		{2, 0, "board.card", `{"prompt":"p1","text":"Договор"}`, "board.card", `{"prompt":"p1","text":"Договор"}`},
		{2, 0, "board.edit", `{"card":"c1","text":"x"}`, "board.delete", `{"card":"c1"}`},
		{0, 1, "board.merge", `{"card":"c2","into":"c1"}`, "board.merge", `{"card":"c1","into":"c2"}`},
		{0, 1, "board.reformulate", `{"card":"c1","note":"?"}`, "board.hide", `{"card":"c1","hidden":true}`},
		{0, 3, "board.theme", `{"name":"T","card":"c1"}`, "board.place", `{"card":"c3","theme":"t5"}`},
		{0, 3, "board.theme", `{"name":"T","card":"c9"}`, "board.rename", `{"theme":"t5","name":""}`},
		{2, 4, "board.dots", `{"card":"c3","dots":1}`, "board.dots", `{"card":"c1","dots":-1}`},
		{0, 4, "board.hide", `{"card":"c3","hidden":true}`, "board.hide", `{"card":"c3","hidden":false}`},
		{2, 6, "board.fill", `{"theme":"t5","action":"a","responsible":"both"}`, "board.fill", `{"theme":"t5","responsible":"city"}`},
		{0, 6, "board.fill", `{"theme":"t6","deadline":"` + "\u202e" + `"}`, "next", ``},
		{1, 2, "board.hide", `{"card":"c1"}`, "board.dots", `{"dots":null}`},
		{0, 3, "board.group", `{"card":"c2","onto":"c1"}`, "board.undo", `{}`},
		{0, 3, "board.group", `{"card":"c3","onto":"c4"}`, "board.split", `{"theme":"t5","cards":["c3"],"name":"Т"}`},
		{0, 3, "board.join", `{"theme":"t5","into":"t6"}`, "board.split", `{"theme":"t5"}`},
		{0, 1, "board.accept", `{"cards":["c1","c2"]}`, "board.dismiss", `{"cards":["c3","c4"]}`},
		{0, 2, "board.page", `{"page":2}`, "board.page", `{"page":-1}`},
		{0, 6, "board.final", `{"theme":"t5","final":true}`, "board.adopt", `{"theme":"t5","team":"t1"}`},
		{2, 3, "board.undo", `{}`, "board.group", `{"card":"c2","onto":"c1"}`},
		// Empty lists, which an event's encoding leaves out: the live state
		// must be the one its replay makes.
		{0, 3, "board.split", `{"theme":"t5","cards":[]}`, "board.dismiss", `{"cards":[]}`},
		{0, 1, "board.accept", `{"cards":[]}`, "board.fill", `{"theme":"t5","action":""}`},
	}
	for _, s := range seeds {
		f.Add(s.role, s.steps, s.typ, []byte(s.data), s.typ2, []byte(s.data2))
	}
	sc, err := scenario.Parse("b.yaml", []byte(boardYAML))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, role, steps uint8, typ string, data []byte, typ2 string, data2 []byte) {
		b := newBareRoom(t, sc, []string{"t1", "t2"}, []string{"state", "ngo"})
		if err := b.exec(session.RoleHost, "", "start", nil); err != nil {
			t.Fatal(err)
		}
		for i, w := range [][2]string{{"p1", "p1"}, {"p2", "p1"}, {"p1", "p2"}, {"p2", "p2"}} {
			if err := b.exec(session.RolePlayer, w[0], "board.card", map[string]any{"prompt": w[1], "text": fmt.Sprintf("card %d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		for range steps % 8 {
			_ = b.exec(session.RoleHost, "", "next", nil)
			if b.r.st.Phase() == string(board.Vote) {
				_ = b.exec(session.RolePlayer, "p1", "board.dots", map[string]any{"card": "c2", "dots": 1})
			}
		}
		from := []*fakeConn{b.host, b.screen, b.p1}[role%3]
		b.r.command(from, "c1", typ, data)
		b.clock.Advance(time.Second)
		b.r.command(from, "c2", typ2, data2)
		b.r.flush() // builds every audience's view
		_ = b.r.st.BoardResults()

		b.checkReplay(t)
	})
}

// TestBoardWorkspace drives the facilitator's grouping workspace and the
// recommendation drafts through the room: every step is an event, so the
// replayed and the restored room are the same room, undo stack included.
func TestBoardWorkspace(t *testing.T) {
	st := store.NewMemory()
	f := boardFixture(t, st)
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "ru")
	_, a := f.join("Anna")
	_, b := f.join("Boris")
	n := 0
	cmd := func(c *fakeConn, typ string, data any, want string) {
		t.Helper()
		n++
		r := f.command(c, fmt.Sprint("k", n), typ, data)
		if got, _ := r["code"].(string); r["type"] == "error" && got != want || r["type"] == "ack" && want != "" {
			t.Fatalf("%s %v: %v, want %q", typ, data, r, want)
		}
	}
	cmd(host, "start", nil, "")
	texts := []string{"Ежемесячная встреча партнёров", "Общий чат проекта", "Встреча партнёров ежемесячно", "Общий план"}
	for i, text := range texts {
		cmd([]*fakeConn{a, b}[i%2], "board.card", map[string]any{"prompt": "p1", "text": text}, "")
	}
	cmd(host, "next", nil, "")
	f.clock.Advance(coalesceDelay)
	f.sync()
	sugg, _ := boardOf(host, "view")["suggestions"].([]any)
	if len(sugg) != 1 || fmt.Sprint(sugg[0].(map[string]any)["cards"]) != "[c1 c3]" {
		t.Fatalf("suggestions = %v", sugg)
	}
	cmd(host, "board.accept", map[string]any{"cards": []string{"c1", "c3"}}, "")
	cmd(host, "board.group", map[string]any{"card": "c2", "onto": "c1"}, "")
	cmd(host, "board.split", map[string]any{"theme": "t5", "cards": []string{"c2"}, "name": "  Связь\u202e "}, "")
	cmd(host, "board.join", map[string]any{"theme": "t6", "into": "t5"}, "")
	cmd(host, "board.undo", nil, "")
	cmd(host, "board.rename", map[string]any{"theme": "t5", "name": "Встречи"}, "")
	cmd(host, "board.page", map[string]any{"page": 1}, "")
	cmd(host, "board.page", map[string]any{}, "bad_request")
	cmd(host, "board.accept", map[string]any{"cards": make([]string, 51)}, "bad_request")
	cmd(a, "board.undo", nil, "forbidden")
	f.clock.Advance(coalesceDelay)
	f.sync()
	v := boardOf(host, "view")
	themes := v["themes"].([]any)
	if len(themes) != 2 || themes[1].(map[string]any)["name"] != "Связь" || v["undo"] != float64(4) || v["page"] != float64(1) {
		t.Fatalf("after the workspace: themes %v undo %v page %v", themes, v["undo"], v["page"])
	}
	cmd(host, "next", nil, "") // the second prompt
	cmd(host, "next", nil, "") // group
	cmd(host, "next", nil, "") // vote
	cmd(a, "board.dots", map[string]any{"card": "c1", "dots": 1}, "own_team")
	cmd(b, "board.dots", map[string]any{"card": "c1", "dots": 1}, "")
	cmd(a, "board.dots", map[string]any{"card": "c2", "dots": 1}, "")
	cmd(host, "next", nil, "") // results
	cmd(host, "next", nil, "") // recommend
	f.clock.Advance(coalesceDelay)
	f.sync()
	recs := boardOf(host, "view")["recommendations"].([]any)
	theme := recs[0].(map[string]any)["theme"]
	team := ""
	for _, c := range []*fakeConn{a, b} {
		me := boardOf(c, "me")
		if mine := me["recommendations"].([]any); len(mine) > 0 && mine[0] == theme {
			cmd(c, "board.fill", map[string]any{"theme": theme, "action": "Встречаться раз в месяц", "responsible": "both"}, "")
			team = map[*fakeConn]string{a: "t1", b: "t2"}[c]
			f.clock.Advance(coalesceDelay)
			f.sync()
			if d := boardOf(c, "me")["drafts"].(map[string]any)[theme.(string)].(map[string]any); d["action"] != "Встречаться раз в месяц" {
				t.Errorf("the team's draft on its phone: %v", d)
			}
			drafts := boardOf(host, "view")["recommendations"].([]any)[0].(map[string]any)["drafts"].([]any)
			if len(drafts) != 1 || drafts[0].(map[string]any)["team"] != team {
				t.Errorf("the draft on the host's view: %v", drafts)
			}
			cmd(host, "board.adopt", map[string]any{"theme": theme, "team": team}, "")
			cmd(host, "board.final", map[string]any{"theme": theme, "final": true}, "")
			cmd(c, "board.fill", map[string]any{"theme": theme, "action": "x"}, "rec_final")
		}
	}
	if team == "" {
		t.Fatal("no team was dealt the first recommendation")
	}
	sameAfterRestart(t, f, st)
}

// TestBoardNamedCards: where cards are named, the projector shows their
// author, and the phones of other teams see it once revealed.
func TestBoardNamedCards(t *testing.T) {
	named := strings.Replace(boardYAML, "attribution: anonymous", "attribution: named", 1)
	sc, err := scenario.Parse("b.yaml", []byte(named))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	hub := NewHub(HubConfig{Store: store.NewMemory(), Clock: clock, PublicURL: "http://test"})
	t.Cleanup(func() { _ = hub.Shutdown(context.Background()) })
	c, err := hub.Create(context.Background(), sc, CreateOptions{TeamCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, clock: clock, hub: hub, room: c.Room, c: c}
	host, screen := &fakeConn{}, &fakeConn{}
	f.room.Attach(host, c.HostToken, "ru")
	f.room.Attach(screen, c.ScreenToken, "ru")
	_, a := f.join("Anna")
	_, b := f.join("Boris")
	f.command(host, "s", "start", nil)
	f.command(a, "w", "board.card", map[string]any{"prompt": "p1", "text": "Договор"})
	f.command(host, "n", "next", nil)
	card := boardOf(screen, "view")["cards"].([]any)[0].(map[string]any)
	if card["author"] != "Anna" || card["team"] == nil {
		t.Errorf("a named card on the screen: %v", card)
	}
	f.clock.Advance(coalesceDelay)
	f.sync()
	if got := boardOf(b, "state")["cards"].([]any)[0].(map[string]any); got["author"] != "Anna" {
		t.Errorf("a named card on another team's phone: %v", got)
	}
}
