package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// runHuddle plays one room on a huddle server: a host, n phones in teams,
// the questions, the final leaderboard.
func runHuddle(ctx context.Context, cfg config, t target) (*Result, error) {
	base := "http://" + t.addr
	res := &Result{Target: "huddle", N: cfg.n}
	hc := &http.Client{Timeout: 30 * time.Second}
	var created struct {
		Room      string `json:"room"`
		Code      string `json:"code"`
		HostToken string `json:"host_token"`
	}
	session, err := signIn(ctx, hc, base, t.login, t.password)
	if err != nil {
		return nil, fmt.Errorf("sign in as %s: %w", t.login, err)
	}
	body := fmt.Sprintf(`{"scenario":%q,"team_count":%d,"lang":"en"}`, scenarioID, cfg.teams)
	if err := postJSONAs(ctx, hc, session, base+"/api/rooms", body, &created); err != nil {
		return nil, fmt.Errorf("create room: %w", err)
	}
	ws := "ws://" + t.addr + "/ws/" + created.Room

	s := newSession(cfg.n, cfg.questions)
	hconn, _, err := websocket.Dial(ctx, ws, nil)
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	defer hconn.CloseNow()
	hconn.SetReadLimit(256 << 20)
	h := &host{c: hconn, s: s, want: cfg.n, counted: make([]int64, cfg.questions), done: make(chan struct{}), qindex: -1}
	if err := hconn.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"hello","token":%q,"lang":"en"}`, created.HostToken)); err != nil {
		return nil, err
	}
	go h.read(ctx)
	defer func() { _ = hconn.CloseNow(); <-h.done }()

	t.compact(ctx)
	mb := t.memory(ctx, cfg.profile, "huddle-before")
	before := t.sample(ctx)
	joinProfile := t.cpuProfile(ctx, cfg.profile, "huddle-join", cfg.profileFor)
	errs, took := s.connectAll(ctx, cfg.workers, t.addr, func(ctx context.Context, hc *http.Client, i int) (string, []byte, error) {
		var j struct {
			Token string `json:"token"`
		}
		if err := postJSON(ctx, hc, base+"/api/join", fmt.Sprintf(`{"code":%q,"name":"phone %d","team":""}`, created.Code, i), &j); err != nil {
			return "", nil, fmt.Errorf("join: %w", err)
		}
		return ws, fmt.Appendf(nil, `{"type":"hello","token":%q,"lang":"en"}`, j.Token), nil
	})
	defer s.closeAll()
	res.join(cfg.n, errs, took, s)
	want := int(s.welcomed.Load())
	h.mu.Lock()
	h.want = want
	h.mu.Unlock()
	time.Sleep(300 * time.Millisecond) // let the lobby views settle before sampling memory
	joined := t.sample(ctx)
	res.memory(before, joined, mb, t.memory(ctx, cfg.profile, "huddle-joined"), want)

	rng := rand.New(rand.NewPCG(uint64(cfg.seed), 1))
	open := make([]int64, cfg.questions)
	joinProfile()
	start := t.sample(ctx)
	questionProfile := t.cpuProfile(ctx, cfg.profile, "huddle-questions", cfg.profileFor)
	defer questionProfile()
	s.frames.Store(0)
	s.phoneFrames.Store(0)
	s.bytes.Store(0)
	for k := range cfg.questions {
		cmd := "next"
		if k == 0 {
			cmd = "start"
		}
		open[k] = time.Now().UnixNano()
		if err := h.send(ctx, cmd); err != nil {
			return nil, fmt.Errorf("host %s: %w", cmd, err)
		}
		s.answerAll(ctx, k, time.Unix(0, open[k]), cfg.window, answerFrames(k), rng)
		if !waitFor(ctx, 30*time.Second, func() bool { return h.countedAt(k) != 0 }) {
			fmt.Printf("  question %d: not every answer was counted within 30 s\n", k+1)
		}
		// reveal → leaderboard → (the next question opens with the next "next")
		if err := h.send(ctx, "next"); err != nil {
			return nil, err
		}
		waitFor(ctx, 10*time.Second, func() bool { p, _ := h.state(); return p == "leaderboard" })
		waitFor(ctx, 10*time.Second, func() bool { return acksIn(s, k) })
	}
	if err := h.send(ctx, "next"); err != nil { // podium
		return nil, err
	}
	waitFor(ctx, 10*time.Second, func() bool { p, _ := h.state(); return p == "finished" })
	end := t.sample(ctx)
	res.Leaderboard = h.standings()
	counted := make([]int64, cfg.questions)
	for k := range counted {
		counted[k] = h.countedAt(k)
	}
	res.questions(s, open, counted, start, end)
	return res, nil
}

// acksIn reports whether every answer sent for question k has its ack.
func acksIn(s *session, k int) bool {
	for _, p := range s.phones {
		if p != nil && p.sent[k].Load() != 0 && p.acked[k].Load() == 0 {
			return false
		}
	}
	return true
}

func postJSON(ctx context.Context, hc *http.Client, url, body string, out any) error {
	return postJSONAs(ctx, hc, nil, url, body, out)
}

// signIn signs a facilitator in and returns the session cookie.
func signIn(ctx context.Context, hc *http.Client, base, login, password string) (*http.Cookie, error) {
	b, _ := json.Marshal(map[string]string{"login": login, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/account/signin", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	for _, c := range resp.Cookies() {
		if c.Name == "huddle_session" {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no session cookie")
}

// postJSONAs is postJSON with a facilitator's session cookie, if any.
func postJSONAs(ctx context.Context, hc *http.Client, session *http.Cookie, url, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if session != nil {
		req.AddCookie(session)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, out)
}
