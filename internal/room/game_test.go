package room

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/game"
)

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

// game reads the room's first game stage as its snapshot holds it.
func (f *fixture) game() *game.State {
	f.t.Helper()
	var snap struct {
		Games []*game.State `json:"games"`
	}
	f.snapshot(&snap)
	if len(snap.Games) == 0 || snap.Games[0] == nil {
		f.t.Fatal("no game stage started")
	}
	return snap.Games[0]
}

// snapshot decodes the room's state, encoded on its goroutine, into v.
func (f *fixture) snapshot(v any) {
	f.t.Helper()
	data, err := call(context.Background(), f.room, func(reply func([]byte, error)) { reply(f.room.encode()) })
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

// TestGameTimeoutsEveryTeam: all teams enter a node at the same moment, so
// their deadlines are equal; when the clock passes it, every team moves on,
// the one with a proposal by it and the others by the node's default.
func TestGameTimeoutsEveryTeam(t *testing.T) {
	f := newFixtureFor(t, gameYAML, 4, nil) // nobody joins the fourth team
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	_, anna := f.join("Anna") // team 1's captain
	f.join("Boris")
	f.join("Vera")
	if r := f.command(host, "h1", "start", nil); r["type"] != "ack" {
		t.Fatalf("start: %v", r)
	}
	if r := f.command(anna, "p1", "game.pick", map[string]any{"node": "a", "choice": "act"}); r["type"] != "ack" {
		t.Fatalf("pick: %v", r)
	}
	f.clock.Advance(29 * time.Second)
	f.sync()
	f.clock.Advance(time.Second)
	for range 4 {
		f.sync()
	}
	g := f.game()
	for id, tm := range g.Teams {
		if id == "t4" {
			continue
		}
		if tm.Node != "b" || len(tm.Path) != 1 {
			t.Fatalf("team %s at %q after the deadline, path %+v", id, tm.Node, tm.Path)
		}
		want := map[string]string{"t1": "act/time", "t2": "wait/forced", "t3": "wait/forced"}[id]
		if got := tm.Path[0].Choice + "/" + tm.Path[0].By; got != want {
			t.Errorf("team %s: %s, want %s", id, got, want)
		}
	}
	// The next node's clock runs from the moment the team got there.
	f.clock.Advance(30 * time.Second)
	for range 4 {
		f.sync()
	}
	for id, tm := range f.game().Teams {
		if id == "t4" {
			continue
		}
		if tm.Node != "" || len(tm.Endings) != 1 {
			t.Errorf("team %s did not finish the case: node %q", id, tm.Node)
		}
	}
	// The team nobody joined is left out of what the host and screen see.
	view := host.last("view")["data"].(map[string]any)["game"].(map[string]any)
	if n := len(view["teams"].([]any)); n != 3 {
		t.Errorf("the host sees %d teams, want the 3 that have players", n)
	}
}

// TestGameKickSettlesVote: in vote mode a team decides when every member has
// voted; when the host removes the one member it was waiting for, the vote
// of the rest is decided at once instead of waiting for the clock.
func TestGameKickSettlesVote(t *testing.T) {
	f := newFixtureFor(t, strings.Replace(gameYAML, "decision: captain", "decision: vote", 1), 2, nil)
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	// Joins fill the smallest team: Anna and Vera are team 1, Boris team 2.
	_, anna := f.join("Anna")
	_, boris := f.join("Boris")
	vera, _ := f.join("Vera")
	f.sync()
	if r := f.command(host, "h1", "start", nil); r["type"] != "ack" {
		t.Fatalf("start: %v", r)
	}
	for i, p := range []*fakeConn{anna, boris} {
		if r := f.command(p, fmt.Sprint("p", i), "game.pick", map[string]any{"node": "a", "choice": "act"}); r["type"] != "ack" {
			t.Fatalf("pick: %v", r)
		}
	}
	if tm := f.game().Teams["t1"]; tm.Node != "a" {
		t.Fatalf("the team decided with a member still to vote: at %q", tm.Node)
	}
	if r := f.command(host, "h2", "kick", map[string]any{"player": vera.Player}); r["type"] != "ack" {
		t.Fatalf("kick: %v", r)
	}
	tm := f.game().Teams["t1"]
	if tm.Node != "b" || len(tm.Path) != 1 || tm.Path[0].Choice != "act" || tm.Path[0].By != "team" {
		t.Fatalf("after the kick the team is at %q with path %+v, want the vote for act decided", tm.Node, tm.Path)
	}
	// The decision is an event like any other: a replay arrives at the same place.
	f.assertReplayEqualsLive("vote settled by a kick")
}
