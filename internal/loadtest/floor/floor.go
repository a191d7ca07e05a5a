// Package floor is the bare fan-out server huddle's load generator measures
// next to huddle in the same run: coder/websocket written the simplest
// correct way, with one writer goroutine and a bounded queue per connection
// and one pre-encoded message handed to every connection. Whatever huddle
// costs beyond it is huddle's own.
//
// Its protocol is the smallest that mirrors a quiz question: a frame
// "B <index> <size>" makes the server send every connection one text frame of
// exactly size bytes that starts like huddle's phone state for question
// index; any other frame is answered with a small ack to its sender.
package floor

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/coder/websocket"
)

const queueSize = 64 // frames a slow reader may lag behind before it is dropped

var ack = []byte(`{"type":"ack","id":"a"}`)

// Server is the bare fan-out server.
type Server struct {
	mu    sync.Mutex
	conns map[*conn]struct{}
	wg    sync.WaitGroup
}

type conn struct {
	c      *websocket.Conn
	queue  chan []byte
	closed chan struct{}
	once   sync.Once
}

// New returns a Server with no connections.
func New() *Server { return &Server{conns: map[*conn]struct{}{}} }

func (c *conn) send(b []byte) bool {
	select {
	case c.queue <- b:
		return true
	default:
		return false
	}
}

func (c *conn) close() { c.once.Do(func() { close(c.closed) }) }

func (c *conn) writer() {
	ctx := context.Background()
	for {
		select {
		case b := <-c.queue:
			if c.c.Write(ctx, websocket.MessageText, b) != nil {
				_ = c.c.CloseNow()
				return
			}
		case <-c.closed:
			_ = c.c.CloseNow()
			return
		}
	}
}

// ServeHTTP upgrades to a WebSocket and serves it until it closes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	wc, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	wc.SetReadLimit(4 << 10)
	c := &conn{c: wc, queue: make(chan []byte, queueSize), closed: make(chan struct{})}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.writer()
	}()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.close()
	}()
	for {
		_, b, err := wc.Read(r.Context())
		if err != nil {
			return
		}
		if len(b) > 2 && b[0] == 'B' && b[1] == ' ' {
			if frame, err := Payload(b[2:]); err == nil {
				s.broadcast(frame)
			}
			continue
		}
		if !c.send(ack) {
			c.close()
		}
	}
}

// broadcast hands the same bytes to every connection; a full queue closes
// that connection instead of blocking the others.
func (s *Server) broadcast(frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if !c.send(frame) {
			c.close()
		}
	}
}

// Close closes every connection and waits for their writers.
func (s *Server) Close() {
	s.mu.Lock()
	for c := range s.conns {
		c.close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Payload builds the broadcast frame from "<index> <size>".
func Payload(arg []byte) ([]byte, error) {
	i, sz, ok := bytes.Cut(arg, []byte(" "))
	if !ok {
		return nil, fmt.Errorf("want <index> <size>")
	}
	index, err := strconv.Atoi(string(i))
	if err != nil {
		return nil, err
	}
	size, err := strconv.Atoi(string(sz))
	if err != nil || size > 1<<20 {
		return nil, fmt.Errorf("size %q", sz)
	}
	head := fmt.Sprintf(`{"type":"state","data":{"phase":"question","question":{"index":%d,"pad":"`, index)
	tail := `"}}}`
	n := max(size-len(head)-len(tail), 0)
	return append(append([]byte(head), bytes.Repeat([]byte("x"), n)...), tail...), nil
}
