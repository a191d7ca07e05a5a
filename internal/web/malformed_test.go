package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/store"
)

// malformedFrame returns one bad frame: garbage, wrong shapes, wrong roles,
// out-of-order commands, oversized or binary payloads.
func malformedFrame(rng *rand.Rand, i int) (websocket.MessageType, []byte) {
	id := fmt.Sprintf("m%d", i)
	switch rng.IntN(16) {
	case 0:
		b := make([]byte, rng.IntN(200))
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		return websocket.MessageText, b
	case 1:
		return websocket.MessageBinary, []byte{0xff, 0, 1}
	case 2:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"answer","data":{"question":`)
	case 3:
		return websocket.MessageText, []byte(`{"id":5,"type":["answer"],"data":"x"}`)
	case 4:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"answer","data":{"question":"q9","options":["a"]}}`)
	case 5:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"answer","data":{"question":"q1","options":["zz","a","a","a"]}}`)
	case 6:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"answer","data":{"question":"q1","number":1e999}}`)
	case 7:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"next"}`)
	case 8:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"kick","data":{"player":"` + strings.Repeat("x", 100) + `"}}`)
	case 9:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"hello","token":"nope"}`)
	case 10:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"` + strings.Repeat("z", 1000) + `"}`)
	case 11:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"answer","data":{"question":"q1","text":"` + strings.Repeat("я", 1000) + `"}}`)
	case 12:
		return websocket.MessageText, []byte(strings.Repeat("[", 2000) + strings.Repeat("]", 2000))
	case 13:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"answer","data":null}`)
	case 14:
		return websocket.MessageText, []byte(`{"id":"` + id + `","type":"close","data":{"by":"time"}}`)
	default:
		return websocket.MessageText, []byte(`{"type":"answer","data":{"question":"` + strings.Repeat("q", 5000) + `"}}`) // oversized
	}
}

// TestMalformedFrames sends 10,000 malformed, oversized and out-of-order
// frames at a live room while honest phones play it. The limits are raised
// so that the frames reach the decoder and the room rather than the rate
// limiter. Nothing panics, the honest game ends with the right scores, and
// every goroutine of the sockets ends.
func TestMalformedFrames(t *testing.T) {
	base := runtime.NumGoroutine()
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) {
		c.Limits = Limits{MessagesPerMinute: 1 << 30, MessageBurst: 1 << 20, CommandsPerMinute: 1 << 30, CommandBurst: 1 << 20}
	})
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2})
	attackers := []joined{joinRoom(t, e.url, c.Code, "Злоумышленник 1", ""), joinRoom(t, e.url, c.Code, "Злоумышленник 2", "")}
	g := &game{t: t, base: e.url, room: c}
	g.host = dial(t, e.url, c.Room, c.HostToken)
	g.screen = dial(t, e.url, c.Room, c.ScreenToken)
	for i := range 10 {
		j := joinRoom(t, e.url, c.Code, fmt.Sprintf("Честный %d", i), "")
		g.phones = append(g.phones, &phone{name: j.Player, joined: j, answers: map[string]map[string]any{}})
	}
	g.connectAll()

	const total = 10000
	var sent sync.WaitGroup
	var mu sync.Mutex
	count := 0
	tokens := []string{attackers[0].Token, attackers[1].Token, c.ScreenToken, ""}
	for w, token := range tokens {
		sent.Add(1)
		go func() {
			defer sent.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for {
				conn := rawDial(t, e.url, c.Room, token)
				if conn == nil {
					return
				}
				for {
					mu.Lock()
					if count >= total {
						mu.Unlock()
						conn.CloseNow()
						return
					}
					count++
					i := count
					mu.Unlock()
					typ, b := malformedFrame(rng, i)
					if conn.Write(context.Background(), typ, b) != nil {
						break // closed by the server (oversized, unauthorized): dial again
					}
				}
				conn.CloseNow()
			}
		}()
	}

	// Meanwhile the honest phones play three questions, all answering right.
	right := map[string]map[string]any{
		"q1": {"question": "q1", "options": []string{"b"}},
		"q2": {"question": "q2", "options": []string{"a", "c"}},
		"q3": {"question": "q3", "options": []string{"true"}},
	}
	for i, q := range []string{"q1", "q2", "q3"} {
		if i == 0 {
			g.host.do("start", nil)
		} else {
			g.host.do("next", nil)
		}
		g.waitPhones("question", q)
		for _, p := range g.phones {
			p.cl.do("answer", right[q])
		}
		g.host.do("close", nil)
		g.waitPhones("reveal", q)
		g.toLeaderboard(q)
	}
	sent.Wait()
	if count < total {
		t.Fatalf("sent %d frames", count)
	}
	for _, p := range g.phones {
		var me struct {
			Score struct{ Points, Correct int } `json:"score"`
		}
		p.cl.data("me", &me)
		if me.Score.Correct != 3 || me.Score.Points < 1500 {
			t.Errorf("honest phone %s: %+v", p.name, me.Score)
		}
	}

	// Every socket's goroutines end once the server stops.
	for _, cl := range append([]*client{g.host, g.screen}, phonesOf(g)...) {
		cl.close()
	}
	e.stop()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base+5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base+5 {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after the stop, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// rawDial opens a socket and says hello with token, without reading.
func rawDial(t *testing.T, base, room, token string) *websocket.Conn {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/"+room, nil)
	if err != nil {
		t.Errorf("dial: %v", err)
		return nil
	}
	hello, _ := json.Marshal(map[string]string{"type": "hello", "token": token})
	_ = c.Write(ctx, websocket.MessageText, hello)
	// The server's replies are read and dropped, so its writer never blocks on us.
	go func() {
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	return c
}
