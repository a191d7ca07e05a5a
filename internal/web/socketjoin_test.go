package web

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// dialJoin opens a socket whose hello joins the room as a new player.
func dialJoin(t testing.TB, base, roomID string, join map[string]string) *client {
	t.Helper()
	return dialHello(t, base, roomID, map[string]any{"type": "hello", "join": join, "lang": "ru"}, nil)
}

// frameTypes are the types of the frames a client got, in order, without
// the own views the client's reader copies out of states and acks.
func frameTypes(cl *client) []string {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	var out []string
	for _, f := range cl.all {
		if !f.own {
			out = append(out, f.Type)
		}
	}
	return out
}

// closedNormally waits until the server has closed cl's socket and checks
// that it did so with 1000.
func closedNormally(t *testing.T, cl *client, what string) {
	t.Helper()
	<-cl.done
	cl.mu.Lock()
	err := cl.closed
	cl.mu.Unlock()
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusNormalClosure {
		t.Errorf("%s: socket ended with %v, want a normal close (1000)", what, err)
	}
}

// TestJoinOverSocket: a phone joins with its hello and goes on on the same
// socket as the player: "joined" with its token, then welcome and its
// state; the token brings it back after a reload. Refusals are the POST's
// (name taken, bad name, the same per-client limit) as an error frame and a
// normal close; a token in the hello wins over a join.
func TestJoinOverSocket(t *testing.T) {
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := startEnvWith(t, st, shippedScenarios(t), func(c *Config) {
		manyRooms(c)
		c.Limits.JoinsPerMinute, c.Limits.JoinBurst = 1, 5
	})
	base := e.url
	rm := createRoom(t, base, map[string]any{"scenario": "partnership-quiz", "team_count": 2, "lang": "ru"})
	host := dial(t, base, rm.Room, rm.HostToken)

	anna := dialJoin(t, base, rm.Room, map[string]string{"name": "  Анна  ", "team": "", "device": "device-of-anna-0001"})
	anna.waitFor("anna's own state", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
	j, _ := latestNow[joined](anna, "joined")
	if j.Room != rm.Room || j.Player == "" || len(j.Token) != 32 || j.Team == "" {
		t.Fatalf("joined = %+v, want the room, a player id, a 32-digit token and a team", j)
	}
	if got := frameTypes(anna); len(got) < 3 || got[0] != "joined" || got[1] != "welcome" || got[2] != "state" {
		t.Errorf("frames = %v, want joined, welcome, state first", got)
	}
	var me struct {
		Player struct{ ID, Name string }
		Team   struct{ ID string }
	}
	anna.data("me", &me)
	if me.Player.ID != j.Player || me.Player.Name != "Анна" || me.Team.ID != j.Team {
		t.Errorf("own part = %+v, want player %s named Анна (cleaned) in team %s", me, j.Player, j.Team)
	}
	host.waitFor("the host sees Анна", func(cl *client) bool {
		v, ok := latestData[struct {
			Players int `json:"players"`
			Teams   []struct {
				Players []struct{ Name string } `json:"players"`
			} `json:"teams"`
		}](cl, "view")
		names := []string{}
		for _, tm := range v.Teams {
			for _, p := range tm.Players {
				names = append(names, p.Name)
			}
		}
		return ok && v.Players == 1 && len(names) == 1 && names[0] == "Анна"
	})

	// The socket that joined is the player's: it answers.
	host.do("start", nil)
	anna.waitFor("the question", func(cl *client) bool {
		s, ok := latestData[struct{ Phase string }](cl, "state")
		return ok && s.Phase == "question"
	})
	var q struct {
		Question struct{ ID string } `json:"question"`
	}
	anna.data("state", &q)
	if f := anna.reply(anna.send("answer", map[string]any{"question": q.Question.ID, "options": []string{"a"}})); f.Type != "ack" {
		t.Fatalf("answer on the joining socket: %s %s", f.Code, f.Message)
	}

	// A reload comes back with the token, as the same player.
	anna.close()
	again := dial(t, base, rm.Room, j.Token)
	again.waitFor("anna back", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
	again.data("me", &me)
	if me.Player.ID != j.Player {
		t.Errorf("after a reload the phone is %s, want %s", me.Player.ID, j.Player)
	}

	// A token wins over a join: no second player.
	both := dialHello(t, base, rm.Room, map[string]any{"type": "hello", "token": j.Token, "join": map[string]string{"name": "Другая"}, "lang": "ru"}, nil)
	both.waitFor("the token's player", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
	if _, ok := latestNow[joined](both, "joined"); ok {
		t.Error("a hello with a token and a join joined anew")
	}

	// Refusals: an error frame in the hello's language, then a normal close.
	for _, tc := range []struct {
		what string
		join map[string]string
		code session.Code
	}{
		{"a taken name", map[string]string{"name": "анна"}, session.CodeNameTaken},
		{"an empty name", map[string]string{"name": "   "}, session.CodeBadName},
		{"a bad device", map[string]string{"name": "Борис", "device": "no spaces allowed here"}, session.CodeBadRequest},
	} {
		cl := dialJoin(t, base, rm.Room, tc.join)
		closedNormally(t, cl, tc.what)
		cl.mu.Lock()
		f := cl.latest["error"]
		cl.mu.Unlock()
		if f.Code != string(tc.code) || f.Message != tc.code.Message("ru") {
			t.Errorf("%s: error %q %q, want %s in Russian", tc.what, f.Code, f.Message, tc.code)
		}
		if _, ok := latestNow[joined](cl, "joined"); ok {
			t.Errorf("%s: joined", tc.what)
		}
	}

	// A locked room takes nobody new.
	host.do("lock", map[string]bool{"locked": true})
	locked := dialJoin(t, base, rm.Room, map[string]string{"name": "Поздний"})
	closedNormally(t, locked, "a locked room")
	if _, ok := latestNow[joined](locked, "joined"); ok {
		t.Error("a locked room took a join")
	}
	locked.mu.Lock()
	lockedErr := locked.latest["error"]
	locked.mu.Unlock()
	if lockedErr.Code != string(session.CodeRoomLocked) {
		t.Errorf("join into a locked room: %q, want room_locked", lockedErr.Code)
	}
	host.do("lock", map[string]bool{"locked": false})

	// The join limit is the POST's, per client: five joins in a burst (Анна
	// and the four refused), the sixth from the same address waits a minute.
	limited := dialJoin(t, base, rm.Room, map[string]string{"name": "Вера"})
	closedNormally(t, limited, "over the join limit")
	limited.mu.Lock()
	refusal := limited.latest["error"]
	limited.mu.Unlock()
	if refusal.Code != string(session.CodeRateLimited) || refusal.RetryAfter != 60 {
		t.Errorf("fifth join from one address: %q retry_after %d, want rate_limited and 60", refusal.Code, refusal.RetryAfter)
	}
	var body joined
	if status := postJSON(t, base+"/api/join", map[string]string{"code": rm.Code, "name": "Вера"}, &body); status != 429 {
		t.Errorf("POST /api/join after the socket joins: %d, want 429 (one limit for both)", status)
	}
}
