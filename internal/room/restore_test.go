package room

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// TestRestoreRoomsOfEarlierVersions: rooms stored before the session
// package existed (internal/session/testdata/rooms), put into a bbolt
// store as they were, come back in a new hub from their snapshot and the
// events after it, in the state they had, and take new events after them.
func TestRestoreRoomsOfEarlierVersions(t *testing.T) {
	dir := filepath.Join("..", "session", "testdata", "rooms")
	read := func(name, suffix string, v any) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name+"."+suffix+".json"))
		if err == nil {
			err = json.Unmarshal(b, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.OpenBolt(filepath.Join(t.TempDir(), "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() }) // after the hub's shutdown
	ctx := context.Background()
	type stored struct {
		id     string
		events int
		live   string
	}
	rooms := map[string]stored{}
	for _, name := range []string{"quiz", "game", "board-vote", "board-recommend", "removed"} {
		var snap store.Snapshot
		var events []store.Event
		var live json.RawMessage
		read(name, "snapshot", &snap)
		read(name, "events", &events)
		read(name, "state", &live)
		var cfg struct {
			Config session.Config `json:"config"`
		}
		if err := json.Unmarshal(snap.Data, &cfg); err != nil {
			t.Fatal(err)
		}
		id := cfg.Config.ID
		if err := db.Append(ctx, id, events); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveSnapshot(ctx, id, snap); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		_ = json.Compact(&want, live)
		rooms[name] = stored{id: id, events: len(events), live: want.String()}
	}
	clock := &fakeClock{now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	hub := NewHub(HubConfig{Store: db, Clock: clock, PublicURL: "http://test"})
	t.Cleanup(func() { _ = hub.Shutdown(ctx) })
	if n, err := hub.Restore(ctx); err != nil || n != len(rooms) {
		t.Fatalf("restored %d of %d rooms: %v", n, len(rooms), err)
	}
	for name, want := range rooms {
		r := hub.Room(want.id)
		if r == nil {
			t.Fatalf("%s not restored", name)
		}
		got, err := call(ctx, r, func(reply func([]byte, error)) { reply(r.encode()) })
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want.live {
			t.Errorf("%s: restored state differs from the live one of then:\nthen %s\nnow  %s", name, want.live, got)
		}
		_, err = r.Join(ctx, "Новенький", "")
		if name == "removed" {
			if !errors.Is(err, session.ErrFinished) {
				t.Errorf("%s: a join into the finished room: %v", name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: join after the restore: %v", name, err)
		}
		evs, err := db.Events(ctx, want.id, 0)
		if err != nil || len(evs) != want.events+1 || evs[len(evs)-1].Type != "joined" {
			t.Errorf("%s: %d events stored after a join (%v), want %d", name, len(evs), err, want.events+1)
		}
	}
}

// TestCommandIDsSurviveLoad: a command applied and stored, whose ack was
// lost with its process, is sent again by the page's outbox to the room's
// next process, which loads the room from the store: it is acknowledged as
// a duplicate and not applied again, whether it is before the snapshot or
// after it.
func TestCommandIDsSurviveLoad(t *testing.T) {
	mem := store.NewMemory()
	f := newFixtureWith(t, func(c *HubConfig) { c.Store = mem })
	joined, phone := f.join("P")
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	f.sync()
	for _, c := range []struct {
		conn    *fakeConn
		id, typ string
		data    any
		phase   string
	}{
		{host, "h1", "start", nil, "question"},
		{phone, "a1", "answer", map[string]any{"question": "q1", "options": []string{"a"}}, "reveal"},
		{host, "h2", "next", nil, "leaderboard"},
	} {
		if fr := f.command(c.conn, c.id, c.typ, c.data); fr["type"] != "ack" {
			t.Fatalf("%s: %v", c.id, fr)
		}
		if p := phase(host, "view"); p != c.phase {
			t.Fatalf("after %s: phase %q, want %q", c.id, p, c.phase)
		}
	}
	id := f.room.ID()
	if err := f.hub.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap, _, _ := mem.LoadSnapshot(context.Background(), id)
	events, _ := mem.Events(context.Background(), id, 0)
	if snap.Seq != uint64(len(events)) {
		t.Fatalf("snapshot at %d of %d events: the ids before it are not tested", snap.Seq, len(events))
	}

	hub := NewHub(HubConfig{Store: mem, Clock: f.clock, PublicURL: "http://test"})
	t.Cleanup(func() { _ = hub.Shutdown(context.Background()) })
	if n, err := hub.Restore(context.Background()); err != nil || n != 1 {
		t.Fatalf("restored %d rooms: %v", n, err)
	}
	g := &fixture{t: t, clock: f.clock, hub: hub, room: hub.Room(id), c: f.c}
	host2, phone2 := &fakeConn{}, &fakeConn{}
	g.room.Attach(host2, f.c.HostToken, "en")
	g.room.Attach(phone2, joined.Token, "en")
	g.sync()
	for _, c := range []struct {
		conn *fakeConn
		id   string
		typ  string
		data any
	}{
		{phone2, "a1", "answer", map[string]any{"question": "q1", "options": []string{"a"}}},
		{host2, "h2", "next", nil},
		{host2, "h1", "start", nil},
	} {
		fr := g.command(c.conn, c.id, c.typ, c.data)
		if fr["type"] != "ack" || fr["duplicate"] != true {
			t.Errorf("%s sent again after the load: %v, want a duplicate's ack", c.id, fr)
		}
	}
	if p := phase(host2, "view"); p != "leaderboard" {
		t.Errorf("phase %q after the commands sent again, want leaderboard (applied twice)", p)
	}
	if after, _ := mem.Events(context.Background(), id, 0); len(after) != len(events) {
		t.Errorf("%d events after the commands sent again, want %d (snapshot at %d)", len(after), len(events), snap.Seq)
	}
}
