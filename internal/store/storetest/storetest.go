// Package storetest is the conformance suite that every store.Store passes,
// and helpers for tests in other packages that need a real Redis.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/store"
)

// Run runs the conformance suite against the stores made by open. Each
// subtest calls open once and expects a new, empty store; Run closes it when
// the subtest ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"AppendAndRead", testAppendAndRead},
		{"EventsAfter", testEventsAfter},
		{"EmptyBatch", testEmptyBatch},
		{"BatchAtomic", testBatchAtomic},
		{"GapRefused", testGapRefused},
		{"Snapshot", testSnapshot},
		{"Rooms", testRooms},
		{"Delete", testDelete},
		{"RoomsIsolated", testRoomsIsolated},
		{"ConcurrentRooms", testConcurrentRooms},
		{"ConcurrentWriters", testConcurrentWriters},
		{"JSONRoundTrip", testJSONRoundTrip},
		{"BuffersNotRetained", testBuffersNotRetained},
		{"TimeRoundTrip", testTimeRoundTrip},
		{"CloseTwice", testCloseTwice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, s)
		})
	}
}

var base = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

// seqs returns events with seqs from..to, each with distinct time, type and data.
func seqs(from, to uint64) []store.Event {
	var out []store.Event
	for seq := from; seq <= to; seq++ {
		out = append(out, store.Event{
			Seq:  seq,
			At:   base.Add(time.Duration(seq) * time.Second),
			Type: fmt.Sprintf("type%d", seq%3),
			Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, seq)),
		})
		if seq%2 == 0 {
			out[len(out)-1].Cmd = fmt.Sprintf("player\x00p%d\x00c%d", seq, seq)
		}
	}
	return out
}

func mustAppend(t *testing.T, s store.Store, room string, events []store.Event) {
	t.Helper()
	if err := s.Append(context.Background(), room, events); err != nil {
		t.Fatalf("Append(%q, %d events): %v", room, len(events), err)
	}
}

func mustEvents(t *testing.T, s store.Store, room string, after uint64) []store.Event {
	t.Helper()
	events, err := s.Events(context.Background(), room, after)
	if err != nil {
		t.Fatalf("Events(%q, %d): %v", room, after, err)
	}
	return events
}

func mustRooms(t *testing.T, s store.Store) []string {
	t.Helper()
	rooms, err := s.Rooms(context.Background())
	if err != nil {
		t.Fatalf("Rooms: %v", err)
	}
	slices.Sort(rooms)
	return rooms
}

func mustLoad(t *testing.T, s store.Store, room string) (store.Snapshot, bool) {
	t.Helper()
	snap, ok, err := s.LoadSnapshot(context.Background(), room)
	if err != nil {
		t.Fatalf("LoadSnapshot(%q): %v", room, err)
	}
	return snap, ok
}

func mustSave(t *testing.T, s store.Store, room string, snap store.Snapshot) {
	t.Helper()
	if err := s.SaveSnapshot(context.Background(), room, snap); err != nil {
		t.Fatalf("SaveSnapshot(%q): %v", room, err)
	}
}

func equalEvent(a, b store.Event) bool {
	return a.Seq == b.Seq && a.At.Equal(b.At) && a.Type == b.Type && bytes.Equal(a.Data, b.Data) && a.Cmd == b.Cmd
}

func checkEvents(t *testing.T, what string, got, want []store.Event) {
	t.Helper()
	if !slices.EqualFunc(got, want, equalEvent) {
		t.Errorf("%s:\n got %s\nwant %s", what, describe(got), describe(want))
	}
}

func checkSnapshot(t *testing.T, got, want store.Snapshot) {
	t.Helper()
	if got.Seq != want.Seq || !got.At.Equal(want.At) || !bytes.Equal(got.Data, want.Data) {
		t.Errorf("snapshot: got {%d %v %s}, want {%d %v %s}", got.Seq, got.At, got.Data, want.Seq, want.At, want.Data)
	}
}

