package web

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
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

// TestActivePeerNotPinged: a phone that keeps sending frames is not pinged,
// a silent one on the same server is, every PingEvery.
func TestActivePeerNotPinged(t *testing.T) {
	const every = 600 * time.Millisecond
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) {
		c.Limits.PingEvery, c.Limits.PongTimeout = every, 5*time.Second
		c.Limits.MessagesPerMinute, c.Limits.MessageBurst = 6000, 100
	})
	room := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2, "lang": "en"})
	active := dialCounted(t, e.url, room.Room, joinRoom(t, e.url, room.Code, "Вера", "").Token)
	silent := dialCounted(t, e.url, room.Room, joinRoom(t, e.url, room.Code, "Олег", "").Token)
	// The active phone sends a frame every sixth of a ping period from now
	// on; a hello after the first is ignored, so it draws no reply.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stop := make(chan struct{})
	sent := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				sent <- nil
				return
			case <-time.After(every / 6):
			}
			if err := active.c.Write(ctx, websocket.MessageText, []byte(`{"type":"hello"}`)); err != nil {
				sent <- err
				return
			}
		}
	}()
	active.waitState(t)
	silent.waitState(t)
	// Once the lobby's updates have settled, what reaches a phone is pings.
	quiet(t, active, silent)
	activeFrom, silentFrom := active.bytes.Load(), silent.bytes.Load()
	time.Sleep(5 * every)
	close(stop)
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if got := active.bytes.Load() - activeFrom; got != 0 {
		t.Errorf("the phone that kept sending got %d bytes: pinged while active", got)
	}
	if got := silent.bytes.Load() - silentFrom; got == 0 {
		t.Error("the silent phone got no ping in five ping periods")
	}
}

// quiet waits until no data frame has reached the clients for 250 ms.
func quiet(t *testing.T, ccs ...*countedClient) {
	t.Helper()
	count := func() (n int64) {
		for _, cc := range ccs {
			n += cc.frames.Load()
		}
		return n
	}
	last, since := count(), time.Now()
	for end := time.Now().Add(5 * time.Second); time.Since(since) < 250*time.Millisecond; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the lobby's updates did not settle")
		}
		if n := count(); n != last {
			last, since = n, time.Now()
		}
	}
}

// countedClient is a phone whose connection counts the bytes it receives.
type countedClient struct {
	c      *websocket.Conn
	bytes  atomic.Int64
	frames atomic.Int64 // data frames read
}

func dialCounted(t *testing.T, base, roomID, token string) *countedClient {
	t.Helper()
	cc := &countedClient{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &readCounter{Conn: c, n: &cc.bytes}, nil
	}}
	t.Cleanup(tr.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/"+roomID, &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	cc.c = c
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
			cc.frames.Add(1)
		}
	}()
	t.Cleanup(func() { _ = c.CloseNow(); <-done })
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","token":"`+token+`","lang":"en"}`)); err != nil {
		t.Fatal(err)
	}
	return cc
}

// waitState waits for the welcome and the first state.
func (cc *countedClient) waitState(t *testing.T) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); cc.frames.Load() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("no welcome and state")
		}
	}
}

// readCounter counts the bytes read off a connection.
type readCounter struct {
	net.Conn
	n *atomic.Int64
}

func (c *readCounter) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.n.Add(int64(n))
	return n, err
}
