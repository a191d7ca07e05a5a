package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
)

// TestLeaseFencing: a room's lease goes to one process at a time, each
// holder gets a newer token, and once a newer holder exists the older
// one's appends and snapshots are refused whole, inside the script.
func TestLeaseFencing(t *testing.T) {
	rs := openRedis(t)
	defer rs.Close()
	ctx := context.Background()
	ttl := 300 * time.Millisecond

	a, ok, err := rs.Acquire(ctx, "r1", "a", ttl)
	if err != nil || !ok || a.Token == 0 {
		t.Fatalf("acquire a: %v %v %v", a, ok, err)
	}
	if _, ok, err := rs.Acquire(ctx, "r1", "b", ttl); err != nil || ok {
		t.Fatalf("b acquired a held lease: %v %v", ok, err)
	}
	fa := rs.Fenced("r1", a)
	ev := func(seq uint64) []store.Event {
		return []store.Event{{Seq: seq, At: time.Unix(int64(seq), 0).UTC(), Type: "t"}}
	}
	if err := fa.Append(ctx, "r1", ev(1)); err != nil {
		t.Fatal(err)
	}
	if ok, err := rs.Renew(ctx, "r1", a, ttl); err != nil || !ok {
		t.Fatalf("renew: %v %v", ok, err)
	}
	// a stops renewing (paused, partitioned); the lease runs out.
	var b store.Lease
	for {
		if b, ok, err = rs.Acquire(ctx, "r1", "b", ttl); err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if b.Token <= a.Token {
		t.Fatalf("tokens %d then %d: not increasing", a.Token, b.Token)
	}
	if ok, err := rs.Renew(ctx, "r1", a, ttl); err != nil || ok {
		t.Fatalf("a renewed b's lease: %v %v", ok, err)
	}
	if err := fa.Append(ctx, "r1", ev(2)); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("stale append: %v, want ErrFenced", err)
	}
	if err := fa.SaveSnapshot(ctx, "r1", store.Snapshot{Seq: 1, At: time.Unix(1, 0).UTC(), Data: []byte(`{}`)}); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("stale snapshot: %v, want ErrFenced", err)
	}
	if _, ok, _ := rs.LoadSnapshot(ctx, "r1"); ok {
		t.Fatal("a stale snapshot was stored")
	}
	fb := rs.Fenced("r1", b)
	if err := fb.Append(ctx, "r1", ev(2)); err != nil {
		t.Fatalf("new holder's append: %v", err)
	}
	evs, err := rs.Events(ctx, "r1", 0)
	if err != nil || len(evs) != 2 {
		t.Fatalf("events %v %v", evs, err)
	}
	// Release hands the room over at once; a's release of b's lease does nothing.
	if err := rs.Release(ctx, "r1", a); err != nil {
		t.Fatal(err)
	}
	if h, ok, err := rs.Holder(ctx, "r1"); err != nil || !ok || h != b {
		t.Fatalf("holder %v %v %v, want %v", h, ok, err, b)
	}
	if err := rs.Release(ctx, "r1", b); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := rs.Acquire(ctx, "r1", "c", ttl); err != nil || !ok {
		t.Fatalf("after release: %v %v", ok, err)
	}
}

// TestBus: a message published on a channel reaches its listener, in order;
// Publish says how many listened.
func TestBus(t *testing.T) {
	rs := openRedis(t)
	defer rs.Close()
	ctx := context.Background()
	bus, err := rs.Listen(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		go func() {
			for range bus.Messages() {
			}
		}()
		bus.Close()
	}()
	for _, m := range []string{"1", "2"} {
		if n, err := rs.Publish(ctx, "x", []byte(m)); err != nil || n != 1 {
			t.Fatalf("publish: %d %v", n, err)
		}
	}
	if n, err := rs.Publish(ctx, "nobody", []byte("z")); err != nil || n != 0 {
		t.Fatalf("publish to nobody: %d %v", n, err)
	}
	for _, want := range []string{"1", "2"} {
		m := <-bus.Messages()
		if m.Channel != "x" || string(m.Payload) != want {
			t.Fatalf("got %q on %q, want %q", m.Payload, m.Channel, want)
		}
	}
}

// TestBusResubscribed: a Bus whose Redis restarts says so once it listens
// again, and gets what is published afterwards.
func TestBusResubscribed(t *testing.T) {
	srv := storetest.StartServer(t)
	rs, err := store.OpenRedis(context.Background(), srv.URL(), "bus:")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	ctx := context.Background()
	bus, err := rs.Listen(ctx, "x", "y")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		go func() {
			for range bus.Messages() {
			}
		}()
		bus.Close()
	}()
	if n, err := rs.Publish(ctx, "y", []byte("before")); err != nil || n != 1 {
		t.Fatalf("publish: %d %v", n, err)
	}
	if m := <-bus.Messages(); m.Resubscribed || string(m.Payload) != "before" {
		t.Fatalf("first message %+v, want the one published", m)
	}
	srv.Kill()
	srv.Start()
	timeout := time.After(30 * time.Second)
	select {
	case m := <-bus.Messages():
		if !m.Resubscribed {
			t.Fatalf("got %+v after the restart, want the resubscription", m)
		}
	case <-timeout:
		t.Fatal("no resubscription within 30 s of the restart")
	}
	for {
		n, err := rs.Publish(ctx, "x", []byte("after"))
		if err == nil && n == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m := <-bus.Messages(); m.Channel != "x" || string(m.Payload) != "after" {
		t.Fatalf("got %+v, want the message published after the restart", m)
	}
}
