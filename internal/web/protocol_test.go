package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// TestProtocolMismatches holds the server to docs/protocol.md where it
// once differed: a socket that never says hello gets a 1008 close frame
// (not a dropped connection, which a browser reports as 1006); an unknown
// command is bad_request from every role; a command id over 64 characters
// is refused.
func TestProtocolMismatches(t *testing.T) {
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) {
		c.Limits.HelloTimeout = 300 * time.Millisecond
	})
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	j := joinRoom(t, e.url, c.Code, "Анна", "")

	t.Run("silent socket", func(t *testing.T) {
		for _, id := range []string{c.Room, "no-such-room"} {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/ws/"+id, nil)
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			_, _, err = ws.Read(ctx) // says nothing, waits for the server
			cancel()
			ws.CloseNow()
			if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Errorf("room %s: a socket without hello ended with %v, want a 1008 close frame", id, err)
			}
		}
	})

	t.Run("unknown command", func(t *testing.T) {
		for who, token := range map[string]string{"player": j.Token, "screen": c.ScreenToken, "host": c.HostToken} {
			cl := dial(t, e.url, c.Room, token)
			for _, typ := range []string{"frobnicate", "", "START", "game.frobnicate", "board.frobnicate"} {
				if f := cl.reply(cl.send(typ, nil)); f.Type != "error" || f.Code != string(session.CodeBadRequest) {
					t.Errorf("%s sent %q: got %s %s, want bad_request", who, typ, f.Type, f.Code)
				}
			}
			// A known host command from another role is still forbidden.
			if who != "host" {
				if f := cl.reply(cl.send("start", nil)); f.Code != string(session.CodeForbidden) {
					t.Errorf("%s sent start: got %s, want forbidden", who, f.Code)
				}
			}
			cl.close()
		}
	})

	t.Run("command id length", func(t *testing.T) {
		host := dial(t, e.url, c.Room, c.HostToken)
		long := strings.Repeat("x", 65)
		host.write(map[string]any{"id": long, "type": "lock", "data": map[string]bool{"locked": true}})
		if f := host.reply(long); f.Type != "error" || f.Code != string(session.CodeBadRequest) {
			t.Fatalf("a 65-character id: got %s %s, want bad_request", f.Type, f.Code)
		}
		var v struct {
			Room struct{ Locked bool } `json:"room"`
		}
		host.data("view", &v)
		if v.Room.Locked {
			t.Fatal("the command with a 65-character id was applied")
		}
		ok := strings.Repeat("y", 64)
		host.write(map[string]any{"id": ok, "type": "lock", "data": map[string]bool{"locked": true}})
		if f := host.reply(ok); f.Type != "ack" {
			t.Fatalf("a 64-character id: got %s %s, want ack", f.Type, f.Code)
		}
	})

	t.Run("HTTP statuses from the table", func(t *testing.T) {
		c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
		joinRoom(t, e.url, c.Code, "Анна", "")
		var body struct{ Error, Message string }
		status := postJSON(t, e.url+"/api/join", map[string]any{"code": c.Code, "name": "анна"}, &body)
		code := session.Code(body.Error)
		if code != session.CodeNameTaken || status != code.Status() || status != http.StatusConflict || body.Message != code.Message("ru") {
			t.Fatalf("taken name: %d %+v", status, body)
		}
	})
}