func describe(events []store.Event) string {
	var b bytes.Buffer
	for _, e := range events {
		fmt.Fprintf(&b, "{%d %s %s %s %q} ", e.Seq, e.At.Format(time.RFC3339Nano), e.Type, e.Data, e.Cmd)
	}
	return fmt.Sprintf("%d events: %s", len(events), b.String())
}

func wantErrSeq(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, store.ErrSeq) {
		t.Errorf("%s: got error %v, want ErrSeq", what, err)
	}
}

func testAppendAndRead(t *testing.T, s store.Store) {
	all := seqs(1, 6)
	mustAppend(t, s, "r", all[0:3])
	mustAppend(t, s, "r", all[3:4])
	mustAppend(t, s, "r", all[4:6])
	checkEvents(t, "Events(0)", mustEvents(t, s, "r", 0), all)
}

func testEventsAfter(t *testing.T, s store.Store) {
	all := seqs(1, 5)
	mustAppend(t, s, "r", all)
	for _, tt := range []struct {
		after uint64
		want  []store.Event
	}{
		{0, all},
		{1, all[1:]},
		{4, all[4:]},
		{5, nil},
		{100, nil},
	} {
		checkEvents(t, fmt.Sprintf("Events(after %d)", tt.after), mustEvents(t, s, "r", tt.after), tt.want)
	}
	checkEvents(t, "Events of unknown room", mustEvents(t, s, "nobody", 0), nil)
}

func testEmptyBatch(t *testing.T, s store.Store) {
	mustAppend(t, s, "r", nil)
	if rooms := mustRooms(t, s); len(rooms) != 0 {
		t.Errorf("Rooms after empty Append = %q, want none", rooms)
	}
}

func testBatchAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	wantErrSeq(t, s.Append(ctx, "new", seqs(2, 4)), "first batch starting at 2")
	wantErrSeq(t, s.Append(ctx, "new", seqs(0, 2)), "first batch starting at 0")
	if rooms := mustRooms(t, s); len(rooms) != 0 {
		t.Errorf("Rooms after refused batches = %q, want none", rooms)
	}

	mustAppend(t, s, "r", seqs(1, 3))
	wantErrSeq(t, s.Append(ctx, "r", seqs(3, 5)), "batch repeating seq 3")
	wantErrSeq(t, s.Append(ctx, "r", seqs(5, 6)), "batch starting at 5")
	broken := seqs(4, 6)
	broken[2].Seq = 7
	wantErrSeq(t, s.Append(ctx, "r", broken), "batch 4, 5, 7")
	checkEvents(t, "Events after refused batches", mustEvents(t, s, "r", 0), seqs(1, 3))

	mustAppend(t, s, "r", seqs(4, 6))
	checkEvents(t, "Events after good batch", mustEvents(t, s, "r", 0), seqs(1, 6))
}

func testGapRefused(t *testing.T, s store.Store) {
	mustAppend(t, s, "r", seqs(1, 1))
	wantErrSeq(t, s.Append(context.Background(), "r", seqs(3, 3)), "seq 3 after 1")
	checkEvents(t, "Events", mustEvents(t, s, "r", 0), seqs(1, 1))
}

func testSnapshot(t *testing.T, s store.Store) {
	if _, ok := mustLoad(t, s, "r"); ok {
		t.Fatal("LoadSnapshot of unknown room: ok = true")
	}
	mustAppend(t, s, "r", seqs(1, 7))
	first := store.Snapshot{Seq: 3, At: base, Data: json.RawMessage(`{"phase":"lobby"}`)}
	mustSave(t, s, "r", first)
	got, ok := mustLoad(t, s, "r")
	if !ok {
		t.Fatal("LoadSnapshot after save: ok = false")
	}
	checkSnapshot(t, got, first)

	second := store.Snapshot{Seq: 7, At: base.Add(time.Minute), Data: json.RawMessage(`{"phase":"question","n":2}`)}
	mustSave(t, s, "r", second)
	got, _ = mustLoad(t, s, "r")
	checkSnapshot(t, got, second)
	checkEvents(t, "Events after snapshots", mustEvents(t, s, "r", 0), seqs(1, 7))
}

