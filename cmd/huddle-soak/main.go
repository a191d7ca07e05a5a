// Command huddle-soak runs a huddle server in-process and plays rooms on it
// with many phones for a long time, sampling the server's heap and
// goroutines, to show that neither grows. It is not part of the tests; see
// docs/reliability.md.
//
//	go run ./cmd/huddle-soak -phones 200 -duration 2h
//
// It exits with status 1 if the heap or the goroutine count at the end is
// more than -tolerance away from its value after the warm-up.
package main

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/web"
)

const soakYAML = `
id: soak
title: Soak
language: ru
stages:
  - id: s
    kind: quiz
    time_limit: 20s
    questions:
      - {id: q1, type: single, text: Один, options: [{text: А, correct: true}, {text: Б}]}
      - {id: q2, type: multiple, text: Два, options: [{text: А, correct: true}, {text: Б}, {text: В, correct: true}]}
      - {id: q3, type: truefalse, text: Три, correct: true}
      - {id: q4, type: numeric, text: Четыре, answer: 4}
      - {id: q5, type: text, text: Пять, accept: [пять]}
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "huddle-soak:", err)
		os.Exit(1)
	}
}

type options struct {
	phones    int
	duration  time.Duration
	sample    time.Duration
	tolerance float64
	drop      float64
	redis     string
	warmup    time.Duration
	ttl       time.Duration
	session   string // the soak facilitator's session cookie, who creates the rooms
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("huddle-soak", flag.ContinueOnError)
	fs.IntVar(&o.phones, "phones", 200, "phones per room")
	fs.DurationVar(&o.duration, "duration", 2*time.Hour, "how long to play")
	fs.DurationVar(&o.sample, "sample", time.Minute, "time between samples of heap and goroutines")
	fs.Float64Var(&o.tolerance, "tolerance", 0.10, "allowed drift of heap and goroutines, as a fraction")
	fs.Float64Var(&o.drop, "drop", 0.02, "chance that a phone drops its connection at each question")
	fs.DurationVar(&o.warmup, "warmup", 15*time.Minute, "samples before this are the warm-up; the first one after it is the baseline")
	fs.DurationVar(&o.ttl, "room-ttl", time.Minute, "how long finished rooms are kept (they expire at the hub's next sweep, once a minute)")
	fs.StringVar(&o.redis, "redis", "", "Redis URL to use instead of a bolt file in a temporary directory")
	if err := fs.Parse(args); err != nil {
		return err
	}

	var st store.Store
	if o.redis != "" {
		rs, err := store.OpenRedis(ctx, o.redis, fmt.Sprintf("huddlesoak:%d:", time.Now().UnixNano()))
		if err != nil {
			return err
		}
		st = rs
	} else {
		dir, err := os.MkdirTemp("", "huddle-soak-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		b, err := store.OpenBolt(filepath.Join(dir, "huddle.db"))
		if err != nil {
			return err
		}
		st = b
	}
	defer st.Close()
	sc, err := scenario.Parse("soak.yaml", []byte(soakYAML))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Finished rooms expire, so that a long run reaches a steady number of
	// rooms.
	hub := room.NewHub(room.HubConfig{Store: st, Logger: log, PublicURL: base, FinishedTTL: o.ttl, IdleTTL: 10 * time.Minute})
	lim := web.DefaultLimits
	lim.JoinsPerMinute, lim.JoinBurst = 1e6, 1e6
	accounts := account.New(account.Config{Store: st.(interface{ Accounts() store.Accounts }).Accounts(), Logger: log})
	fac, err := accounts.Add(ctx, account.NewAccount{Name: "Soak", Login: "soak", Password: crand.Text()})
	if err != nil {
		return err
	}
	if o.session, _, err = accounts.StartSession(ctx, fac.ID); err != nil {
		return err
	}
	lim.RoomsPerMinute, lim.RoomBurst = 1e6, 1e6 // one room after another from one address
	srv := web.New(web.Config{Hub: hub, Scenarios: []*scenario.Scenario{sc}, PublicURL: base, Logger: log, Limits: lim, Accounts: accounts})
	hs := &http.Server{Handler: srv}
	go func() { _ = hs.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		_ = hub.Shutdown(sctx)
		srv.Wait()
	}()

	type sample struct {
		at         time.Duration
		heap       uint64
		goroutines int
	}
	var samples []sample
	take := func(at time.Duration) {
		hub.Sweep(ctx) // expired rooms go now, not at the next minute's sweep
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s := sample{at, ms.HeapAlloc, runtime.NumGoroutine()}
		samples = append(samples, s)
		fmt.Fprintf(out, "%8s  heap %6.1f MiB  goroutines %5d\n", at.Round(time.Second), float64(s.heap)/(1<<20), s.goroutines)
	}
	start := time.Now()
	next := time.Duration(0)
	rng := rand.New(rand.NewPCG(uint64(start.UnixNano()), 1))
	sessions := 0
	for time.Since(start) < o.duration && ctx.Err() == nil {
		// Samples are taken between rooms, when no phone is connected.
		if time.Since(start) >= next {
			take(time.Since(start))
			next += o.sample
		}
		if err := session(ctx, base, o, rng); err != nil {
			return fmt.Errorf("session %d: %w", sessions+1, err)
		}
		sessions++
	}
	take(time.Since(start))
	fmt.Fprintf(out, "%d rooms of %d phones in %v\n", sessions, o.phones, time.Since(start).Round(time.Second))
	// The first three samples after the warm-up are the baseline, the last
	// three the end; means smooth out where a sample falls between rooms.
	i := slices.IndexFunc(samples, func(s sample) bool { return s.at >= o.warmup })
	if i < 0 || len(samples)-i < 6 {
		return errors.New("too few samples after the warm-up: run longer or sample more often")
	}
	mean := func(ss []sample) (heap, goroutines float64) {
		for _, s := range ss {
			heap += float64(s.heap) / float64(len(ss))
			goroutines += float64(s.goroutines) / float64(len(ss))
		}
		return heap, goroutines
	}
	h0, g0 := mean(samples[i : i+3])
	h1, g1 := mean(samples[len(samples)-3:])
	heapDrift, goDrift := h1/h0-1, g1/g0-1
	fmt.Fprintf(out, "after warm-up (%v): heap %.1f → %.1f MiB (%+.1f %%), goroutines %.0f → %.0f (%+.1f %%)\n",
		samples[i].at.Round(time.Second), h0/(1<<20), h1/(1<<20), heapDrift*100, g0, g1, goDrift*100)
	if abs(heapDrift) > o.tolerance || abs(goDrift) > o.tolerance {
		return fmt.Errorf("not flat within ±%.0f %%", o.tolerance*100)
	}
	return nil
}

func abs(f float64) float64 { return max(f, -f) }

// session plays one room: phones join, every question is answered by every
// phone (some dropping and coming back), the host ends the room.
func session(ctx context.Context, base string, o options, rng *rand.Rand) error {
	var created struct {
		Room, Code string
		HostToken  string `json:"host_token"`
	}
	if err := postAs(o.session, base+"/api/rooms", map[string]any{"scenario": "soak", "team_count": 4}, &created); err != nil {
		return err
	}
	host, err := dial(ctx, base, created.Room, created.HostToken)
	if err != nil {
		return err
	}
	defer host.close()
	phones := make([]*phone, o.phones)
	var wg sync.WaitGroup
	pctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); wg.Wait() }()
	for i := range phones {
		var j struct{ Player, Token string }
		if err := post(base+"/api/join", map[string]any{"code": created.Code, "name": fmt.Sprintf("Участник %d", i)}, &j); err != nil {
			return err
		}
		phones[i] = &phone{base: base, room: created.Room, token: j.Token, drop: o.drop, rng: rand.New(rand.NewPCG(rng.Uint64(), 2))}
		wg.Add(1)
		go func() { defer wg.Done(); phones[i].run(pctx) }()
	}
	if err := host.command("start"); err != nil {
		return err
	}
	for q := 1; ; q++ {
		// Every phone answers; the question closes by itself (or on time).
		if err := host.waitPhase(ctx, "reveal", fmt.Sprint("q", q), 60*time.Second); err != nil {
			return fmt.Errorf("question %d: %w", q, err)
		}
		if q == 5 {
			break
		}
		if err := host.command("next"); err != nil {
			return err
		}
		if err := host.command("next"); err != nil {
			return err
		}
	}
	return host.command("end")
}

func post(url string, body, out any) error { return postAs("", url, body, out) }

// postAs is post with a facilitator's session cookie ("" for none).
func postAs(session, url string, body, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "huddle_session", Value: session})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// conn is a WebSocket client.
type conn struct {
	c      *websocket.Conn
	frames chan frame
	ids    int
	phase  string // of the latest view read, whoever read it
	qid    string
}

// note keeps the phase and question of a view frame.
func (c *conn) note(f frame) {
	var v struct {
		Phase    string
		Question *struct{ ID string }
	}
	if f.Type == "view" && json.Unmarshal(f.Data, &v) == nil {
		c.phase, c.qid = v.Phase, ""
		if v.Question != nil {
			c.qid = v.Question.ID
		}
	}
}

type frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Code string          `json:"code"`
	Data json.RawMessage `json:"data"`
}

func dial(ctx context.Context, base, roomID, token string) (*conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/"+roomID, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	cn := &conn{c: c, frames: make(chan frame, 256)}
	go func() {
		defer close(cn.frames)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var f frame
			if json.Unmarshal(b, &f) == nil {
				cn.frames <- f
			}
		}
	}()
	return cn, cn.send(map[string]any{"type": "hello", "token": token})
}

func (c *conn) send(v any) error {
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.c.Write(ctx, websocket.MessageText, b)
}

func (c *conn) close() {
	_ = c.c.CloseNow()
	for range c.frames {
	}
}

// command sends a host command and waits for its ack.
func (c *conn) command(typ string) error {
	c.ids++
	id := fmt.Sprint("h", c.ids)
	if err := c.send(map[string]any{"id": id, "type": typ}); err != nil {
		return err
	}
	for f := range c.frames {
		c.note(f)
		if f.ID == id {
			if f.Type != "ack" {
				return fmt.Errorf("%s: %s", typ, f.Code)
			}
			return nil
		}
	}
	return fmt.Errorf("%s: connection closed", typ)
}

// waitPhase waits until the host's view shows phase for question q.
func (c *conn) waitPhase(ctx context.Context, phase, q string, limit time.Duration) error {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for c.phase != phase || c.qid != q {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return errors.New("host connection closed")
			}
			c.note(f)
		case <-timer.C:
			return fmt.Errorf("no %s of %s within %v (at %s of %s)", phase, q, limit, c.phase, c.qid)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// phone answers every question it sees, re-sends an unacknowledged answer
// with the same id after a reconnect, and sometimes drops its connection.
type phone struct {
	base, room, token string
	drop              float64
	rng               *rand.Rand
}

func (p *phone) run(ctx context.Context) {
	answered := map[string]bool{}
	pending := map[string][]byte{}
	n := 0
	for ctx.Err() == nil {
		c, err := dial(ctx, p.base, p.room, p.token)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		stop := context.AfterFunc(ctx, func() { _ = c.c.CloseNow() })
		for _, b := range pending {
			_ = c.send(json.RawMessage(b))
		}
		dropped := false
		for f := range c.frames {
			switch f.Type {
			case "state":
				var s struct {
					Phase    string
					Question *struct{ ID string }
				}
				if json.Unmarshal(f.Data, &s) != nil || s.Phase != "question" || s.Question == nil || answered[s.Question.ID] {
					continue
				}
				q := s.Question.ID
				answered[q] = true
				n++
				id := fmt.Sprint("a", n)
				b, _ := json.Marshal(map[string]any{"id": id, "type": "answer", "data": answer(q, p.rng)})
				pending[id] = b
				_ = c.send(json.RawMessage(b))
				if p.rng.Float64() < p.drop {
					dropped = true
					_ = c.c.CloseNow()
				}
			case "ack", "error":
				delete(pending, f.ID)
			}
		}
		stop()
		c.close()
		if !dropped {
			return // the server closed the room, or the session ended
		}
		time.Sleep(time.Duration(p.rng.IntN(500)) * time.Millisecond)
	}
}

func answer(q string, rng *rand.Rand) map[string]any {
	d := map[string]any{"question": q}
	switch q {
	case "q1":
		d["options"] = []string{[]string{"a", "b"}[rng.IntN(2)]}
	case "q2":
		d["options"] = slices.Clip([]string{"a", "c"})[:1+rng.IntN(2)]
	case "q3":
		d["options"] = []string{"true"}
	case "q4":
		d["number"] = float64(rng.IntN(8))
	case "q5":
		d["text"] = []string{"пять", "шесть"}[rng.IntN(2)]
	}
	return d
}
