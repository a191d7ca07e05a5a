package room

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(stopRedisAfter{m}) }

// stopRedisAfter stops the redis-server the cluster tests may have started
// once every test has run, before goleak looks for goroutines.
type stopRedisAfter struct{ m *testing.M }

func (s stopRedisAfter) Run() int {
	code := s.m.Run()
	storetest.StopRedis()
	return code
}

// fakeClock runs timers only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	when    time.Time
	f       func()
	stopped bool
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, when: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves time on and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	keep := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.when.After(c.now):
			t.stopped = true
			due = append(due, t.f)
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}

// fakeConn records frames; full makes Send refuse like a full queue.
type fakeConn struct {
	mu     sync.Mutex
	frames []map[string]any
	full   bool
	closed int
}

func (c *fakeConn) Send(b []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.full || c.closed != 0 {
		return false
	}
	var f map[string]any
	if err := json.Unmarshal(b, &f); err != nil {
		panic(err)
	}
	c.frames = append(c.frames, f)
	// A state frame or an ack may carry the phone's own view: it is kept
	// as a "me" frame too, as a page reads it.
	if data, ok := f["data"].(map[string]any); ok && (f["type"] == "state" || f["type"] == "ack") && data["me"] != nil {
		c.frames = append(c.frames, map[string]any{"type": "me", "seq": f["seq"], "data": data["me"]})
	}
	return true
}

func (c *fakeConn) Close(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed == 0 {
		c.closed = code
	}
}

// last returns the latest frame of a type, or nil.
func (c *fakeConn) last(typ string) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.frames) - 1; i >= 0; i-- {
		if c.frames[i]["type"] == typ {
			return c.frames[i]
		}
	}
	return nil
}

func (c *fakeConn) closedWith() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

const testYAML = `
id: t
title: T
language: en
stages:
  - id: s
    kind: quiz
    time_limit: 10s
    questions:
      - {id: q1, type: single, text: Q1, options: [{text: A, correct: true}, {text: B}]}
      - {id: q2, type: single, text: Q2, options: [{text: A}, {text: B, correct: true}]}
`

type fixture struct {
	t     *testing.T
	clock *fakeClock
	hub   *Hub
	room  *Room
	c     *Created
}

func newFixture(t *testing.T) *fixture { return newFixtureWith(t, nil) }

// newFixtureWith is newFixture with changes to the hub's configuration.
func newFixtureWith(t *testing.T, change func(*HubConfig)) *fixture {
	return newFixtureFor(t, testYAML, 2, change)
}