func testRooms(t *testing.T, s store.Store) {
	if rooms := mustRooms(t, s); len(rooms) != 0 {
		t.Errorf("Rooms of empty store = %q", rooms)
	}
	mustAppend(t, s, "with-events", seqs(1, 2))
	mustSave(t, s, "with-snapshot", store.Snapshot{Seq: 0, At: base, Data: json.RawMessage(`{}`)})
	mustAppend(t, s, "both", seqs(1, 1))
	mustSave(t, s, "both", store.Snapshot{Seq: 1, At: base, Data: json.RawMessage(`{}`)})
	want := []string{"both", "with-events", "with-snapshot"}
	if rooms := mustRooms(t, s); !slices.Equal(rooms, want) {
		t.Errorf("Rooms = %q, want %q", rooms, want)
	}
}

func testDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustAppend(t, s, "gone", seqs(1, 3))
	mustSave(t, s, "gone", store.Snapshot{Seq: 3, At: base, Data: json.RawMessage(`{}`)})
	mustAppend(t, s, "kept", seqs(1, 2))
	if err := s.Delete(ctx, "gone"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	checkEvents(t, "Events of deleted room", mustEvents(t, s, "gone", 0), nil)
	if _, ok := mustLoad(t, s, "gone"); ok {
		t.Error("LoadSnapshot of deleted room: ok = true")
	}
	if rooms := mustRooms(t, s); !slices.Equal(rooms, []string{"kept"}) {
		t.Errorf("Rooms after Delete = %q, want [kept]", rooms)
	}
	checkEvents(t, "Events of other room", mustEvents(t, s, "kept", 0), seqs(1, 2))

	// A deleted room starts over at seq 1.
	mustAppend(t, s, "gone", seqs(1, 1))
	checkEvents(t, "Events of recreated room", mustEvents(t, s, "gone", 0), seqs(1, 1))
	if err := s.Delete(ctx, "never-existed"); err != nil {
		t.Errorf("Delete of unknown room: %v", err)
	}
}

func testRoomsIsolated(t *testing.T, s store.Store) {
	// Names chosen to catch key schemes that concatenate without care.
	rooms := []string{"a", "a:b", "ab", "a:events", "room:a", "Ф-1"}
	for i, room := range rooms {
		mustAppend(t, s, room, seqs(1, uint64(i+1)))
		mustSave(t, s, room, store.Snapshot{Seq: uint64(i + 1), At: base, Data: json.RawMessage(fmt.Sprintf(`{"room":%q}`, room))})
	}
	for i, room := range rooms {
		checkEvents(t, "Events of "+room, mustEvents(t, s, room, 0), seqs(1, uint64(i+1)))
		got, _ := mustLoad(t, s, room)
		checkSnapshot(t, got, store.Snapshot{Seq: uint64(i + 1), At: base, Data: json.RawMessage(fmt.Sprintf(`{"room":%q}`, room))})
	}
	want := slices.Sorted(slices.Values(rooms))
	if got := mustRooms(t, s); !slices.Equal(got, want) {
		t.Errorf("Rooms = %q, want %q", got, want)
	}
}

