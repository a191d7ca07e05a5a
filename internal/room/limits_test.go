package room

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// TestUnjoinedRoomsExpire: a room nobody joined leaves memory and the store
// after the unjoined TTL, unless a socket is open on it; a room someone
// joined keeps the idle TTL; and a restart deletes unjoined rooms whose
// time ran out while the server was down instead of starting them.
func TestUnjoinedRoomsExpire(t *testing.T) {
	db, err := store.OpenBolt(filepath.Join(t.TempDir(), "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sc, err := scenario.Parse("t.yaml", []byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	cfg := HubConfig{Store: db, Clock: clock, PublicURL: "http://test", FinishedTTL: 24 * time.Hour, IdleTTL: 168 * time.Hour, UnjoinedTTL: time.Hour}
	hub := NewHub(cfg)
	ctx := context.Background()
	create := func(h *Hub) *Created {
		t.Helper()
		c, err := h.Create(ctx, sc, CreateOptions{TeamCount: 2})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	empty, watched, joined := create(hub), create(hub), create(hub)
	projector := &fakeConn{}
	watched.Room.Attach(projector, watched.ScreenToken, "ru")
	if _, err := joined.Room.Join(ctx, "Anna", ""); err != nil {
		t.Fatal(err)
	}
	stored := func(id string) bool {
		rooms, _ := db.Rooms(ctx)
		return slices.Contains(rooms, id)
	}
	live := func(c *Created) bool { return hub.Room(c.Room.ID()) != nil }
	// gone waits for a room to leave the hub and the store: the hub's own
	// sweep may have taken it and still be deleting it.
	gone := func(c *Created) bool {
		for range 500 {
			if !live(c) && !stored(c.Room.ID()) {
				return true
			}
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}
	// A minute at a time, sweeping after each.
	elapse := func(d time.Duration) {
		for range int(d / time.Minute) {
			clock.Advance(time.Minute)
			hub.Sweep(ctx)
		}
	}
	elapse(59 * time.Minute)
	if !live(empty) || !live(watched) || !live(joined) {
		t.Fatal("a room expired before its hour")
	}
	elapse(2 * time.Minute)
	if !gone(empty) {
		t.Fatal("the room nobody joined is still there after an hour")
	}
	if !live(watched) || !live(joined) {
		t.Fatal("the room with a projector open, or the one someone joined, expired")
	}
	elapse(2 * time.Hour)
	if !live(watched) {
		t.Fatal("a room expired while a projector was open on it")
	}
	watched.Room.Detach(projector)
	elapse(59 * time.Minute)
	if !live(watched) {
		t.Fatal("the hour counts from when the last socket left, not from its last event")
	}
	elapse(2 * time.Minute)
	if !gone(watched) {
		t.Fatal("the room stayed an hour after its projector left")
	}
	if !live(joined) {
		t.Fatal("a room someone joined expired with the unjoined TTL")
	}

	// Restart: one more unjoined room, then the server is down for two
	// hours.
	late := create(hub)
	if err := hub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	hub = NewHub(cfg)
	defer func() { _ = hub.Shutdown(ctx) }()
	n, err := hub.Restore(ctx)
	if err != nil || n != 1 {
		t.Fatalf("restored %d rooms (%v), want only the joined one", n, err)
	}
	if hub.Room(late.Room.ID()) != nil || stored(late.Room.ID()) {
		t.Fatal("a room whose unjoined TTL ran out while the server was down was started again")
	}
	if hub.Room(joined.Room.ID()) == nil {
		t.Fatal("the joined room was not restored")
	}
}

// TestRoomCap: past MaxRooms a room is refused with a clear error; a room
// that expires makes space again.
func TestRoomCap(t *testing.T) {
	f := newFixtureWith(t, func(c *HubConfig) { c.MaxRooms = 2; c.UnjoinedTTL = time.Hour })
	sc := f.room.st.Config.Scenario
	ctx := context.Background()
	if _, err := f.hub.Create(ctx, sc, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := f.hub.Create(ctx, sc, CreateOptions{})
	if !errors.Is(err, session.ErrTooManyRooms) || session.ErrorCode(err) != session.CodeTooManyRooms {
		t.Fatalf("a third room with MaxRooms 2: %v", err)
	}
	f.clock.Advance(2 * time.Hour) // also wakes the hub's own sweep
	f.hub.Sweep(ctx)
	for i := 0; len(f.hub.live()) > 0; i++ {
		if i == 500 {
			t.Fatalf("%d rooms left after two hours nobody joined them", len(f.hub.live()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := f.hub.Create(ctx, sc, CreateOptions{}); err != nil {
		t.Fatalf("a room after the others expired: %v", err)
	}
}

// TestJoinCodesRunShort: when every join code is taken, creating a room
// fails with too_many_rooms at once instead of searching for ever under
// the hub's lock.
func TestJoinCodesRunShort(t *testing.T) {
	f := newFixtureWith(t, func(c *HubConfig) { c.MaxRooms = 2_000_000 })
	f.hub.mu.Lock()
	for n := 100000; n < 1000000; n++ {
		f.hub.codes[fmt.Sprintf("%06d", n)] = f.room
	}
	f.hub.mu.Unlock()
	done := make(chan error, 1)
	go func() {
		_, err := f.hub.Create(context.Background(), f.room.st.Config.Scenario, CreateOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, session.ErrTooManyRooms) {
			t.Fatalf("create with no free code: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("create is still looking for a free code after 30 s")
	}
	// The hub is not left locked: look-ups still answer.
	if f.hub.ByCode(f.room.Code()) == nil {
		t.Fatal("lookup failed")
	}
	f.hub.mu.Lock()
	for code := range f.hub.codes {
		if code != f.room.Code() {
			delete(f.hub.codes, code)
		}
	}
	f.hub.mu.Unlock()
}
