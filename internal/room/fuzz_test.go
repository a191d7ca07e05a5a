package room

import (
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// FuzzCommand sends two arbitrary commands from an arbitrary role to a room
// whose first question is open, builds every view, and checks that the
// events the room logged replay to exactly the live state.
func FuzzCommand(f *testing.F) {
	seeds := []struct {
		role        uint8
		typ, data   string
		typ2, data2 string
	}{
		{2, "answer", `{"question":"q1","options":["a"]}`, "answer", `{"question":"q1","options":["a"]}`},
		{2, "answer", `{"question":"q1","options":["b","a","a"]}`, "answer", `{"question":"q2","options":["b"]}`},
		{2, "answer", `{"question":"q1","number":1e308}`, "answer", `{"question":"q1","text":"\u202e"}`},
		{0, "close", ``, "next", ``},
		{0, "next", `{}`, "next", `null`},
		{0, "end", ``, "start", ``},
		{0, "kick", `{"player":"p1"}`, "kick", `{"player":"p1"}`},
		{0, "lock", `{"locked":true}`, "lock", `{"locked":"yes"}`},
		{1, "start", ``, "answer", `[]`},
		{2, "next", `{"player":5}`, "answer", `{"question":null}`},
	}
	for _, s := range seeds {
		f.Add(s.role, s.typ, []byte(s.data), s.typ2, []byte(s.data2))
	}
	sc, err := scenario.Parse("t.yaml", []byte(testYAML))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, role uint8, typ string, data []byte, typ2 string, data2 []byte) {
		t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		clock := &fakeClock{now: t0}
		cfg := Config{ID: "room", Code: "123456", Scenario: sc, Teams: []string{"A", "B"}, Lang: "ru"}
		r := newRoom(newState(cfg, t0), 0, hubDeps{store: store.NewMemory(), log: slog.New(slog.DiscardHandler), clock: clock})
		r.jobs = make(chan job, 1<<10) // nobody drains it here
		host, p1, p2 := &fakeConn{}, &fakeConn{}, &fakeConn{}
		r.subs[host] = &sub{role: RoleHost}
		for i, c := range []*fakeConn{p1, p2} {
			id := []string{"p1", "p2"}[i]
			if err := r.commit(evJoined, joinedData{Player: id, Name: id, Team: []string{"t1", "t2"}[i], TokenHash: id}); err != nil {
				t.Fatal(err)
			}
			r.subs[c] = &sub{role: RolePlayer, player: id}
			r.byPlayer[id] = map[Conn]struct{}{c: {}}
		}
		if err := r.commit(evStarted, struct{}{}); err != nil {
			t.Fatal(err)
		}
		from := []*fakeConn{host, {}, p1}[role%3]
		if role%3 == 1 {
			r.subs[from] = &sub{role: RoleScreen}
		}
		r.command(from, "c1", typ, data)
		clock.Advance(time.Second)
		r.command(from, "c2", typ2, data2)
		r.flush() // builds every audience's view
		_ = r.st.results()

		checkReplay(t, r, cfg, t0)
	})
}

// checkReplay applies the room's events, as the store will get them, to a
// fresh state and compares it with the live one: live and replay share
// apply, so they must agree whatever the commands were.
func checkReplay(t *testing.T, r *Room, cfg Config, t0 time.Time) {
	t.Helper()
	live, err := json.Marshal(r.st)
	if err != nil {
		t.Fatal(err)
	}
	replayed := newState(cfg, t0)
	for _, ev := range r.unsent {
		if err := replayed.apply(ev); err != nil && !errors.Is(err, errDuplicate) {
			t.Fatalf("replay %s: %v", ev.Type, err)
		}
	}
	again, _ := json.Marshal(replayed)
	if string(again) != string(live) {
		t.Fatalf("replay differs\nlive:     %s\nreplayed: %s", live, again)
	}
}
