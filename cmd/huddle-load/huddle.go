package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// huddleRoom is one room under load: its host and its phones.
type huddleRoom struct {
	code   string
	id     string
	ws     string // the room's WebSocket URL on the process that created it
	s      *session
	h      *host
	hconn  *websocket.Conn
	tokens []string // the phones' tokens, for the restart
	open   []int64
	// phoneFrames are the frames the phones had when the last question was
	// done, before the podium.
	phoneFrames int64
}

// newHuddleRoom creates a room for n phones as the signed-in facilitator
// and opens its host's socket.
func newHuddleRoom(ctx context.Context, hc *http.Client, cfg config, t target, session *http.Cookie, n int) (*huddleRoom, error) {
	var created struct {
		Room      string `json:"room"`
		Code      string `json:"code"`
		HostToken string `json:"host_token"`
	}
	body := fmt.Sprintf(`{"scenario":%q,"team_count":%d,"lang":"en"}`, scenarioID, cfg.teams)
	if err := postJSONAs(ctx, hc, session, "http://"+t.addr+"/api/rooms", body, &created); err != nil {
		return nil, fmt.Errorf("create room: %w", err)
	}
	r := &huddleRoom{code: created.Code, id: created.Room, ws: "ws://" + t.addr + "/ws/" + created.Room, s: newSession(n, cfg.questions),
		tokens: make([]string, n), open: make([]int64, cfg.questions)}
	hconn, _, err := websocket.Dial(ctx, r.ws, nil)
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	hconn.SetReadLimit(256 << 20)
	r.hconn = hconn
	r.h = &host{c: hconn, s: r.s, want: n, counted: make([]int64, cfg.questions), done: make(chan struct{}), qindex: -1}
	if err := hconn.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"hello","token":%q,"lang":"en"}`, created.HostToken)); err != nil {
		_ = hconn.CloseNow()
		return nil, err
	}
	go r.h.read(ctx)
	return r, nil
}

// close closes the host's socket and waits for its reader.
func (r *huddleRoom) close() {
	_ = r.hconn.CloseNow()
	<-r.h.done
}

// join brings the room's phones in, with workers of their own loopback
// addresses from first on: each phone's hello joins the room, as the phone
// page's does (docs/protocol.md, "Joining over the socket"), or with
// joinPost each phone first joins by POST /api/join and says hello with
// its token. With several processes, phone i joins and connects through
// addrs[i%n].
func (r *huddleRoom) join(ctx context.Context, addrs []string, workers, first int, joinPost bool) int64 {
	r.s.tokens = r.tokens
	errs, _ := r.s.connectAll(ctx, workers, first, addrs[0], func(ctx context.Context, hc *http.Client, i int) (string, []byte, error) {
		addr := addrs[i%len(addrs)]
		ws := "ws://" + addr + "/ws/" + r.id
		if !joinPost {
			return ws, fmt.Appendf(nil, `{"type":"hello","join":{"name":"phone %d","team":""},"lang":"en"}`, i), nil
		}
		var j struct {
			Token string `json:"token"`
		}
		if err := postJSON(ctx, hc, "http://"+addr+"/api/join", fmt.Sprintf(`{"code":%q,"name":"phone %d","team":""}`, r.code, i), &j); err != nil {
			return "", nil, fmt.Errorf("join: %w", err)
		}
		r.tokens[i] = j.Token
		return ws, fmt.Appendf(nil, `{"type":"hello","token":%q,"lang":"en"}`, j.Token), nil
	})
	r.h.mu.Lock()
	r.h.want = int(r.s.welcomed.Load())
	r.h.mu.Unlock()
	return errs
}

// play runs the room's questions: start or next opens one, every phone
// answers within the window, the host waits until its view counts every
// answer, then next to the reveal and the leaderboard; the podium last.
func (r *huddleRoom) play(ctx context.Context, cfg config, seed int64) error {
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	h, s := r.h, r.s
	for k := range cfg.questions {
		cmd := "next"
		if k == 0 {
			cmd = "start"
		}
		r.open[k] = time.Now().UnixNano()
		if err := h.send(ctx, cmd); err != nil {
			return fmt.Errorf("host %s: %w", cmd, err)
		}
		s.answerAll(ctx, k, time.Unix(0, r.open[k]), cfg.window, answerFrames(k), rng)
		if !waitFor(ctx, 30*time.Second, func() bool { return h.countedAt(k) != 0 }) {
			fmt.Printf("  question %d: not every answer was counted within 30 s\n", k+1)
		}
		// reveal → leaderboard → (the next question opens with the next "next")
		if err := h.send(ctx, "next"); err != nil {
			return err
		}
		waitFor(ctx, 10*time.Second, func() bool { p, _ := h.state(); return p == "leaderboard" })
		waitFor(ctx, 10*time.Second, func() bool { return acksIn(s, k) })
	}
	r.phoneFrames = s.phoneFrames.Load()        // every question's frames are in: the last acks came
	if err := h.send(ctx, "next"); err != nil { // podium
		return err
	}
	waitFor(ctx, 10*time.Second, func() bool { p, _ := h.state(); return p == "finished" })
	return nil
}

// recorded is what the room's phones and host recorded.
func (r *huddleRoom) recorded() play {
	counted := make([]int64, len(r.open))
	for k := range counted {
		counted[k] = r.h.countedAt(k)
	}
	return play{s: r.s, open: r.open, counted: counted, phoneFrames: r.phoneFrames}
}

// runHuddle plays cfg.rooms rooms at once on a huddle server, cfg.n phones
// shared among them: each room a host, its phones in teams, the questions,
// the final leaderboard.
func runHuddle(ctx context.Context, cfg config, t target) (*Result, error) {
	res := &Result{Target: "huddle", N: cfg.n, Rooms: cfg.rooms, Processes: 1 + len(t.peers)}
	hc := &http.Client{Timeout: 30 * time.Second}
	cookie, err := signIn(ctx, hc, "http://"+t.addr, t.login, t.password)
	if err != nil {
		return nil, fmt.Errorf("sign in as %s: %w", t.login, err)
	}
	rooms := make([]*huddleRoom, cfg.rooms)
	for i := range rooms {
		n := cfg.n / cfg.rooms
		if i < cfg.n%cfg.rooms {
			n++
		}
		r, err := newHuddleRoom(ctx, hc, cfg, t, cookie, n)
		if err != nil {
			return nil, err
		}
		defer r.close()
		rooms[i] = r
	}

	t.compact(ctx)
	mb := t.memory(ctx, cfg.profile, "huddle-before")
	before := t.sample(ctx)
	joinProfile := t.cpuProfile(ctx, cfg.profile, "huddle-join", cfg.profileFor)
	// The rooms' phones join at once, the workers shared among them, each
	// from loopback addresses of its own.
	start := time.Now()
	var errs atomic.Int64
	var wg sync.WaitGroup
	workers := max(1, cfg.workers/len(rooms))
	for i, r := range rooms {
		wg.Go(func() { errs.Add(r.join(ctx, t.addrs(), workers, i*workers, cfg.joinPost)) })
	}
	wg.Wait()
	took := time.Since(start)
	sessions := make([]*session, len(rooms))
	for i, r := range rooms {
		sessions[i] = r.s
		defer r.s.closeAll()
	}
	res.join(cfg.n, errs.Load(), took, sessions...)
	time.Sleep(300 * time.Millisecond) // let the lobby views settle before sampling memory
	joined := t.sample(ctx)
	mj := t.memory(ctx, cfg.profile, "huddle-joined")
	res.memory(before, joined, mb, mj, res.Joined)
	if res.Joined > 0 {
		var frames int64
		for _, r := range rooms {
			frames += r.s.phoneFrames.Load()
		}
		res.JoinFramesPerPhone = float64(frames) / float64(res.Joined)
	}
	joinProfile()

	qs := t.sample(ctx)
	questionProfile := t.cpuProfile(ctx, cfg.profile, "huddle-questions", cfg.profileFor)
	defer questionProfile()
	for _, r := range rooms {
		r.s.frames.Store(0)
		r.s.phoneFrames.Store(0)
		r.s.bytes.Store(0)
	}
	errc := make(chan error, len(rooms))
	for i, r := range rooms {
		wg.Go(func() { errc <- r.play(ctx, cfg, cfg.seed+int64(i)) })
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return nil, err
		}
	}
	end := t.sample(ctx)
	res.Leaderboard = rooms[0].h.standings()
	plays := make([]play, len(rooms))
	for i, r := range rooms {
		plays[i] = r.recorded()
	}
	res.questions(plays, qs, end)
	res.allocated(mj, t.memory(ctx, cfg.profile, "huddle-asked"))
	if cfg.restart && t.restart != nil {
		for _, r := range rooms {
			r.s.closeAll() // the crash ends every socket; their files are needed again
		}
		rs, err := measureRestart(ctx, cfg, t, rooms[0])
		if err != nil {
			return nil, fmt.Errorf("restart: %w", err)
		}
		res.Restart = rs
	}
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
