package room

import (
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
)

// FuzzGame sends three arbitrary commands from arbitrary roles to a room
// playing a game, lets time pass between them so that deadlines fire,
// builds every view, and checks that the events the room logged replay to
// exactly the live state.
func FuzzGame(f *testing.F) {
	seeds := []struct {
		roles               uint8
		typ1, typ2, typ3    string
		data1, data2, data3 string
		wait                uint8
	}{
		{0b100110, "game.pick", "game.confirm", "next", `{"node":"a","choice":"act","why":"потому что"}`, `{"node":"a"}`, ``, 10},
		{0b000000, "game.pause", "game.extend", "game.pause", `{"paused":true}`, `{"seconds":60}`, `{"paused":false}`, 40},
		{0b101010, "game.pick", "game.pick", "game.captain", `{"node":"a","choice":"wait"}`, `{"node":"b","choice":"done"}`, `{"team":"t1","player":"p2"}`, 31},
		{0b000000, "game.inject", "next", "next", `{"event":"press"}`, ``, ``, 5},
		{0b111111, "game.pick", "game.extend", "game.inject", `{"node":"a","choice":"nope"}`, `{"seconds":-5}`, `[]`, 200},
		{0b000000, "game.captain", "game.extend", "end", `{"team":"t2","player":"p1"}`, `{"seconds":99999}`, ``, 0},
	}
	for _, s := range seeds {
		f.Add(s.roles, s.typ1, []byte(s.data1), s.typ2, []byte(s.data2), s.typ3, []byte(s.data3), s.wait)
	}
	src := gameYAML + "    events:\n      - {id: press, title: Press, effects: {trust: -5}}\n"
	sc, err := scenario.Parse("g.yaml", []byte(src))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, roles uint8, typ1 string, data1 []byte, typ2 string, data2 []byte, typ3 string, data3 []byte, wait uint8) {
		b := newBareRoom(t, sc, []string{"t1", "t1"}, nil)
		if err := b.exec(session.RoleHost, "", "start", nil); err != nil {
			t.Fatal(err)
		}
		r, clock := b.r, b.clock
		host, screen, p1, p2 := b.host, b.screen, b.p1, b.p2
		// drain runs what the timers posted, as the room's loop would.
		drain := func() {
			for {
				select {
				case fn := <-r.inbox:
					fn()
					r.armTimer()
				default:
					return
				}
			}
		}
		conns := []*fakeConn{host, screen, p1, p2}
		cmds := []struct {
			typ  string
			data []byte
		}{{typ1, data1}, {typ2, data2}, {typ3, data3}}
		for i, c := range cmds {
			from := conns[(roles>>(2*i))&3]
			r.command(from, "c", c.typ, c.data)
			r.armTimer()
			clock.Advance(time.Duration(wait) * time.Second)
			drain()
		}

		r.flush() // builds every audience's view
		_ = r.st.Results()

		b.checkReplay(t)
	})
}
