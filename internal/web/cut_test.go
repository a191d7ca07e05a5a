package web

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/web/wstest"
)

// hostileCut is how long a socket that lies about a frame's length may stay
// open. The server cuts it after abortGrace; the rest is slack for a loaded
// machine. Before the cut existed such a socket stayed open for good.
const hostileCut = abortGrace + 4*time.Second

// TestHostileFrameIsCut: a socket that claims a huge frame, sends a little
// of it and goes silent is cut, wherever in the conversation it does so.
func TestHostileFrameIsCut(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	j := joinRoom(t, e.url, c.Code, "Анна", "")
	hello := func(token string) string {
		b, _ := json.Marshal(map[string]string{"type": "hello", "token": token, "lang": "ru"})
		return string(b)
	}
	tests := []struct {
		name   string
		room   string
		hello  string // "" sends the hostile frame in place of the hello
		length uint64
		junk   int
	}{
		{"phone, 100 MB", c.Room, hello(j.Token), 100 << 20, 8 << 10},
		{"phone, 2^62 bytes", c.Room, hello(j.Token), 1 << 62, 8 << 10},
		{"host, 100 MB", c.Room, hello(c.HostToken), 100 << 20, 24 << 10},
		{"in place of the hello", c.Room, "", 100 << 20, 8 << 10},
		{"to a room that is not here", "no-such-room", "", 100 << 20, 8 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := wstest.Dial(e.url+"/ws/"+tt.room, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if tt.hello != "" {
				if err := r.Text(tt.hello); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Hostile(tt.length, tt.junk); err != nil {
				t.Fatal(err)
			}
			took, err := r.WaitClosed(hostileCut)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("cut after %v", took.Round(time.Millisecond))
		})
	}
	// The room is unharmed: the player plays on another socket.
	p := dial(t, e.url, c.Room, j.Token)
	p.waitFor("me", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
}

// TestShutdownWithHostileSockets: the server stops within its deadline with
// 200 sockets that lie about a frame and go silent, and 100 that stop in the
// middle of an honest frame, still open.
func TestShutdownWithHostileSockets(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	j := joinRoom(t, e.url, c.Code, "Анна", "")
	b, _ := json.Marshal(map[string]string{"type": "hello", "token": j.Token, "lang": "ru"})
	var (
		mu    sync.Mutex
		socks []*wstest.Raw
		wg    sync.WaitGroup
	)
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := wstest.Dial(e.url+"/ws/"+c.Room, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			socks = append(socks, r)
			mu.Unlock()
			if i%3 == 2 {
				// An honest length, within the limit, of which 10 bytes come.
				key, err := r.Header(0x1, 3000)
				if err == nil {
					err = r.Payload(key, []byte(`{"type":"h`))
				}
				if err != nil {
					t.Error(err)
				}
				return
			}
			if err := r.Text(string(b)); err != nil {
				t.Error(err)
				return
			}
			if err := r.Hostile(100<<20, 8<<10); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, r := range socks {
			r.Close()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := e.hub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("sockets still open when the deadline came: %v", err)
	}
	t.Logf("stopped in %v with %d hostile sockets", time.Since(start).Round(time.Millisecond), len(socks))
	for _, r := range socks {
		if _, err := r.WaitClosed(time.Second); err != nil {
			t.Fatalf("a socket outlived the server: %v", err)
		}
	}
}
