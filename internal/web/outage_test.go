package web

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
)

type hostStorage struct {
	Storage string `json:"storage"`
	Host    struct {
		AnsweredBy []string `json:"answered_by"`
	} `json:"host"`
}

// TestRedisOutage plays a room on a real redis-server behind a TCP proxy and
// breaks the link three ways: cut, Redis killed, link slowed. The room keeps
// running from memory, the host is told within 10 s, acks wait until the
// answer is stored, and everything is stored once Redis is back.
func TestRedisOutage(t *testing.T) {
	for _, mode := range []string{"cut", "kill", "delay"} {
		t.Run(mode, func(t *testing.T) {
			srv := storetest.StartServer(t)
			proxy := storetest.NewProxy(t, srv.Addr())
			st, err := store.OpenRedis(context.Background(), "redis://"+proxy.Addr()+"/0", "huddle:")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			e := startEnv(t, st, gameScenario(t))
			g := newGame(t, e.url, 3, 2)
			g.host.do("start", nil)
			g.waitPhones("question", "q1")
			g.phones[0].cl.do("answer", map[string]any{"question": "q1", "options": []string{"b"}})

			switch mode {
			case "cut":
				proxy.Cut()
			case "kill":
				srv.Kill()
			case "delay":
				proxy.Delay(1500 * time.Millisecond)
			}
			down := time.Now()
			id := g.phones[1].cl.send("answer", map[string]any{"question": "q1", "options": []string{"a"}})
			// The room is not blocked: the host sees the answer counted at once...
			g.host.waitFor("the answer counted", func(cl *client) bool {
				v, ok := latestData[hostStorage](cl, "view")
				return ok && len(v.Host.AnsweredBy) == 2
			})
			// ...but the phone gets no ack before the answer is stored.
			g.phones[1].cl.mu.Lock()
			_, acked := g.phones[1].cl.replies[id]
			g.phones[1].cl.mu.Unlock()
			if acked {
				t.Fatal("an answer was acknowledged before it was stored")
			}
			if mode != "delay" {
				g.host.waitFor("storage unavailable banner", func(cl *client) bool {
					v, ok := latestData[hostStorage](cl, "view")
					return ok && v.Storage == "unavailable"
				})
				t.Logf("banner %v after the outage began", time.Since(down).Round(10*time.Millisecond))
				time.Sleep(time.Second) // let the writer retry against the dead link
			}

			back := time.Now()
			switch mode {
			case "cut":
				proxy.Heal()
			case "kill":
				srv.Start()
			case "delay":
				proxy.Delay(0)
			}
			if f := g.phones[1].cl.reply(id); f.Type != "ack" {
				t.Fatalf("answer after the outage: %+v", f)
			}
			t.Logf("acked %v after the store came back", time.Since(back).Round(10*time.Millisecond))
			g.host.waitFor("banner gone", func(cl *client) bool {
				v, ok := latestData[hostStorage](cl, "view")
				return ok && v.Storage == ""
			})
			// Both answers are in Redis itself, in order.
			rc := redis.NewClient(&redis.Options{Addr: srv.Addr()})
			defer rc.Close()
			direct := store.NewRedis(rc, "huddle:")
			evs, err := direct.Events(context.Background(), g.room.Room, 0)
			if err != nil {
				t.Fatal(err)
			}
			answers := 0
			for i, ev := range evs {
				if ev.Seq != uint64(i+1) {
					t.Fatalf("event %d has seq %d", i, ev.Seq)
				}
				if ev.Type == "answered" {
					answers++
				}
			}
			if answers != 2 {
				t.Errorf("%d answers stored, want 2", answers)
			}
		})
	}
}
