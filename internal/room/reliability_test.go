package room

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// replies returns every reply to command id, in order.
func (c *fakeConn) replies(id string) []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []map[string]any
	for _, f := range c.frames {
		if f["id"] == id {
			out = append(out, f)
		}
	}
	return out
}

// questionIndex reads the current question's index and the room's phase
// from its state.
func (f *fixture) questionIndex() (int, string) {
	f.t.Helper()
	var snap struct {
		Stage   int `json:"stage"`
		Quizzes []*struct {
			Index int    `json:"index"`
			Phase string `json:"phase"`
		} `json:"quizzes"`
	}
	f.snapshot(&snap)
	if snap.Stage < 0 || snap.Quizzes[snap.Stage] == nil {
		return -1, ""
	}
	return snap.Quizzes[snap.Stage].Index, snap.Quizzes[snap.Stage].Phase
}

func TestCommandDedupedByClientID(t *testing.T) {
	f := newFixture(t)
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	j, p := f.join("Anna")
	f.command(host, "h1", "start", nil)
	f.command(p, "a1", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	// The same message again on a new socket (the old one died before its
	// ack) is acknowledged as a duplicate, even with another choice in it.
	p2 := &fakeConn{}
	f.room.Attach(p2, j.Token, "en")
	f.sync()
	if r := f.command(p2, "a1", "answer", map[string]any{"question": "q1", "options": []string{"b"}}); r["type"] != "ack" || r["duplicate"] != true {
		t.Fatalf("re-sent answer: %v", r)
	}
	// A host's "next" re-sent after a reconnect must not skip a question.
	f.command(host, "h2", "next", nil)
	f.command(host, "h2", "next", nil)
	if i, ph := f.questionIndex(); i != 0 || ph != "leaderboard" {
		t.Fatalf("after next re-sent: question %d in phase %s, want 0 in leaderboard", i, ph)
	}
	if reps := host.replies("h2"); len(reps) != 2 || reps[0]["duplicate"] == true || reps[1]["duplicate"] != true {
		t.Fatalf("replies to the re-sent next: %v", reps)
	}
	// Another sender may use the same id: ids are per sender.
	_, p3 := f.join("Boris")
	f.command(host, "h3", "next", nil)
	if r := f.command(p3, "a1", "answer", map[string]any{"question": "q2", "options": []string{"b"}}); r["type"] != "ack" || r["duplicate"] == true {
		t.Fatalf("another player's a1: %v", r)
	}
	res, err := f.room.Results(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range res.Players {
		if pr.Name == "Anna" && pr.Correct != 1 {
			t.Fatalf("Anna: %+v, want her first answer counted once", pr)
		}
	}
}

// flaky is a store whose writes fail while down is set.
type flaky struct {
	store.Store
	down   atomic.Bool
	writes atomic.Int64
}

var errDown = errors.New("store down")

func (s *flaky) Append(ctx context.Context, room string, evs []store.Event) error {
	if s.down.Load() {
		return errDown
	}
	s.writes.Add(1)
	return s.Store.Append(ctx, room, evs)
}

func (s *flaky) SaveSnapshot(ctx context.Context, room string, snap store.Snapshot) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.SaveSnapshot(ctx, room, snap)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestStoreDownBuffersThenRefuses: while the store is down the room keeps
// accepting changes up to its buffer bound, then refuses players' changes
// with a clear error and one log line; acks wait; everything is stored once
// the store is back.
func TestStoreDownBuffersThenRefuses(t *testing.T) {
	st := &flaky{Store: store.NewMemory()}
	var logs syncBuffer
	f := newFixtureWith(t, func(c *HubConfig) {
		c.Store = st
		c.MaxBuffered = 3
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	t.Cleanup(func() { st.down.Store(false) }) // runs first: lets the hub shut down after a failure
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	f.sync()
	// The room's first snapshot is saved after its events are: wait for it,
	// so that the writer is idle when the store goes down.
	for i := 0; ; i++ {
		if _, ok, _ := st.LoadSnapshot(context.Background(), f.room.ID()); ok {
			break
		}
		if i == 500 {
			t.Fatal("no snapshot of the new room")
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.sync()
	st.down.Store(true)

	// Joins are accepted into memory, but none returns before it is stored.
	type res struct {
		j   Joined
		err error
	}
	results := make(chan res, 5)
	for _, name := range []string{"A1", "A2", "A3", "A4", "A5"} {
		go func() {
			j, err := f.room.Join(context.Background(), name, "")
			results <- res{j, err}
		}()
	}
	// One batch is in flight with the writer, three wait in the buffer, the
	// fifth is refused.
	var refused res
	select {
	case refused = <-results:
	case <-time.After(10 * time.Second):
		t.Fatal("no join was refused with a full buffer")
	}
	if !errors.Is(refused.err, session.ErrStorage) || session.ErrorCode(refused.err) != "storage_unavailable" {
		t.Fatalf("join past the bound: %v", refused.err)
	}
	if n := strings.Count(logs.String(), "store buffer full"); n != 1 {
		t.Fatalf("%d log lines about the full buffer:\n%s", n, logs.String())
	}
	// The writer reports its failure from its own goroutine: poll.
	for i := 0; ; i++ {
		f.clock.Advance(coalesceDelay)
		f.sync0()
		if v := host.last("view")["data"].(map[string]any); v["storage"] == "unavailable" {
			break
		}
		if i == 500 {
			t.Fatal("host view does not say storage is unavailable")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case r := <-results:
		t.Fatalf("a join returned before it was stored: %+v", r)
	default:
	}

	st.down.Store(false)
	for range 4 {
		select {
		case r := <-results:
			if r.err != nil {
				t.Fatal(r.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("buffered joins not stored after the store came back")
		}
	}
	f.sync()
	f.clock.Advance(coalesceDelay)
	f.sync()
	if v := host.last("view")["data"].(map[string]any); v["storage"] != nil {
		t.Fatalf("host view after the store came back: storage=%v", v["storage"])
	}
	evs, err := st.Events(context.Background(), f.room.ID(), 0)
	if err != nil || len(evs) != 5 { // created + 4 joins
		t.Fatalf("%d events stored (%v), want 5", len(evs), err)
	}
}

// sync0 waits until the room has handled what was posted before, without
// waiting for the store.
func (f *fixture) sync0() {
	f.t.Helper()
	if _, err := call(context.Background(), f.room, func(reply func(struct{}, error)) { reply(struct{}{}, nil) }); err != nil {
		f.t.Fatal(err)
	}
}

// TestSnapshotAheadOfLog: a snapshot newer than the end of the log (the
// log lost its tail) is ignored; the room comes back from the log and takes
// new events instead of failing every append.
func TestSnapshotAheadOfLog(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"Anna", "Boris", "Vera"} {
		f.join(n)
	}
	if err := f.hub.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old := f.hub.deps.store
	evs, _ := old.Events(ctx, f.room.ID(), 0)
	snap, ok, _ := old.LoadSnapshot(ctx, f.room.ID())
	if !ok || snap.Seq != 4 || len(evs) != 4 {
		t.Fatalf("snapshot %d, %d events", snap.Seq, len(evs))
	}
	lost := store.NewMemory()
	if err := lost.Append(ctx, f.room.ID(), evs[:2]); err != nil {
		t.Fatal(err)
	}
	if err := lost.SaveSnapshot(ctx, f.room.ID(), snap); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	hub := NewHub(HubConfig{Store: lost, Clock: f.clock, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer hub.Shutdown(ctx)
	if n, err := hub.Restore(ctx); n != 1 || err != nil {
		t.Fatalf("restore: %d, %v", n, err)
	}
	if !strings.Contains(logs.String(), "snapshot ahead of the event log") {
		t.Errorf("no warning in the log:\n%s", logs.String())
	}
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := hub.Room(f.room.ID()).Join(jctx, "Galina", ""); err != nil {
		t.Fatalf("join after restore: %v", err)
	}
	res, _ := hub.Room(f.room.ID()).Results(ctx)
	if len(res.Players) != 2 { // Anna from the log, and Galina
		t.Fatalf("%d players, want 2", len(res.Players))
	}
}

// TestRoomsExpire: a finished room leaves memory and the store after the
// finished TTL, an idle one after the idle TTL; goleak (TestMain) checks
// that nothing of them is left running.
func TestRoomsExpire(t *testing.T) {
	f := newFixtureWith(t, func(c *HubConfig) {
		c.FinishedTTL = time.Hour
		c.IdleTTL = 3 * time.Hour
	})
	idle, err := f.hub.Create(context.Background(), f.room.st.Config.Scenario, CreateOptions{TeamCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	f.command(host, "e", "end", nil)
	// advance moves the clock a minute at a time until cond holds.
	advance := func(limit time.Duration, cond func() bool) time.Duration {
		var d time.Duration
		for ; d <= limit && !cond(); d += time.Minute {
			f.clock.Advance(time.Minute)
			time.Sleep(2 * time.Millisecond) // the sweep runs on the hub's goroutine
		}
		for range 500 {
			if cond() {
				return d
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("not expired after %v", d)
		return d
	}
	// A room leaves the hub first, then stops (closing its sockets) and is
	// deleted from the store: expired means all three happened.
	stored := func(id string) bool {
		rooms, _ := f.hub.deps.store.Rooms(context.Background())
		return slices.Contains(rooms, id)
	}
	gone := func(id string) func() bool {
		return func() bool { return f.hub.Room(id) == nil && !stored(id) }
	}
	d := advance(2*time.Hour, gone(f.room.ID()))
	if d < time.Hour-time.Minute {
		t.Fatalf("finished room expired after %v, want an hour", d)
	}
	if f.hub.Room(idle.Room.ID()) == nil {
		t.Fatal("the idle room expired with the finished one")
	}
	if host.closedWith() == 0 {
		t.Error("sockets of the expired room left open")
	}
	rooms, _ := f.hub.deps.store.Rooms(context.Background())
	if len(rooms) != 1 || rooms[0] != idle.Room.ID() {
		t.Fatalf("store keeps %v", rooms)
	}
	advance(3*time.Hour, gone(idle.Room.ID()))
	if rooms, _ := f.hub.deps.store.Rooms(context.Background()); len(rooms) != 0 {
		t.Fatalf("store keeps %v", rooms)
	}
}

// snapCounter counts snapshot writes.
type snapCounter struct {
	store.Store
	snaps atomic.Int64
}

func (s *snapCounter) SaveSnapshot(ctx context.Context, room string, snap store.Snapshot) error {
	err := s.Store.SaveSnapshot(ctx, room, snap)
	s.snaps.Add(1)
	return err
}

// waitSnaps waits until n snapshots are written: a snapshot is saved after
// its events, whose acks do not wait for it.
func waitSnaps(t *testing.T, st *snapCounter, n int64) {
	t.Helper()
	for i := 0; i < 500 && st.snaps.Load() < n; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if got := st.snaps.Load(); got != n {
		t.Fatalf("%d snapshots, want %d", got, n)
	}
}

// TestSnapshotsCoalesced: a host clicking through phases as fast as it can
// causes no snapshot while the phases keep changing (a snapshot is encoded
// on the room's goroutine and is kept away from a phase change's frames),
// then one for all of them once the room has been quiet for snapshotQuiet,
// which holds every event.
func TestSnapshotsCoalesced(t *testing.T) {
	st := &snapCounter{Store: store.NewMemory()}
	f := newFixtureWith(t, func(c *HubConfig) { c.Store = st })
	f.clock.Advance(2 * snapshotGap)
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	f.join("Anna")
	waitSnaps(t, st, 1) // the room's first, at its creation
	before := st.snaps.Load()
	for i, typ := range []string{"start", "close", "next", "next", "close", "next"} {
		if r := f.command(host, fmt.Sprint("h", i), typ, nil); r["type"] != "ack" {
			t.Fatalf("%s: %v", typ, r)
		}
	}
	if n := st.snaps.Load() - before; n != 0 {
		t.Fatalf("%d snapshots while the phases changed, want 0", n)
	}
	f.clock.Advance(snapshotQuiet)
	f.sync0()
	waitSnaps(t, st, before+1)
	f.clock.Advance(snapshotQuiet)
	f.sync0()
	if n := st.snaps.Load() - before; n != 1 {
		t.Fatalf("%d snapshots within snapshotGap, want 1", n)
	}
	snap, _, _ := st.LoadSnapshot(context.Background(), f.room.ID())
	evs, _ := st.Events(context.Background(), f.room.ID(), 0)
	if snap.Seq != uint64(len(evs)) {
		t.Fatalf("snapshot at %d of %d events", snap.Seq, len(evs))
	}
}

// TestAckWaitersReleased: once acks are sent, the room keeps no reference to
// their closures, which hold connections: a finished room kept for a day
// must not keep its players' closed sockets in memory.
func TestAckWaitersReleased(t *testing.T) {
	st := &flaky{Store: store.NewMemory()}
	f := newFixtureWith(t, func(c *HubConfig) { c.Store = st })
	t.Cleanup(func() { st.down.Store(false) })
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	f.command(host, "s", "start", nil)
	var joined []Joined
	for i := range 5 {
		j, _ := f.join(fmt.Sprint("P", i))
		joined = append(joined, j)
	}
	// With the store down the acks pile up, then all go out at once.
	st.down.Store(true)
	var collected atomic.Int64
	for _, j := range joined {
		c := &fakeConn{}
		runtime.SetFinalizer(c, func(*fakeConn) { collected.Add(1) })
		f.room.Attach(c, j.Token, "en")
		raw, _ := json.Marshal(map[string]any{"question": "q1", "options": []string{"a"}})
		f.room.Command(c, "a", "answer", raw)
		f.room.Detach(c)
	}
	f.sync0()
	st.down.Store(false)
	f.sync()
	for range 50 {
		if collected.Load() == 5 {
			return
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d of 5 closed connections collected: the room still holds the others", collected.Load())
}

// TestBigSnapshotWaitsForQuiet: in a room of bigRoom players a snapshot,
// long to encode on the room's goroutine, waits until the room has had no
// event for snapshotCalm, so that no host command nor answer waits behind
// it; a phase change alone is not enough, nor is the time since it.
func TestBigSnapshotWaitsForQuiet(t *testing.T) {
	f := newFixture(t)
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	var wg sync.WaitGroup
	players := make([]Joined, bigRoom)
	for w := range 20 {
		wg.Go(func() {
			for i := w; i < bigRoom; i += 20 {
				j, err := f.room.Join(context.Background(), fmt.Sprint("P", i), "")
				if err != nil {
					t.Error(err)
					return
				}
				players[i] = j
			}
		})
	}
	wg.Wait()
	snapSeq := func() uint64 {
		seq, err := call(context.Background(), f.room, func(reply func(uint64, error)) { reply(f.room.journal.snapSeq, nil) })
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}
	f.clock.Advance(2 * snapshotGap) // the joins' own snapshot, if any
	f.sync0()
	before := snapSeq()
	f.clock.Advance(2 * snapshotGap)
	f.sync0()
	f.command(host, "h1", "start", nil)
	phones := make([]*fakeConn, 4)
	for i := range phones {
		phones[i] = &fakeConn{}
		f.room.Attach(phones[i], players[i].Token, "en")
	}
	f.sync()
	// Answers keep coming, each within snapshotCalm of the last: long past
	// snapshotQuiet after the phase change, still no snapshot.
	for i, p := range phones {
		f.clock.Advance(snapshotCalm * 3 / 4)
		f.sync0()
		if got := snapSeq(); got != before {
			t.Fatalf("a snapshot %v after the last event, %v after the phase change", snapshotCalm*3/4, time.Duration(i+1)*snapshotCalm*3/4)
		}
		f.command(p, fmt.Sprint("a", i), "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	}
	f.clock.Advance(snapshotCalm * 3 / 4)
	f.sync0()
	if got := snapSeq(); got != before {
		t.Fatal("a snapshot before the room was quiet")
	}
	// Quiet for snapshotCalm: the snapshot holds every event.
	f.clock.Advance(snapshotCalm / 4)
	f.sync0()
	f.sync0()
	after := snapSeq()
	seq, _ := call(context.Background(), f.room, func(reply func(uint64, error)) { reply(f.room.journal.seq, nil) })
	if after == before || after != seq {
		t.Fatalf("snapshot at %d (before %d), %d events: want one of every event once quiet", after, before, seq)
	}
}