func testConcurrentRooms(t *testing.T, s store.Store) {
	const rooms, batches = 16, 20
	ctx := context.Background()
	size := func(batch int) uint64 { return uint64(batch%3 + 1) }
	var total uint64
	for b := range batches {
		total += size(b)
	}
	var wg sync.WaitGroup
	for r := range rooms {
		wg.Go(func() {
			room := fmt.Sprintf("room%d", r)
			var last uint64
			for b := range batches {
				n := size(b)
				if err := s.Append(ctx, room, seqs(last+1, last+n)); err != nil {
					t.Errorf("Append(%q): %v", room, err)
					return
				}
				last += n
				if _, err := s.Events(ctx, room, last-1); err != nil {
					t.Errorf("Events(%q): %v", room, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for r := range rooms {
		room := fmt.Sprintf("room%d", r)
		checkEvents(t, "Events of "+room, mustEvents(t, s, room, 0), seqs(1, total))
	}
	if got := mustRooms(t, s); len(got) != rooms {
		t.Errorf("Rooms = %d rooms, want %d", len(got), rooms)
	}
}

// testConcurrentWriters races writers for the same seq: exactly one wins.
func testConcurrentWriters(t *testing.T, s store.Store) {
	const writers = 8
	ctx := context.Background()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for w := range writers {
		wg.Go(func() {
			e := seqs(1, 1)
			e[0].Type = fmt.Sprintf("writer%d", w)
			err := s.Append(ctx, "shared", e)
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case !errors.Is(err, store.ErrSeq):
				t.Errorf("writer %d: got %v, want nil or ErrSeq", w, err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d writers stored seq 1, want exactly 1", wins)
	}
	if got := mustEvents(t, s, "shared", 0); len(got) != 1 {
		t.Errorf("Events = %s, want one", describe(got))
	}
}

func testJSONRoundTrip(t *testing.T, s store.Store) {
	// Stores keep data byte for byte: no compacting, no re-escaping.
	datas := []json.RawMessage{
		json.RawMessage(`{"b": [1, 2],  "a":"<é> & \u00e9"}`),
		json.RawMessage("{\n  \"multi\": \"line\"\n}\n"),
		json.RawMessage(`"Привет, 世界 🎉"`),
		json.RawMessage(`[]`),
		json.RawMessage(`null`),
		json.RawMessage(`-1.5e300`),
		nil,
	}
	var events []store.Event
	for i, d := range datas {
		events = append(events, store.Event{Seq: uint64(i + 1), At: base, Type: "t", Data: d})
	}
	mustAppend(t, s, "r", events)
	checkEvents(t, "Events", mustEvents(t, s, "r", 0), events)
	for _, d := range datas {
		snap := store.Snapshot{Seq: 1, At: base, Data: d}
		mustSave(t, s, "r", snap)
		got, _ := mustLoad(t, s, "r")
		checkSnapshot(t, got, snap)
	}
}

func testBuffersNotRetained(t *testing.T, s store.Store) {
	data := []byte(`{"v":1}`)
	mustAppend(t, s, "r", []store.Event{{Seq: 1, At: base, Type: "t", Data: data}})
	mustSave(t, s, "r", store.Snapshot{Seq: 1, At: base, Data: data})
	copy(data, `{"v":2}`)
	got := mustEvents(t, s, "r", 0)
	checkEvents(t, "Events after caller reused its buffer", got, []store.Event{{Seq: 1, At: base, Type: "t", Data: json.RawMessage(`{"v":1}`)}})
	copy(got[0].Data, `{"v":3}`)
	checkEvents(t, "Events after caller changed a result", mustEvents(t, s, "r", 0), []store.Event{{Seq: 1, At: base, Type: "t", Data: json.RawMessage(`{"v":1}`)}})
	snap, _ := mustLoad(t, s, "r")
	checkSnapshot(t, snap, store.Snapshot{Seq: 1, At: base, Data: json.RawMessage(`{"v":1}`)})
}

func testTimeRoundTrip(t *testing.T, s store.Store) {
	times := []time.Time{
		base,
		time.Date(2025, 12, 31, 23, 59, 59, 999999999, time.FixedZone("MSK", 3*60*60)),
		time.Date(1999, 1, 1, 0, 0, 0, 1, time.FixedZone("", -(9*60*60+30*60))),
		time.Now(), // has a monotonic reading and the local zone
		{},
	}
	var events []store.Event
	for i, at := range times {
		events = append(events, store.Event{Seq: uint64(i + 1), At: at, Type: "t"})
	}
	mustAppend(t, s, "r", events)
	checkEvents(t, "Events", mustEvents(t, s, "r", 0), events)
	for _, at := range times {
		snap := store.Snapshot{Seq: 1, At: at, Data: json.RawMessage(`{}`)}
		mustSave(t, s, "r", snap)
		got, _ := mustLoad(t, s, "r")
		checkSnapshot(t, got, snap)
	}
}

func testCloseTwice(t *testing.T, s store.Store) {
	mustAppend(t, s, "r", seqs(1, 1))
	if err := s.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
