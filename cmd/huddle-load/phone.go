package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// prefixSize is how much of a frame a phone looks at: the type, the phase
// and the question index are all near the start. The rest is discarded
// unread into a shared buffer.
const prefixSize = 1024

var prefixPool = sync.Pool{New: func() any { b := make([]byte, prefixSize); return &b }}

// phone is one simulated phone: a WebSocket and what its reader saw.
type phone struct {
	idx   int
	token string
	c     *websocket.Conn
	got   []atomic.Int64 // per question: when its state frame arrived (unix ns), 0 = not yet
	sent  []atomic.Int64 // per question: when the answer went out
	acked []atomic.Int64 // per question: when its ack arrived
	last  atomic.Int32   // the question answered last, for matching its ack
	// stated is set by the phone's first state frame of any phase.
	stated atomic.Bool
}

// session is one target under load (huddle, the floor or centrifuge): its
// phones and what they measured, per question.
type session struct {
	questions   int
	centrifuge  bool // frames are centrifuge's JSON protocol: messages one per line
	phones      []*phone
	welcomed    atomic.Int64
	joinNS      atomic.Int64 // time in join requests, summed over phones
	dialNS      atomic.Int64 // time opening sockets, the same
	frames      atomic.Int64 // messages delivered to phones and host
	phoneFrames atomic.Int64 // the same to phones only
	bytes       atomic.Int64
	acks        atomic.Int64
	errs        atomic.Int64 // error frames
	dropped     atomic.Int64 // sockets that ended before the run did
	ending      atomic.Bool
	stateSize   atomic.Int64   // size of a question's state frame as phone 0 saw it
	recv        []atomic.Int64 // per question: phones that received it
	lastRecv    []atomic.Int64 // per question: when the last of them did (unix ns)
	readers     sync.WaitGroup
	stated      atomic.Int64 // phones that have had a state frame
	// tokens, when set, get each phone's token from its "joined" frame
	// (a phone whose hello joined), for the restart.
	tokens    []string
	lastState atomic.Int64 // when the last of them had its first (unix ns)
}

func newSession(n, questions int) *session {
	return &session{
		questions: questions,
		phones:    make([]*phone, n),
		recv:      make([]atomic.Int64, questions),
		lastRecv:  make([]atomic.Int64, questions),
	}
}

func (s *session) newPhone(i int) *phone {
	return &phone{idx: i, got: make([]atomic.Int64, s.questions), sent: make([]atomic.Int64, s.questions), acked: make([]atomic.Int64, s.questions)}
}

// read is a phone's only goroutine: it reads every frame, looks at its
// first bytes without decoding JSON, and records what it measures.
func (s *session) read(ctx context.Context, p *phone) {
	defer s.readers.Done()
	if s.centrifuge {
		s.readLines(ctx, p)
		return
	}
	for {
		_, r, err := p.c.Reader(ctx)
		if err != nil {
			if !s.ending.Load() {
				s.dropped.Add(1)
			}
			return
		}
		bp := prefixPool.Get().(*[]byte)
		buf := *bp
		n, err := io.ReadFull(r, buf)
		size := int64(n)
		switch {
		case err == nil:
			rest, cerr := io.Copy(io.Discard, r)
			size += rest
			err = cerr
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			err = nil
		}
		if err != nil {
			prefixPool.Put(bp)
			if !s.ending.Load() {
				s.dropped.Add(1)
			}
			return
		}
		s.handle(p, buf[:n], size, time.Now().UnixNano())
		prefixPool.Put(bp)
	}
}

// readLines is read for centrifuge, which may put several messages in one
// frame, a publication and a reply together: each frame is read whole and
// each line handled as a message. A line "{}" is the server's ping, which
// a client must answer with the same.
func (s *session) readLines(ctx context.Context, p *phone) {
	var buf bytes.Buffer
	for {
		_, r, err := p.c.Reader(ctx)
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			if !s.ending.Load() {
				s.dropped.Add(1)
			}
			return
		}
		now := time.Now().UnixNano()
		for line := range bytes.Lines(buf.Bytes()) {
			line = bytes.TrimSpace(line)
			if string(line) == "{}" {
				_ = p.c.Write(ctx, websocket.MessageText, line)
				continue
			}
			s.handle(p, line, int64(len(line)), now)
		}
	}
}

func (s *session) handle(p *phone, b []byte, size, now int64) {
	s.frames.Add(1)
	s.phoneFrames.Add(1)
	s.bytes.Add(size)
	typ := string(stringField(b, `"type":"`))
	if s.centrifuge && bytes.Contains(b, []byte(`"connect":{`)) {
		typ = "welcome"
	}
	switch typ {
	case "state":
		if p.stated.CompareAndSwap(false, true) {
			s.stated.Add(1)
			storeMax(&s.lastState, now)
		}
		if string(stringField(b, `"phase":"`)) != "question" {
			return
		}
		k, ok := intField(b, `"question":{"index":`)
		if !ok || k < 0 || k >= s.questions || p.got[k].Load() != 0 {
			return
		}
		p.got[k].Store(now)
		s.recv[k].Add(1)
		storeMax(&s.lastRecv[k], now)
		if p.idx == 0 {
			s.stateSize.Store(size)
		}
	case "joined":
		if s.tokens != nil {
			s.tokens[p.idx] = string(stringField(b, `"token":"`))
		}
	case "welcome":
		s.welcomed.Add(1)
	case "ack":
		s.acks.Add(1)
		if k := int(p.last.Load()); k >= 0 && k < s.questions {
			p.acked[k].CompareAndSwap(0, now)
		}
	case "error":
		s.errs.Add(1)
	}
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// stringField returns the string value after key (which ends in the
// opening quote), or nil.
func stringField(b []byte, key string) []byte {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return nil
	}
	v := b[i+len(key):]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return nil
	}
	return v[:j]
}

// intField returns the integer after key.
func intField(b []byte, key string) (int, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	v := b[i+len(key):]
	j := 0
	for j < len(v) && (v[j] >= '0' && v[j] <= '9' || j == 0 && v[j] == '-') {
		j++
	}
	n, err := strconv.Atoi(string(v[:j]))
	return n, err == nil
}

// clients are HTTP clients that each dial from their own loopback address,
// as phones in a hall come from many addresses: the server's per-address
// join limit then applies as it would in real life.
func clients(n, first int, target string) []*http.Client {
	out := make([]*http.Client, n)
	host, _, _ := net.SplitHostPort(target)
	loop := net.ParseIP(host).IsLoopback()
	for i := range out {
		d := &net.Dialer{Timeout: 10 * time.Second}
		if loop {
			a := first + i
			d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, byte(a/62500), byte(1+a/250%250), byte(2+a%250))}
		}
		out[i] = &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2}}
	}
	return out
}
