package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/store"
)

// TestGracefulRestart: SIGTERM stops the server within 10 s, after a final
// snapshot of every room, with every socket closed with 1012; phones that
// redial like the pages do are back on the new process at once.
func TestGracefulRestart(t *testing.T) {
	in := newInstance(t)
	p := in.start()
	var room createdRoom
	if code := p.createRoom(t, map[string]any{"scenario": "process", "team_count": 2, "lang": "en"}, &room); code != http.StatusCreated {
		t.Fatalf("create room: %d", code)
	}
	const phones = 20
	var players []joinedPlayer
	for i := range phones {
		var j joinedPlayer
		if code := postJSON(t, p.base+"/api/join", map[string]any{"code": room.Code, "name": fmt.Sprintf("Участник %d", i)}, &j); code != http.StatusCreated {
			t.Fatalf("join: %d", code)
		}
		players = append(players, j)
	}
	s := &session{t: t, room: room, players: players, acked: map[string]bool{}}
	s.hostDo(p, "start")
	clients := make([]*wsClient, phones)
	for i, pl := range players {
		clients[i] = dialWS(t, p.base, room.Room, pl.Token)
		if clients[i] == nil || !clients[i].wait(func(cl *wsClient) bool { _, ok := cl.latest["state"]; return ok }) {
			t.Fatal("phone did not connect")
		}
	}
	for i, cl := range clients[:phones/2] {
		id := s.id()
		_ = cl.write(map[string]any{"id": id, "type": "answer", "data": map[string]any{"question": "q1", "options": []string{"a"}}})
		if !cl.wait(func(cl *wsClient) bool { _, ok := cl.replies[id]; return ok }) {
			t.Fatal("no ack")
		}
		s.acked[players[i].Player] = true
	}

	took, err := p.term(15 * time.Second)
	if err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, p.output())
	}
	if took > 10*time.Second {
		t.Errorf("exit took %v, want under 10 s", took)
	}
	for _, cl := range clients {
		cl.wait(func(cl *wsClient) bool { return cl.closed != nil })
		if got := websocket.CloseStatus(cl.closedErr()); got != websocket.StatusServiceRestart {
			t.Fatalf("socket closed with %v, want 1012", cl.closedErr())
		}
	}
	// The final snapshot covers every event.
	st, err := store.OpenBolt(filepath.Join(in.dir, "data", "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	snap, ok, err := st.LoadSnapshot(context.Background(), room.Room)
	evs, err2 := st.Events(context.Background(), room.Room, 0)
	st.Close()
	if err != nil || err2 != nil || !ok || snap.Seq != uint64(len(evs)) {
		t.Fatalf("final snapshot at %d of %d events (%v, %v)", snap.Seq, len(evs), err, err2)
	}

	// Phones redial every 250 ms, as the pages' first retries do, while the
	// new process starts.
	var wg sync.WaitGroup
	back := make([]time.Time, phones)
	stop := make(chan struct{})
	for i, pl := range players {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if cl := dialWS(t, p.base, room.Room, pl.Token); cl != nil && cl.wait(func(cl *wsClient) bool { _, ok := cl.latest["me"]; return ok }) {
					back[i] = time.Now()
					return
				}
				select {
				case <-stop:
					return
				case <-time.After(250 * time.Millisecond):
				}
			}
		}()
	}
	p2 := in.start()
	ready := time.Now()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		close(stop)
		<-done
		t.Fatalf("phones not back\n%s", p2.output())
	}
	var worst time.Duration
	for _, b := range back {
		worst = max(worst, b.Sub(ready))
	}
	t.Logf("SIGTERM to exit %v; %d phones back %v after the new process was ready", took.Round(time.Millisecond), phones, worst.Round(time.Millisecond))
	s.check(p2).close()
}
