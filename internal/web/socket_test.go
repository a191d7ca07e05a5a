package web

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/web/wstest"
)

// TestHelloWithTheUpgrade: a client may send its hello in the same packet
// as the upgrade request, before the server has answered it. The HTTP
// server has then read the hello along with the request; the socket must
// still see it, whether it fits the socket's read buffer or not.
func TestHelloWithTheUpgrade(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	j := joinRoom(t, e.url, c.Code, "Анна", "")
	for _, pad := range []int{0, readBuffer, 3 * readBuffer} {
		hello, _ := json.Marshal(map[string]string{"type": "hello", "token": j.Token, "lang": "ru", "pad": strings.Repeat("x", pad)})
		r, err := wstest.DialSending(e.url+"/ws/"+c.Room, nil, string(hello))
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		op, b, err := r.Next()
		if err != nil {
			t.Fatalf("hello of %d bytes: %v", len(hello), err)
		}
		var f struct{ Type string }
		if op != 0x1 || json.Unmarshal(b, &f) != nil || f.Type != "welcome" {
			t.Fatalf("hello of %d bytes: the first frame is opcode %d %q, want a welcome", len(hello), op, b)
		}
		r.Close()
	}
}
