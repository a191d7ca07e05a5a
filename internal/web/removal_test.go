package web

import (
	"net/http"
	"testing"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/session"
)

// removedView is what the host's view says of removed players.
type removedView struct {
	Players int `json:"players"`
	Removed []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"removed"`
}

// joinAs posts a join with a device id and returns the status and the
// error code, if any.
func joinAs(t *testing.T, base, code, name, device string) (int, joined) {
	t.Helper()
	var j joined
	status := postJSON(t, base+"/api/join", map[string]string{"code": code, "name": name, "device": device}, &j)
	return status, j
}

// TestRemovedPlayerStaysOut: a player the host removed cannot come back by
// the same device under another name, nor by the same name from another
// device, also after a restart; the host sees the removal and can undo it,
// and then the player can join again.
func TestRemovedPlayerStaysOut(t *testing.T) {
	for name, mk := range reopenableStores() {
		t.Run(name, func(t *testing.T) {
			open := mk(t)
			st1 := open()
			e := startEnv(t, st1, gameScenario(t))
			c := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2})
			const phoneA, phoneB = "a1b2c3d4e5f60718293a4b5c6d7e8f90", "ffeeddccbbaa99887766554433221100"
			status, anna := joinAs(t, e.url, c.Code, "Анна Петрова", phoneA)
			if status != http.StatusCreated {
				t.Fatalf("join: %d %s", status, anna.Error)
			}
			joinRoom(t, e.url, c.Code, "Борис", "")
			host := dial(t, e.url, c.Room, c.HostToken)
			p := dial(t, e.url, c.Room, anna.Token)
			p.waitFor("me", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })

			host.do("kick", map[string]string{"player": anna.Player})
			p.waitFor("kicked, closed", func(cl *client) bool { return cl.closed != nil })
			if _, ok := p.latest["kicked"]; !ok || websocket.CloseStatus(p.closed) != websocket.StatusPolicyViolation {
				t.Fatalf("the removed phone got %v, closed with %v", p.all, p.closed)
			}
			host.waitFor("the removal in the host view", func(cl *client) bool {
				v, ok := latestData[removedView](cl, "view")
				return ok && len(v.Removed) == 1 && v.Removed[0].ID == anna.Player && v.Removed[0].Name == "Анна Петрова"
			})
			var sv removedView
			screen := dial(t, e.url, c.Room, c.ScreenToken)
			screen.waitFor("view", func(cl *client) bool { _, ok := cl.latest["view"]; return ok })
			screen.data("view", &sv)
			if sv.Removed != nil {
				t.Errorf("the projector lists removed players: %+v", sv.Removed)
			}

			refused := func(when, name, device string) {
				t.Helper()
				status, j := joinAs(t, e.url, c.Code, name, device)
				if status != http.StatusForbidden || j.Error != string(session.CodeRemoved) {
					t.Errorf("%s: %q from %q joined: %d %q", when, name, device, status, j.Error)
				}
			}
			refused("same device, another name", "Аня", phoneA)
			refused("same name, another device", "Анна Петрова", phoneB)
			refused("same name in other case, no device", "анна петрова", "")
			// The old token is gone with the player.
			old := dial(t, e.url, c.Room, anna.Token)
			old.waitFor("close", func(cl *client) bool { return cl.closed != nil })
			if old.latest["error"].Code != string(session.CodeUnauthorized) {
				t.Errorf("the removed player's token: %+v", old.all)
			}

			// A restart replays the removal.
			e.stop()
			if err := st1.Close(); err != nil {
				t.Fatal(err)
			}
			st2 := open()
			t.Cleanup(func() { st2.Close() })
			e = startEnv(t, st2, nil)
			refused("after a restart", "Аня", phoneA)
			host = dial(t, e.url, c.Room, c.HostToken)
			host.waitFor("the removal in the restored host view", func(cl *client) bool {
				v, ok := latestData[removedView](cl, "view")
				return ok && len(v.Removed) == 1
			})

			// Only the host may let a player back in.
			b := dial(t, e.url, c.Room, c.ScreenToken)
			if f := b.reply(b.send("readmit", map[string]string{"player": anna.Player})); f.Code != string(session.CodeForbidden) {
				t.Errorf("the projector let a player back in: %+v", f)
			}
			host.do("readmit", map[string]string{"player": anna.Player})
			host.waitFor("no removal in the host view", func(cl *client) bool {
				v, ok := latestData[removedView](cl, "view")
				return ok && len(v.Removed) == 0
			})
			if f := host.reply(host.send("readmit", map[string]string{"player": anna.Player})); f.Code != string(session.CodeNotFound) {
				t.Errorf("letting the same player in twice: %+v", f)
			}
			status, back := joinAs(t, e.url, c.Code, "Анна Петрова", phoneA)
			if status != http.StatusCreated {
				t.Fatalf("join after the host let her back in: %d %s", status, back.Error)
			}
			again := dial(t, e.url, c.Room, back.Token)
			again.waitFor("me", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })

			// A malformed device id is refused before it reaches the room.
			if status, j := joinAs(t, e.url, c.Code, "Вера", "short"); status != http.StatusBadRequest || j.Error != string(session.CodeBadRequest) {
				t.Errorf("a malformed device id: %d %q", status, j.Error)
			}
		})
	}
}
