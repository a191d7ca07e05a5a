package room

import (
	"context"
	"reflect"
	"testing"

	"github.com/huddle-live/huddle/internal/session/sessiontest"
	"github.com/huddle-live/huddle/internal/store"
)

// assertShareNothing fails when a map or slice of what left the room is
// one of the room's state.
func assertShareNothing(t *testing.T, r *Room, what string, got any) {
	t.Helper()
	state, err := call(context.Background(), r, func(reply func(map[uintptr]string, error)) {
		out := map[uintptr]string{}
		sessiontest.Refs(reflect.ValueOf(r.st), "State", map[uintptr]bool{}, out)
		sessiontest.Refs(reflect.ValueOf(r.info), "Info", map[uintptr]bool{}, out)
		reply(out, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[uintptr]string{}
	sessiontest.Refs(reflect.ValueOf(got), what, map[uintptr]bool{}, out)
	if len(out) == 0 {
		t.Fatalf("%s: nothing to compare", what)
	}
	for p, path := range out {
		if sp, ok := state[p]; ok {
			t.Errorf("%s shares memory with the room's %s", path, sp)
		}
	}
}

// TestResultsShareNothing: results, board results and the room's info are
// copies: no map or slice in them is one the room's goroutine goes on
// changing. TestExportWhileTeamsDecide (internal/web) shows what a shared
// map did under load.
func TestResultsShareNothing(t *testing.T) {
	ctx := context.Background()
	g := newFixtureFor(t, gameYAML, 2, nil)
	host := &fakeConn{}
	g.room.Attach(host, g.c.HostToken, "en")
	_, anna := g.join("Anna")
	g.command(host, "h1", "start", nil)
	if r := g.command(anna, "p1", "game.pick", map[string]any{"node": "a", "choice": "act"}); r["type"] != "ack" {
		t.Fatalf("pick: %v", r)
	}
	if r := g.command(anna, "p2", "game.confirm", map[string]any{"node": "a"}); r["type"] != "ack" {
		t.Fatalf("confirm: %v", r)
	}
	res, err := g.room.Results(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Games) != 1 || len(res.Games[0].Teams) == 0 || len(res.Games[0].Teams[0].Path) == 0 {
		t.Fatalf("no game played: %+v", res.Games)
	}
	assertShareNothing(t, g.room, "Results", res)
	assertShareNothing(t, g.room, "Info", g.room.Info())

	b := boardFixture(t, store.NewMemory())
	t.Cleanup(func() { _ = b.hub.Shutdown(ctx) })
	bhost := &fakeConn{}
	b.room.Attach(bhost, b.c.HostToken, "ru")
	_, writer := b.join("Anna")
	b.command(bhost, "h1", "start", nil)
	if r := b.command(writer, "w1", "board.card", map[string]any{"prompt": "p1", "text": "Договор"}); r["type"] != "ack" {
		t.Fatalf("card: %v", r)
	}
	if r := b.command(writer, "w2", "board.edit", map[string]any{"card": "c1", "text": "Соглашение"}); r["type"] != "ack" {
		t.Fatalf("edit: %v", r)
	}
	b.command(bhost, "h2", "next", nil)
	if r := b.command(bhost, "h3", "board.reformulate", map[string]any{"card": "c1", "note": "точнее"}); r["type"] != "ack" {
		t.Fatalf("reformulate: %v", r)
	}
	if r := b.command(writer, "w3", "board.edit", map[string]any{"card": "c1", "text": "Соглашение о партнёрстве"}); r["type"] != "ack" {
		t.Fatalf("edit after reformulate: %v", r)
	}
	br, err := b.room.BoardResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(br.Boards) != 1 || len(br.Boards[0].Cards) != 1 || len(br.Boards[0].Cards[0].Earlier) == 0 {
		t.Fatalf("no reworded card: %+v", br.Boards)
	}
	assertShareNothing(t, b.room, "BoardResults", br)
}
