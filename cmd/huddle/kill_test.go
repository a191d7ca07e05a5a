package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/store/storetest"
)

// chaosKills is how many times TestKillRestart kills the server per store:
// a few in CI, HUDDLE_CHAOS_KILLS for the long run (docs/reliability.md).
func chaosKills(t *testing.T) int {
	if v := os.Getenv("HUDDLE_CHAOS_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("HUDDLE_CHAOS_KILLS=%q: want a positive number", v)
		}
		return n
	}
	return 3
}

// session is what the test knows for sure about a room: only what was
// acknowledged.
type session struct {
	t        *testing.T
	room     createdRoom
	players  []joinedPlayer
	phase    string
	question string
	deadline int64
	acked    map[string]bool // players whose answer to question was acknowledged
	ackedAll map[string]bool // "question/player" of every acknowledged answer in this room
	ids      int
	answers  int // acknowledged answers in all
}

func (s *session) id() string {
	s.ids++
	return fmt.Sprintf("m%d", s.ids)
}

// record takes the state from an acknowledged host view.
func (s *session) record(v hostView) {
	q := ""
	var dl int64
	if v.Question != nil {
		q, dl = v.Question.ID, v.Question.Deadline
	}
	if q != s.question {
		s.acked = map[string]bool{}
	}
	s.phase, s.question, s.deadline = v.Phase, q, dl
}

// TestKillRestart drives a room with real WebSocket clients, kills the
// server with SIGKILL at random moments (answers in flight), restarts it on
// the same store and checks that the room is back at the same question with
// the same absolute deadline and every acknowledged answer.
func TestKillRestart(t *testing.T) {
	kills := chaosKills(t)
	for _, name := range []string{"bolt", "redis"} {
		t.Run(name, func(t *testing.T) {
			var env []string
			if name == "redis" {
				env = append(env, "REDIS_URL="+storetest.RedisURL(t), "HUDDLE_REDIS_PREFIX="+storetest.UniquePrefix(t))
			}
			in := newInstance(t, env...)
			rng := rand.New(rand.NewPCG(uint64(kills), 7))
			p := in.start()
			s := &session{t: t, acked: map[string]bool{}, ackedAll: map[string]bool{}}
			if code := p.createRoom(t, map[string]any{"scenario": "process", "team_count": 2, "lang": "en"}, &s.room); code != http.StatusCreated {
				t.Fatalf("create room: %d", code)
			}
			for i := range 8 {
				var j joinedPlayer
				if code := postJSON(t, p.base+"/api/join", map[string]any{"code": s.room.Code, "name": fmt.Sprintf("Игрок %d", i)}, &j); code != http.StatusCreated {
					t.Fatalf("join: %d", code)
				}
				s.players = append(s.players, j)
			}
			s.phase = "lobby"
			var worstBack time.Duration
			for k := 0; k < kills; k++ {
				if k > 0 {
					began := time.Now()
					p = in.start()
					host := s.check(p)
					if d := time.Since(began); d > worstBack {
						worstBack = d
					}
					host.close()
				}
				if s.phase == "finished" {
					s.reset(p)
				}
				s.step(p, rng)
				p.kill()
			}
			p = in.start()
			s.check(p)
			t.Logf("%s: %d kills, %d acknowledged answers, 0 lost; slowest restart to room back %v", name, kills, s.answers, worstBack.Round(time.Millisecond))
		})
	}
}

// check connects the host to a restarted server and compares the room with
// what was acknowledged before the kill.
func (s *session) check(p *proc) *wsClient {
	s.t.Helper()
	host := dialWS(s.t, p.base, s.room.Room, s.room.HostToken)
	if host == nil || !host.wait(func(cl *wsClient) bool { _, ok := cl.view(); return ok }) {
		s.t.Fatalf("room %s not back after restart\n%s", s.room.Room, p.output())
	}
	host.mu.Lock()
	v, _ := host.view()
	host.mu.Unlock()
	q, dl := "", int64(0)
	if v.Question != nil {
		q, dl = v.Question.ID, v.Question.Deadline
	}
	if q != s.question {
		s.t.Fatalf("back at question %q, want %q", q, s.question)
	}
	if dl != s.deadline {
		s.t.Fatalf("deadline %d after restart, want %d: timers must resume from the absolute deadline", dl, s.deadline)
	}
	for pl := range s.acked {
		if v.Phase == "question" && (v.Host == nil || !slices.Contains(v.Host.AnsweredBy, pl)) {
			s.t.Fatalf("acknowledged answer of %s lost (answered: %v)", pl, v.Host)
		}
	}
	s.checkAudit(p)
	s.record(v)
	return host
}

