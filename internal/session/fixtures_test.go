package session

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/store"
)

// fixtureRooms are the rooms of testdata/rooms, written by the room actor
// before this package existed (testdata/rooms/README.md).
var fixtureRooms = []string{"quiz", "game", "board-vote", "board-recommend", "removed"}

// fixture is one room of testdata/rooms.
type fixture struct {
	name   string
	snap   store.Snapshot
	events []store.Event
}

func readJSON(t *testing.T, name, suffix string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rooms", name+"."+suffix+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s.%s: %v", name, suffix, err)
	}
}

func loadFixture(t *testing.T, name string) fixture {
	t.Helper()
	f := fixture{name: name}
	readJSON(t, name, "snapshot", &f.snap)
	readJSON(t, name, "events", &f.events)
	if f.snap.Seq == 0 || f.snap.Seq >= uint64(len(f.events)) {
		t.Fatalf("%s: snapshot at %d of %d events: no tail to replay", name, f.snap.Seq, len(f.events))
	}
	return f
}

// canonical re-encodes JSON with sorted keys and no spaces, so that two
// encodings of the same value compare equal.
func canonical(t *testing.T, v any) string {
	t.Helper()
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(x)
	return string(out)
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRoomsOfEarlierVersions: snapshots and logs written before this
// package existed load into the state that code had live, whether the
// snapshot and its tail are loaded or the whole log is replayed, and a
// snapshot written again is byte for byte the one read.
func TestRoomsOfEarlierVersions(t *testing.T) {
	for _, name := range fixtureRooms {
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, name)
			fromSnap, seq, err := Rebuild(&f.snap, f.events[f.snap.Seq:])
			if err != nil {
				t.Fatalf("snapshot and tail: %v", err)
			}
			if seq != uint64(len(f.events)) {
				t.Fatalf("rebuilt up to %d of %d events", seq, len(f.events))
			}
			fromLog, _, err := Rebuild(nil, f.events)
			if err != nil {
				t.Fatalf("whole log: %v", err)
			}
			var live json.RawMessage
			readJSON(t, name, "state", &live)
			var want bytes.Buffer
			if err := json.Compact(&want, live); err != nil {
				t.Fatal(err)
			}
			if got := mustMarshal(t, fromSnap); string(got) != want.String() {
				t.Errorf("snapshot + tail differs from the live state of then:\nwant %s\ngot  %s", want.String(), got)
			}
			if got := mustMarshal(t, fromLog); string(got) != want.String() {
				t.Errorf("the whole log differs from the live state of then:\nwant %s\ngot  %s", want.String(), got)
			}
			// A room encodes its snapshots with MarshalJSON alone, which must
			// be compact JSON by itself.
			if got, err := fromSnap.MarshalJSON(); err != nil || string(got) != want.String() {
				t.Errorf("MarshalJSON differs from the live state of then (%v):\nwant %s\ngot  %s", err, want.String(), got)
			}
			snapState, err := Decode(f.snap.Data)
			if err != nil {
				t.Fatal(err)
			}
			var snapData bytes.Buffer
			_ = json.Compact(&snapData, f.snap.Data)
			if got := mustMarshal(t, snapState); string(got) != snapData.String() {
				t.Errorf("the snapshot written again differs:\nread    %s\nwritten %s", snapData.String(), got)
			}
		})
	}
}

// TestViewsOfEarlierVersions: the rooms of testdata/rooms show every
// audience what they showed then, and export the same results.
func TestViewsOfEarlierVersions(t *testing.T) {
	for _, name := range fixtureRooms {
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, name)
			s, _, err := Rebuild(&f.snap, f.events[f.snap.Seq:])
			if err != nil {
				t.Fatal(err)
			}
			var then struct {
				Host, Screen json.RawMessage
				Phones       map[string]struct{ State, Me json.RawMessage }
				Online       []string
				Time         int64
			}
			readJSON(t, name, "views", &then)
			pr := Presence{Online: func(id string) bool { return slices.Contains(then.Online, id) }, Base: "http://test"}
			now := time.UnixMilli(then.Time)
			check := func(what string, want json.RawMessage, got any) {
				t.Helper()
				if w, g := canonical(t, []byte(want)), canonical(t, got); w != g {
					t.Errorf("%s differs:\nthen %s\nnow  %s", what, w, g)
				}
			}
			check("host view", then.Host, HostView(s, pr, now))
			check("screen view", then.Screen, ScreenView(s, pr, now))
			if len(then.Phones) == 0 {
				t.Fatal("no phones")
			}
			for id, ph := range then.Phones {
				check("phone state of "+id, ph.State, PhoneView(s, pr, now))
				check("own view of "+id, ph.Me, MeView(s, id, now))
			}
			var res, board json.RawMessage
			readJSON(t, name, "results", &res)
			readJSON(t, name, "board_results", &board)
			check("results", res, s.Results())
			check("board results", board, s.BoardResults())
		})
	}
}
