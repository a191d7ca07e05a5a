package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/store"
)

// TestDeadPeerCut: a phone whose socket stays open but which answers
// nothing (a phone that vanished without closing) is cut after a ping with
// no pong, and counts as offline.
func TestDeadPeerCut(t *testing.T) {
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) {
		c.Limits.PingEvery, c.Limits.PongTimeout = 200*time.Millisecond, 300*time.Millisecond
	})
	room := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2, "lang": "en"})
	screen := dial(t, e.url, room.Room, room.ScreenToken)
	j := joinRoom(t, e.url, room.Code, "Вера", "")

	// A client that says hello and then never reads: pings go unanswered.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dead, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/ws/"+room.Room, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dead.CloseNow()
	if err := dead.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","token":"`+j.Token+`","lang":"en"}`)); err != nil {
		t.Fatal(err)
	}
	type online struct{ Players, Online int }
	screen.waitFor("the phone online", func(cl *client) bool {
		v, ok := latestData[online](cl, "view")
		return ok && v.Online == 1
	})
	began := time.Now()
	screen.waitFor("the dead phone offline", func(cl *client) bool {
		v, ok := latestData[online](cl, "view")
		return ok && v.Players == 1 && v.Online == 0
	})
	t.Logf("dead peer cut %v after it was seen online (ping every 200 ms, pong timeout 300 ms)", time.Since(began).Round(10*time.Millisecond))
}
