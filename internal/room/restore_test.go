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
