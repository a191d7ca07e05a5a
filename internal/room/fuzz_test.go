package room

import (
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
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
		{2, "answer", `{"question":"q1","options":[]}`, "answer", `{"question":"q1","options":["a"],"text":""}`},
	}
	for _, s := range seeds {
		f.Add(s.role, s.typ, []byte(s.data), s.typ2, []byte(s.data2))
	}
	sc, err := scenario.Parse("t.yaml", []byte(testYAML))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, role uint8, typ string, data []byte, typ2 string, data2 []byte) {
		b := newBareRoom(t, sc, []string{"t1", "t2"}, nil)
		b.exec(session.RoleHost, "", "start", nil)
		from := []*fakeConn{b.host, b.screen, b.p1}[role%3]
		b.r.command(from, "c1", typ, data)
		b.clock.Advance(time.Second)
		b.r.command(from, "c2", typ2, data2)
		b.r.flush() // builds every audience's view
		_ = b.r.st.Results()

		b.checkReplay(t)
	})
}

// bareRoom is a room run without its goroutine and store, for the fuzz
// targets to call its methods directly: a host, a screen and two players,
// p1 and p2, with their sockets.
type bareRoom struct {
	r            *Room
	clock        *fakeClock
	cfg          session.Config
	t0           time.Time
	host, screen *fakeConn
	p1, p2       *fakeConn
}

// newBareRoom makes a bare room of the scenario, its players in the teams
// given and the sectors given (nil: none told).
func newBareRoom(t *testing.T, sc *scenario.Scenario, teams, sectors []string) *bareRoom {
	t.Helper()
	b := &bareRoom{clock: &fakeClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
		host: &fakeConn{}, screen: &fakeConn{}, p1: &fakeConn{}, p2: &fakeConn{}}
	b.t0 = b.clock.now
	b.cfg = session.Config{ID: "room", Code: "123456", Scenario: sc, Teams: []string{"A", "B"}, Lang: "ru"}
	st, _, err := session.Create(b.cfg, 1, b.t0)
	if err != nil {
		t.Fatal(err)
	}
	b.r = newRoom(st, 0, hubDeps{store: store.NewMemory(), log: slog.New(slog.DiscardHandler), clock: b.clock})
	b.r.journal.jobs = make(chan job, 1<<10) // nobody drains it here
	b.r.subs.conns[b.host] = &sub{role: session.RoleHost}
	b.r.subs.conns[b.screen] = &sub{role: session.RoleScreen}
	for i, c := range []*fakeConn{b.p1, b.p2} {
		id, sector := []string{"p1", "p2"}[i], ""
		if sectors != nil {
			sector = sectors[i]
		}
		tx := b.r.begin()
		if _, err := b.r.st.Join(tx, session.Joining{ID: id, Name: id, Team: teams[i], Sector: sector, TokenHash: id}, 10); b.r.end(tx, err) != nil {
			t.Fatal(err)
		}
		b.r.subs.conns[c] = &sub{role: session.RolePlayer, player: id}
		b.r.subs.byPlayer[id] = map[Conn]struct{}{c: {}}
	}
	return b
}

// exec runs a command as a role, or as a player, outside the checks of the
// room's own command path; its error is returned.
func (b *bareRoom) exec(role session.Role, player, typ string, data any) error {
	raw, _ := json.Marshal(data)
	tx := b.r.begin()
	return b.r.end(tx, b.r.st.Exec(tx, session.Actor{Role: role, Player: player}, typ, raw))
}

// checkReplay applies the room's events, as the store will get them, to a
// fresh state and compares it with the live one: live and replay share
// apply, so they must agree whatever the commands were.
func (b *bareRoom) checkReplay(t *testing.T) {
	t.Helper()
	live, err := json.Marshal(b.r.st)
	if err != nil {
		t.Fatal(err)
	}
	replayed, _, _ := session.Create(b.cfg, 1, b.t0)
	for _, ev := range b.r.journal.unsent {
		if err := replayed.Apply(ev); err != nil && !errors.Is(err, session.ErrDuplicate) {
			t.Fatalf("replay %s: %v", ev.Type, err)
		}
	}
	again, _ := json.Marshal(replayed)
	if string(again) != string(live) {
		t.Fatalf("replay differs\nlive:     %s\nreplayed: %s", live, again)
	}
}