// checkAudit reads the room's audit log: every acknowledged answer is there,
// and no player answered a question twice.
func (s *session) checkAudit(p *proc) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.base+"/api/rooms/"+s.room.Room+"/audit.json", nil)
	req.Header.Set("Authorization", "Bearer "+s.room.HostToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var audit struct {
		Events []struct {
			Type string `json:"type"`
			Data struct {
				Player   string `json:"player"`
				Question string `json:"question"`
			} `json:"data"`
		} `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&audit); err != nil || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("audit: %d %v", resp.StatusCode, err)
	}
	seen := map[string]int{}
	for _, ev := range audit.Events {
		if ev.Type == "answered" {
			seen[ev.Data.Question+"/"+ev.Data.Player]++
		}
	}
	for k, n := range seen {
		if n > 1 {
			s.t.Fatalf("answer %s stored %d times", k, n)
		}
	}
	for k := range s.ackedAll {
		if seen[k] != 1 {
			s.t.Fatalf("acknowledged answer %s lost", k)
		}
	}
}

// host sends a host command and waits for its ack and the view after it.
func (s *session) hostDo(p *proc, typ string) {
	s.t.Helper()
	host := dialWS(s.t, p.base, s.room.Room, s.room.HostToken)
	defer host.close()
	id := s.id()
	if host == nil || host.write(map[string]any{"id": id, "type": typ}) != nil {
		s.t.Fatalf("host %s: no connection", typ)
	}
	var seq uint64
	if !host.wait(func(cl *wsClient) bool {
		f, ok := cl.replies[id]
		seq = f.Seq
		return ok
	}) {
		s.t.Fatalf("host %s: no reply: %v", typ, host.closedErr())
	}
	if f := host.replies[id]; f.Type != "ack" {
		s.t.Fatalf("host %s: %s", typ, f.Code)
	}
	host.wait(func(cl *wsClient) bool { return cl.latest["view"].Seq >= seq })
	host.mu.Lock()
	v, _ := host.view()
	host.mu.Unlock()
	s.record(v)
}

// step moves the room on: the host opens the next question if none is
// open, then phones answer, and the kill comes while some are in flight.
func (s *session) step(p *proc, rng *rand.Rand) {
	s.t.Helper()
	switch s.phase {
	case "lobby":
		s.hostDo(p, "start")
	case "reveal", "leaderboard":
		s.hostDo(p, "next")
	}
	if s.phase != "question" {
		return
	}
	type sent struct {
		cl *wsClient
		id string
		pl string
	}
	var out []sent
	for _, i := range rng.Perm(len(s.players))[:1+rng.IntN(len(s.players))] {
		pl := s.players[i]
		if s.acked[pl.Player] {
			continue
		}
		cl := dialWS(s.t, p.base, s.room.Room, pl.Token)
		if cl == nil || !cl.wait(func(cl *wsClient) bool { _, ok := cl.latest["state"]; return ok }) {
			s.t.Fatalf("phone %s did not connect", pl.Player)
		}
		id := s.id()
		opt := []string{"a", "b"}[rng.IntN(2)]
		if cl.write(map[string]any{"id": id, "type": "answer", "data": map[string]any{"question": s.question, "options": []string{opt}}}) != nil {
			s.t.Fatal("answer not sent")
		}
		out = append(out, sent{cl, id, pl.Player})
	}
	// Wait for some acks, then kill with the rest in flight.
	if len(out) > 0 {
		w := out[rng.IntN(len(out))]
		w.cl.wait(func(cl *wsClient) bool { _, ok := cl.replies[w.id]; return ok })
	}
	time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
	p.kill()
	for _, o := range out {
		o.cl.mu.Lock()
		f, ok := o.cl.replies[o.id]
		o.cl.mu.Unlock()
		if ok && f.Type == "ack" {
			s.acked[o.pl] = true
			s.ackedAll[s.question+"/"+o.pl] = true
			s.answers++
		}
		o.cl.close()
	}
}

// reset starts a new room when the scripted one has finished.
func (s *session) reset(p *proc) {
	s.t.Helper()
	players := len(s.players)
	*s = session{t: s.t, acked: map[string]bool{}, ackedAll: map[string]bool{}, ids: s.ids, answers: s.answers, phase: "lobby"}
	if code := p.createRoom(s.t, map[string]any{"scenario": "process", "team_count": 2, "lang": "en"}, &s.room); code != http.StatusCreated {
		s.t.Fatalf("create room: %d", code)
	}
	for i := range players {
		var j joinedPlayer
		if code := postJSON(s.t, p.base+"/api/join", map[string]any{"code": s.room.Code, "name": fmt.Sprintf("Игрок %d", i)}, &j); code != http.StatusCreated {
			s.t.Fatalf("join: %d", code)
		}
		s.players = append(s.players, j)
	}
}