// newFixtureFor starts a room of the scenario src with teams teams.
func newFixtureFor(t *testing.T, src string, teams int, change func(*HubConfig)) *fixture {
	sc, err := scenario.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	cfg := HubConfig{Store: store.NewMemory(), Clock: clock, PublicURL: "http://test"}
	if change != nil {
		change(&cfg)
	}
	hub := NewHub(cfg)
	t.Cleanup(func() {
		if err := hub.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	c, err := hub.Create(context.Background(), sc, CreateOptions{TeamCount: teams})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, clock: clock, hub: hub, room: c.Room, c: c}
}

// sync waits until the room has handled everything posted before.
func (f *fixture) sync() {
	f.t.Helper()
	if _, err := call(context.Background(), f.room, func(reply func(struct{}, error)) {
		f.room.journal.afterDurable(func() { reply(struct{}{}, nil) })
	}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) join(name string) (Joined, *fakeConn) {
	f.t.Helper()
	j, err := f.room.Join(context.Background(), name, "")
	if err != nil {
		f.t.Fatal(err)
	}
	c := &fakeConn{}
	f.room.Attach(c, j.Token, "en")
	f.sync()
	return j, c
}

func (f *fixture) command(c *fakeConn, id, typ string, data any) map[string]any {
	f.t.Helper()
	raw, _ := json.Marshal(data)
	f.room.Command(c, id, typ, raw)
	f.sync()
	f.sync() // acks wait for the writer: one more round trip
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, fr := range c.frames {
		if fr["id"] == id {
			return fr
		}
	}
	f.t.Fatalf("no reply to %s", id)
	return nil
}

func phase(c *fakeConn, typ string) string {
	f := c.last(typ)
	if f == nil {
		return ""
	}
	return f["data"].(map[string]any)["phase"].(string)
}

func TestQuestionClosesOnTime(t *testing.T) {
	f := newFixture(t)
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	_, p1 := f.join("Anna")
	_, p2 := f.join("Boris")
	if r := f.command(host, "h1", "start", nil); r["type"] != "ack" {
		t.Fatalf("start: %v", r)
	}
	if r := f.command(p1, "a1", "answer", map[string]any{"question": "q1", "options": []string{"a"}}); r["type"] != "ack" {
		t.Fatalf("answer: %v", r)
	}
	f.clock.Advance(9 * time.Second)
	f.sync()
	if got := phase(p2, "state"); got != "question" {
		t.Fatalf("phase before the deadline = %q", got)
	}
	f.clock.Advance(time.Second) // the deadline
	f.sync()
	if got := phase(p2, "state"); got != "reveal" {
		t.Fatalf("phase after the deadline = %q", got)
	}
	reveal := p2.last("state")["data"].(map[string]any)["reveal"].(map[string]any)
	if reveal["closed_by"] != "time" {
		t.Fatalf("closed_by = %v", reveal["closed_by"])
	}
	if r := f.command(p2, "a2", "answer", map[string]any{"question": "q1", "options": []string{"a"}}); r["code"] != "question_closed" {
		t.Fatalf("late answer: %v", r)
	}
	me := p1.last("me")["data"].(map[string]any)["result"].(map[string]any)
	if me["points"].(float64) != 1000 || me["correct"] != true { // answered at 0 s of 10 s
		t.Fatalf("result = %v", me)
	}
}

func TestRolesAndErrors(t *testing.T) {
	f := newFixture(t)
	host, screen := &fakeConn{}, &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	f.room.Attach(screen, f.c.ScreenToken, "ru")
	_, p := f.join("Anna")
	tests := []struct {
		conn *fakeConn
		typ  string
		data any
		code string
	}{
		{p, "start", nil, "forbidden"},
		{screen, "next", nil, "forbidden"},
		{host, "answer", map[string]any{"question": "q1", "options": []string{"a"}}, "forbidden"},
		{p, "answer", map[string]any{"question": "q1", "options": []string{"a"}}, "wrong_phase"},
		{host, "next", nil, "wrong_phase"},
		{host, "fly", nil, "bad_request"},
		{host, "kick", map[string]any{"player": "nobody"}, "not_found"},
	}
	for i, tt := range tests {
		r := f.command(tt.conn, string(rune('a'+i)), tt.typ, tt.data)
		if r["type"] != "error" || r["code"] != tt.code || r["message"] == "" {
			t.Errorf("%s: %v, want %s", tt.typ, r, tt.code)
		}
	}
	bad := &fakeConn{}
	f.room.Attach(bad, "not-a-token", "en")
	f.sync()
	if bad.closedWith() != session.StatusPolicy || bad.last("error")["code"] != "unauthorized" {
		t.Fatalf("unknown token: closed %d, %v", bad.closedWith(), bad.last("error"))
	}
	// The screen never sees the correct answer while a question is open; the host does.
	f.command(host, "s", "start", nil)
	f.clock.Advance(coalesceDelay)
	f.sync()
	hv := host.last("view")["data"].(map[string]any)
	sv := screen.last("view")["data"].(map[string]any)
	if _, ok := sv["host"]; ok {
		t.Fatal("screen view has the host section")
	}
	if c := hv["host"].(map[string]any)["correct"].([]any); len(c) != 1 || c[0] != "a" {
		t.Fatalf("host correct = %v", c)
	}
}

func TestKickAndSlowConnection(t *testing.T) {
	f := newFixture(t)
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	anna, annaConn := f.join("Anna")
	_, boris := f.join("Boris")
	f.command(host, "h1", "start", nil)
	f.command(boris, "b1", "answer", map[string]any{"question": "q1", "options": []string{"b"}})
	// Kicking the only player who has not answered closes the question.
	if r := f.command(host, "h2", "kick", map[string]any{"player": anna.Player}); r["type"] != "ack" {
		t.Fatalf("kick: %v", r)
	}
	if annaConn.last("kicked") == nil || annaConn.closedWith() != session.StatusPolicy {
		t.Fatal("kicked phone not told and closed")
	}
	if got := phase(boris, "state"); got != "reveal" {
		t.Fatalf("after kick phase = %q", got)
	}
	// A kicked token no longer opens the room.
	again := &fakeConn{}
	f.room.Attach(again, anna.Token, "en")
	f.sync()
	if again.closedWith() != session.StatusPolicy {
		t.Fatal("kicked token accepted")
	}
	// A phone that stops reading is dropped; the room goes on for the others.
	boris.mu.Lock()
	boris.full = true
	boris.mu.Unlock()
	f.command(host, "h3", "next", nil) // the leaderboard: nothing for the phones
	f.command(host, "h4", "next", nil) // the next question
	if boris.closedWith() != session.StatusPolicy {
		t.Fatal("slow phone not dropped")
	}
	if r := f.command(host, "h5", "close", nil); r["type"] != "ack" {
		t.Fatalf("room stuck after a slow phone: %v", r)
	}
}

// TestReplayEqualsLive: what a restart rebuilds from the store (snapshot plus
// the events after it) is exactly the live state, at every point where the
// room has acknowledged what it accepted.
// assertReplayEqualsLive rebuilds the room from its store and compares it
// with the live state once everything accepted so far is stored.
func (f *fixture) assertReplayEqualsLive(when string) {
	f.t.Helper()
	live, err := call(context.Background(), f.room, func(reply func([]byte, error)) {
		f.room.journal.afterDurable(func() { reply(json.Marshal(f.room.st)) })
	})
	if err != nil {
		f.t.Fatal(err)
	}
	l, err := load(context.Background(), f.hub.deps.store, f.room.ID(), f.hub.deps.log)
	st, seq := l.st, l.seq
	if err != nil {
		f.t.Fatalf("%s: load: %v", when, err)
	}
	replayed, _ := json.Marshal(st)
	if string(replayed) != string(live) {
		f.t.Fatalf("%s: replayed state differs from the live one (seq %d)\nlive:     %s\nreplayed: %s", when, seq, live, replayed)
	}
}

func TestReplayEqualsLive(t *testing.T) {
	f := newFixture(t)
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	anna, a := f.join("Anna")
	_, b := f.join("Boris")
	_, v := f.join("Vera")
	check := f.assertReplayEqualsLive
	check("lobby")
	f.command(host, "h1", "start", nil)
	f.clock.Advance(2 * time.Second)
	f.command(a, "a1", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	f.clock.Advance(3 * time.Second)
	f.command(b, "b1", "answer", map[string]any{"question": "q1", "options": []string{"b"}})
	check("mid-question")
	f.command(host, "h2", "kick", map[string]any{"player": anna.Player})
	f.command(v, "v1", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	check("closed by everyone answering")
	f.command(host, "h3", "next", nil)
	f.command(host, "h4", "next", nil)
	f.clock.Advance(10 * time.Second) // q2 times out
	f.sync()
	check("closed on time")
	f.command(host, "h5", "end", nil)
	check("finished")
}

// countingStore counts appends.
type countingStore struct {
	store.Store
	mu        sync.Mutex
	appends   []int // events per append
	snapshots int
}

func (s *countingStore) Append(ctx context.Context, room string, events []store.Event) error {
	s.mu.Lock()
	s.appends = append(s.appends, len(events))
	s.mu.Unlock()
	return s.Store.Append(ctx, room, events)
}

func (s *countingStore) SaveSnapshot(ctx context.Context, room string, snap store.Snapshot) error {
	s.mu.Lock()
	s.snapshots++
	s.mu.Unlock()
	return s.Store.SaveSnapshot(ctx, room, snap)
}

func (s *countingStore) snaps() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshots
}

func (s *countingStore) batches() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.appends)
}

// TestWriteEvery: events accepted within WriteEvery of the last write are
// stored together once it has passed, and acked only then.
func TestWriteEvery(t *testing.T) {
	sc, err := scenario.Parse("t.yaml", []byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	cs := &countingStore{Store: store.NewMemory()}
	hub := NewHub(HubConfig{Store: cs, Clock: clock, WriteEvery: 100 * time.Millisecond})
	defer hub.Shutdown(context.Background())
	c, err := hub.Create(context.Background(), sc, CreateOptions{TeamCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Room
	roundTrip := func() {
		t.Helper()
		if _, err := call(context.Background(), r, func(reply func(struct{}, error)) { reply(struct{}{}, nil) }); err != nil {
			t.Fatal(err)
		}
	}
	host := &fakeConn{}
	r.Attach(host, c.HostToken, "en")
	r.Command(host, "h1", "lock", json.RawMessage(`{"locked":true}`))
	r.Command(host, "h2", "lock", json.RawMessage(`{"locked":false}`))
	roundTrip()
	roundTrip()
	if got := cs.batches(); !slices.Equal(got, []int{1}) {
		t.Fatalf("before WriteEvery passed: appends %v, want only the room's creation", got)
	}
	if host.last("ack") != nil {
		t.Fatal("acked before the events were stored")
	}
	clock.Advance(100 * time.Millisecond)
	// the writer stores and reports back on its own goroutine
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		roundTrip()
		if a := host.last("ack"); a != nil && a["id"] == "h2" {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("no ack for h2 after WriteEvery; appends %v", cs.batches())
		}
	}
	if got := cs.batches(); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("after WriteEvery: appends %v, want [1 2]", got)
	}
}

// TestSnapshotGap: phase changes within snapshotGap of the last snapshot do
// not each write one; the next write after the gap does.
func TestSnapshotGap(t *testing.T) {
	sc, err := scenario.Parse("t.yaml", []byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	cs := &countingStore{Store: store.NewMemory()}
	hub := NewHub(HubConfig{Store: cs, Clock: clock})
	defer hub.Shutdown(context.Background())
	c, err := hub.Create(context.Background(), sc, CreateOptions{TeamCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, clock: clock, hub: hub, room: c.Room, c: c}
	host := &fakeConn{}
	c.Room.Attach(host, c.HostToken, "en")
	waitFor := func(n int) int {
		for i := 0; i < 500 && cs.snaps() < n; i++ {
			time.Sleep(10 * time.Millisecond) // a snapshot is saved after the acks of its events
		}
		return cs.snaps()
	}
	if n := waitFor(1); n != 1 {
		t.Fatalf("after creation: %d snapshots, want 1", n)
	}
	f.command(host, "h1", "start", nil) // a phase change
	f.command(host, "h2", "close", nil) // another
	clock.Advance(snapshotQuiet)
	f.command(host, "h3", "lock", nil) // not a phase change
	if n := cs.snaps(); n != 1 {
		t.Fatalf("phase changes within the gap: %d snapshots, want still 1", n)
	}
	clock.Advance(snapshotGap)
	f.command(host, "h4", "next", nil)
	clock.Advance(snapshotQuiet)
	f.command(host, "h5", "unlock", nil)
	if n := waitFor(2); n != 2 {
		t.Fatalf("after the gap: %d snapshots, want 2", n)
	}
}
