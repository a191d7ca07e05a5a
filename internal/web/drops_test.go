package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// dropsYAML has long questions, so only answers (or the host) close them.
const dropsYAML = `
id: drops
title: Drops
language: en
stages:
  - id: s
    kind: quiz
    speed_bonus: false
    time_limit: 10m
    questions:
      - {id: q1, type: single, text: One, options: [{text: A, correct: true}, {text: B}]}
      - {id: q2, type: single, text: Two, options: [{text: A}, {text: B, correct: true}]}
      - {id: q3, type: single, text: Three, options: [{text: A, correct: true}, {text: B}]}
      - {id: q4, type: single, text: Four, options: [{text: A}, {text: B, correct: true}]}
      - {id: q5, type: single, text: Five, options: [{text: A, correct: true}, {text: B}]}
`

var dropQuestions = []string{"q1", "q2", "q3", "q4", "q5"}

// envInt reads a positive number from the environment, or def.
func envInt(t *testing.T, key string, def int) int {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", key, v)
	}
	return n
}

// dropPhone is a phone on a bad network: its socket is cut at random, it
// stays offline a while, then redials and re-sends its unanswered answers
// with their original ids, as static/app.js's Connection does.
type dropPhone struct {
	t     *testing.T
	base  string
	j     joined
	rng   *rand.Rand
	mu    sync.Mutex
	conn  *websocket.Conn
	off   time.Duration     // how long the current drop lasts
	out   map[string][]byte // unanswered frames by id
	qOf   map[string]string // question of each id
	sent  map[string]bool   // questions answered or queued
	acked map[string]string // question → option acknowledged
	ids   int
	welc  chan struct{} // receives after each welcome
	slow  time.Duration // slowest resync after a drop
	onAck func()
}

// drop cuts the phone's socket; it stays offline for d.
func (p *dropPhone) drop(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		p.off = d
		_ = p.conn.CloseNow()
	}
}

func (p *dropPhone) run(ctx context.Context) {
	wsURL := "ws" + strings.TrimPrefix(p.base, "http") + "/ws/" + p.j.Room
	var offlineSince time.Time
	for ctx.Err() == nil {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, _, err := websocket.Dial(dctx, wsURL, nil)
		cancel()
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		c.SetReadLimit(1 << 20)
		p.mu.Lock()
		p.conn, p.off = c, 0
		p.mu.Unlock()
		p.write(c, map[string]any{"type": "hello", "token": p.j.Token, "lang": "en"})
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				break
			}
			var f frame
			if json.Unmarshal(b, &f) != nil {
				p.t.Errorf("bad frame %s", b)
				continue
			}
			switch f.Type {
			case "welcome":
				if !offlineSince.IsZero() {
					p.mu.Lock()
					p.slow = max(p.slow, time.Since(offlineSince))
					p.mu.Unlock()
				}
				p.mu.Lock()
				for _, fr := range p.out { // re-send what was never answered
					p.write(c, json.RawMessage(fr))
				}
				p.mu.Unlock()
			case "state":
				var s phoneState
				if json.Unmarshal(f.Data, &s) == nil && s.Phase == "question" && s.Question != nil {
					p.answer(c, s.Question.ID)
				}
			case "ack":
				p.mu.Lock()
				q, ok := p.qOf[f.ID]
				if ok {
					var fr struct {
						Data struct{ Options []string } `json:"data"`
					}
					_ = json.Unmarshal(p.out[f.ID], &fr)
					delete(p.out, f.ID)
					delete(p.qOf, f.ID)
					p.acked[q] = fr.Data.Options[0]
				}
				p.mu.Unlock()
				if ok {
					p.onAck()
				}
			case "error":
				p.t.Errorf("%s: error %s for %s", p.j.Player, f.Code, f.ID)
			}
		}
		_ = c.CloseNow()
		p.mu.Lock()
		off := p.off
		p.conn = nil
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(off):
		}
		offlineSince = time.Now()
	}
}

// answer queues and sends the phone's answer to q, once.
func (p *dropPhone) answer(c *websocket.Conn, q string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sent[q] {
		return
	}
	p.sent[q] = true
	p.ids++
	id := fmt.Sprintf("a%d", p.ids)
	fr, _ := json.Marshal(map[string]any{"id": id, "type": "answer",
		"data": map[string]any{"question": q, "options": []string{[]string{"a", "b"}[p.rng.IntN(2)]}}})
	p.out[id], p.qOf[id] = fr, q
	p.write(c, json.RawMessage(fr))
}

// write sends without waiting long; a failed write is a drop, and the frame
// stays queued.
func (p *dropPhone) write(c *websocket.Conn, v any) {
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = c.Write(ctx, websocket.MessageText, b)
}

