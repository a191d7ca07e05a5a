package web

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

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

// TestSendPartsIsOneMessage: a frame queued in two parts (a broadcast's
// shared bytes and the recipient's own) reaches the client as one text
// message, in order with the frames around it.
func TestSendPartsIsOneMessage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, c := serveOneSocket(t, ctx, nil)
	shared := []byte(`{"type":"state","data":{"phase":"question"`)
	if !conn.Send([]byte(`{"type":"welcome"}`)) || !conn.SendParts(shared, []byte(`,"me":{"n":1}}}`)) ||
		!conn.SendParts(shared, []byte(`,"me":{"n":2}}}`)) || !conn.Send([]byte(`{"type":"ack"}`)) {
		t.Fatal("a frame was refused")
	}
	for _, want := range []string{`{"type":"welcome"}`, `{"type":"state","data":{"phase":"question","me":{"n":1}}}`,
		`{"type":"state","data":{"phase":"question","me":{"n":2}}}`, `{"type":"ack"}`} {
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if typ != websocket.MessageText || string(b) != want {
			t.Fatalf("got %v %s, want %s", typ, b, want)
		}
	}
	if string(shared) != `{"type":"state","data":{"phase":"question"` {
		t.Fatalf("the shared part was changed: %s", shared)
	}
}

// countingConn counts the writes that reach the connection.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// TestBurstIsOneWrite: frames queued together (a join's joined, welcome
// and state) reach the connection in one write, and the client reads
// them as separate messages in order; a frame alone is a write of its own.
func TestBurstIsOneWrite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var counted *countingConn
	conn, c := serveOneSocket(t, ctx, func(raw *rawConn) {
		counted = &countingConn{Conn: raw.Conn}
		raw.Conn = counted // the 101 has gone out already
	})
	frames := []string{`{"type":"joined"}`, `{"type":"welcome"}`, `{"type":"state","data":{"phase":"lobby"`}
	// Held frames do not start the writer; the last one queued does.
	if !conn.SendHeld([]byte(frames[0])) || !conn.SendHeld([]byte(frames[1])) ||
		!conn.SendParts([]byte(frames[2]), []byte(`,"me":{}}}`)) {
		t.Fatal("a frame was refused")
	}
	frames[2] += `,"me":{}}}`
	read := func(want string) {
		t.Helper()
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if typ != websocket.MessageText || string(b) != want {
			t.Fatalf("got %v %s, want %s", typ, b, want)
		}
	}
	for _, want := range frames {
		read(want)
	}
	if n := counted.writes.Load(); n != 1 {
		t.Errorf("three frames queued together took %d writes, want 1", n)
	}
	if !conn.Send([]byte(`{"type":"ack"}`)) {
		t.Fatal("refused")
	}
	read(`{"type":"ack"}`)
	if n := counted.writes.Load(); n != 2 {
		t.Errorf("after one more frame alone: %d writes, want 2", n)
	}
}

// serveOneSocket serves one WebSocket as the server's own wsConn (wrap, if
// given, may wrap its connection first) and dials it; the server side
// reads on so that control frames are handled, until the client goes.
func serveOneSocket(t *testing.T, ctx context.Context, wrap func(*rawConn)) (*wsConn, *websocket.Conn) {
	t.Helper()
	conns := make(chan *wsConn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hw := &hijackWriter{ResponseWriter: w}
		c, err := websocket.Accept(hw, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		if wrap != nil {
			wrap(hw.raw)
		}
		conn := newWSConn(c, hw.raw)
		conns <- conn
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				conn.abort()
				<-conn.done
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return <-conns, c
}
