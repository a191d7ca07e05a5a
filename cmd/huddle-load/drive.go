package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// connectAll opens the session's phones with a pool of workers, the
// first of which dials from the first-th loopback address (see clients).
// join is called per phone and returns its WebSocket URL and hello frame
// (nil for none); the socket counts as joined once its first frame
// arrives when a hello is sent, or once dialled otherwise.
func (s *session) connectAll(ctx context.Context, workers, first int, addr string, join func(ctx context.Context, hc *http.Client, i int) (url string, hello []byte, err error)) (errs int64, took time.Duration) {
	hcs := clients(workers, first, addr)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(s.phones) || ctx.Err() != nil {
					return
				}
				if err := s.connect(ctx, hcs[w], i, join); err != nil {
					if failed.Add(1) <= 3 {
						fmt.Printf("  phone %d: %v\n", i, err)
					}
				}
			}
		})
	}
	wg.Wait()
	for _, hc := range hcs {
		hc.CloseIdleConnections()
	}
	want := int64(len(s.phones)) - failed.Load()
	waitFor(ctx, 30*time.Second, func() bool { return s.welcomed.Load() >= want })
	return failed.Load(), time.Since(start)
}

func (s *session) connect(ctx context.Context, hc *http.Client, i int, join func(ctx context.Context, hc *http.Client, i int) (string, []byte, error)) error {
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t0 := time.Now()
	url, hello, err := join(jctx, hc, i)
	if err != nil {
		return err
	}
	t1 := time.Now()
	c, _, err := websocket.Dial(jctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	s.joinNS.Add(int64(t1.Sub(t0)))
	s.dialNS.Add(int64(time.Since(t1)))
	c.SetReadLimit(1 << 20)
	p := s.newPhone(i)
	p.c = c
	p.last.Store(-1)
	s.phones[i] = p
	if hello != nil {
		if err := c.Write(jctx, websocket.MessageText, hello); err != nil {
			_ = c.CloseNow()
			s.phones[i] = nil
			return fmt.Errorf("hello: %w", err)
		}
	} else {
		s.welcomed.Add(1)
	}
	s.readers.Add(1)
	go s.read(ctx, p)
	return nil
}

// closeAll closes every phone and waits for the readers.
func (s *session) closeAll() {
	s.ending.Store(true)
	for _, p := range s.phones {
		if p != nil {
			_ = p.c.CloseNow()
		}
	}
	s.readers.Wait()
}

// answerAll makes every phone answer question k at a random moment within
// window of open, once it has the question. A few workers walk the phones
// in the order of their moments: no goroutine per phone or per answer.
func (s *session) answerAll(ctx context.Context, k int, open time.Time, window time.Duration, frames [][]byte, rng *rand.Rand) {
	type slot struct {
		at time.Duration
		p  *phone
	}
	plan := make([]slot, 0, len(s.phones))
	for _, p := range s.phones {
		if p != nil {
			plan = append(plan, slot{time.Duration(rng.Int64N(int64(window) + 1)), p})
		}
	}
	slices.SortFunc(plan, func(a, b slot) int { return int(a.at - b.at) })
	choice := make([]int, len(plan))
	for i := range choice {
		choice[i] = rng.IntN(len(frames))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(plan) || ctx.Err() != nil {
					return
				}
				sl := plan[i]
				if d := time.Until(open.Add(sl.at)); d > 0 {
					time.Sleep(d)
				}
				// A phone answers only what it has seen.
				if !waitFor(ctx, 20*time.Second, func() bool { return sl.p.got[k].Load() != 0 }) {
					continue
				}
				sl.p.last.Store(int32(k))
				sl.p.sent[k].Store(time.Now().UnixNano())
				if err := sl.p.c.Write(ctx, websocket.MessageText, frames[choice[i]]); err != nil {
					sl.p.sent[k].Store(0)
				}
			}
		})
	}
	wg.Wait()
}

// answerFrames are the answer commands for question k, one per option.
func answerFrames(k int) [][]byte {
	var out [][]byte
	for _, o := range []string{"a", "b", "c", "d"} {
		out = append(out, fmt.Appendf(nil, `{"id":"a%d","type":"answer","data":{"question":"q%d","options":["%s"]}}`, k, k+1, o))
	}
	return out
}

// waitFor polls cond until it holds or d passes.
func waitFor(ctx context.Context, d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) || ctx.Err() != nil {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}

// host is the facilitator's connection: it sends commands and keeps what
// the latest host view said.
type host struct {
	c        *websocket.Conn
	mu       sync.Mutex
	phase    string
	qindex   int
	counted  []int64 // per question: when the view first showed every answer counted
	want     int
	lastView []byte
	s        *session
	done     chan struct{}
	cmd      int
}

func (h *host) read(ctx context.Context) {
	defer close(h.done)
	for {
		_, b, err := h.c.Read(ctx)
		if err != nil {
			if ctx.Err() == nil && !h.s.ending.Load() {
				fmt.Printf("  host socket ended: %v\n", err)
			}
			return
		}
		now := time.Now().UnixNano()
		h.s.frames.Add(1)
		h.s.bytes.Add(int64(len(b)))
		if string(stringField(b, `"type":"`)) != "view" {
			if string(stringField(b, `"type":"`)) == "error" {
				fmt.Printf("  host got an error: %s\n", b)
			}
			continue
		}
		phase := string(stringField(b, `"phase":"`))
		q, qok := intField(b, `"question":{"index":`)
		answered, aok := intField(b, `"answered":`)
		h.mu.Lock()
		h.phase, h.lastView = phase, b
		if qok {
			h.qindex = q
			// The last answer closes the question at once ("closed_by":"all"),
			// so the view that counts them all is usually the reveal's.
			all := aok && answered >= h.want || phase == "reveal"
			if all && q >= 0 && q < len(h.counted) && h.counted[q] == 0 {
				h.counted[q] = now
			}
		}
		h.mu.Unlock()
	}
}

func (h *host) send(ctx context.Context, typ string) error {
	h.cmd++
	return h.c.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"id":"h%d","type":"%s"}`, h.cmd, typ))
}

func (h *host) state() (phase string, q int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.phase, h.qindex
}

func (h *host) countedAt(k int) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counted[k]
}

// standings decodes the team leaderboard of the last view.
func (h *host) standings() []Standing {
	h.mu.Lock()
	b := bytes.Clone(h.lastView)
	h.mu.Unlock()
	var v struct {
		Data struct {
			Leaderboard struct {
				Teams []Standing `json:"teams"`
			} `json:"leaderboard"`
		} `json:"data"`
	}
	_ = json.Unmarshal(b, &v)
	return v.Data.Leaderboard.Teams
}

// Standing is a team's place on the final leaderboard.
type Standing struct {
	Name   string `json:"name"`
	Points int    `json:"points"`
	Rank   int    `json:"rank"`
}