// TestPhoneDrops plays a room while phones lose their connection at random
// and come back: no duplicate players, no lost acknowledged answer, no
// answer scored twice. HUDDLE_DROP_PHONES, HUDDLE_DROPS and
// HUDDLE_DROP_MAX_MS scale it up (docs/reliability.md).
func TestPhoneDrops(t *testing.T) {
	phones := envInt(t, "HUDDLE_DROP_PHONES", 40)
	drops := envInt(t, "HUDDLE_DROPS", 100)
	maxOff := time.Duration(envInt(t, "HUDDLE_DROP_MAX_MS", 300)) * time.Millisecond
	sc, err := scenario.Parse("drops.yaml", []byte(dropsYAML))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := startEnvWith(t, st, []*scenario.Scenario{sc}, func(c *Config) {
		c.Limits.JoinsPerMinute, c.Limits.JoinBurst = 100000, 100000
		c.Limits.MessagesPerMinute, c.Limits.MessageBurst = 100000, 100000
	})
	room := createRoom(t, e.url, map[string]any{"scenario": "drops", "team_count": 4, "lang": "en"})
	host := dial(t, e.url, room.Room, room.HostToken)

	var acks atomic.Int64
	ps := make([]*dropPhone, phones)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for i := range ps {
		j := joinRoom(t, e.url, room.Code, fmt.Sprintf("Телефон %03d", i), "")
		ps[i] = &dropPhone{t: t, base: e.url, j: j, rng: rand.New(rand.NewPCG(uint64(i), 1)),
			out: map[string][]byte{}, qOf: map[string]string{}, sent: map[string]bool{}, acked: map[string]string{},
			onAck: func() { acks.Add(1) }}
		wg.Add(1)
		go func() { defer wg.Done(); ps[i].run(ctx) }()
	}

	// Drops come all through the session, spread over the questions.
	var dropped atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(13, 14))
		for range drops {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(r.IntN(40)) * time.Millisecond):
			}
			ps[r.IntN(len(ps))].drop(time.Duration(r.Int64N(int64(maxOff) + 1)))
			dropped.Add(1)
		}
	}()

	host.do("start", nil)
	for k, q := range dropQuestions {
		// Every phone answers, through the drops; the question then closes by itself.
		host.waitWithin(maxOff+20*time.Second, "reveal of "+q, func(cl *client) bool {
			v, ok := latestData[struct {
				Phase    string
				Question *struct{ ID string }
			}](cl, "view")
			return ok && v.Phase == "reveal" && v.Question != nil && v.Question.ID == q
		})
		// Keep the session going until its share of the drops has happened.
		for dropped.Load() < int64(drops*(k+1)/len(dropQuestions)) {
			time.Sleep(10 * time.Millisecond)
		}
		if k < len(dropQuestions)-1 {
			host.do("next", nil)
			host.do("next", nil)
		}
	}
	// Every answer is acknowledged in the end.
	deadline := time.Now().Add(maxOff + 30*time.Second)
	for acks.Load() < int64(phones*len(dropQuestions)) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d answers acknowledged", acks.Load(), phones*len(dropQuestions))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()

	// The audit log: one join per phone, one answer per phone and question,
	// and that answer is the one the phone was told was taken.
	req, _ := http.NewRequest(http.MethodGet, e.url+"/api/rooms/"+room.Room+"/audit.json", nil)
	req.Header.Set("Authorization", "Bearer "+room.HostToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var audit struct {
		Events []struct {
			Type string `json:"type"`
			Data struct {
				Player   string `json:"player"`
				Question string `json:"question"`
				Choice   struct {
					Options []string `json:"options"`
				} `json:"choice"`
			} `json:"data"`
		} `json:"events"`
	}
	err = json.NewDecoder(resp.Body).Decode(&audit)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	joins, stored := 0, map[string][]string{}
	for _, ev := range audit.Events {
		switch ev.Type {
		case "joined":
			joins++
		case "answered":
			k := ev.Data.Question + "/" + ev.Data.Player
			stored[k] = append(stored[k], ev.Data.Choice.Options...)
		}
	}
	if joins != phones {
		t.Errorf("%d players joined, want %d: a phone came back as a new player", joins, phones)
	}
	lost, twice := 0, 0
	var slowest time.Duration
	for _, p := range ps {
		slowest = max(slowest, p.slow)
		for q, opt := range p.acked {
			got := stored[q+"/"+p.j.Player]
			switch {
			case len(got) == 0 || got[0] != opt:
				lost++
			case len(got) > 1:
				twice++
			}
		}
	}
	if lost != 0 || twice != 0 {
		t.Fatalf("%d acknowledged answers lost, %d stored twice", lost, twice)
	}
	// Scores: each phone has one correct answer per question it got right.
	res, err := e.hub.Room(room.Room).Results(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	correct := map[string]int{}
	for _, p := range ps {
		for q, opt := range p.acked {
			if (opt == "a") == (q == "q1" || q == "q3" || q == "q5") {
				correct[p.j.Player]++
			}
		}
	}
	for _, pr := range res.Players {
		if pr.Correct != correct[pr.ID] {
			t.Fatalf("%s scored %d correct, want %d", pr.Name, pr.Correct, correct[pr.ID])
		}
	}
	t.Logf("%d phones, %d drops (0–%v offline): 0 duplicate players, 0 lost acked answers, 0 double-scored; slowest resync %v",
		phones, dropped.Load(), maxOff, slowest.Round(time.Millisecond))
}
