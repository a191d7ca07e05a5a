package room

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// nullConn accepts every frame and counts bytes.
type nullConn struct{ bytes atomic.Int64 }

func (c *nullConn) Send(b []byte) bool { c.bytes.Add(int64(len(b))); return true }
func (c *nullConn) Close(int, string)  {}

// BenchmarkRoomAnswers measures a room taking one answer each from N
// attached phones: apply, store (memory), coalesced views, acks.
func BenchmarkRoomAnswers(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			sc, err := scenario.Parse("t.yaml", []byte(testYAML))
			if err != nil {
				b.Fatal(err)
			}
			sc.Stages[0].Quiz.Questions[0].TimeLimit = time.Hour
			hub := NewHub(HubConfig{Store: store.NewMemory()})
			defer hub.Shutdown(context.Background())
			c, err := hub.Create(context.Background(), sc, CreateOptions{TeamCount: 10})
			if err != nil {
				b.Fatal(err)
			}
			r := c.Room
			conns := make([]*nullConn, n)
			for i := range conns {
				j, err := r.Join(context.Background(), fmt.Sprintf("p%d", i), "")
				if err != nil {
					b.Fatal(err)
				}
				conns[i] = &nullConn{}
				r.Attach(conns[i], j.Token, "ru")
			}
			host := &nullConn{}
			r.Attach(host, c.HostToken, "ru")
			answer, _ := json.Marshal(map[string]any{"question": "q1", "options": []string{"a"}})
			lobby, err := call(context.Background(), r, func(reply func([]byte, error)) { reply(r.encode()) })
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				// a fresh room state per round: the lobby again, q1 open for everyone
				if _, err := call(context.Background(), r, func(reply func(struct{}, error)) {
					st, err := session.Decode(lobby)
					if err == nil {
						r.st = st
						tx := r.begin()
						err = r.end(tx, r.st.Exec(tx, session.Actor{Role: session.RoleHost}, "start", nil))
					}
					reply(struct{}{}, err)
				}); err != nil {
					b.Fatal(err)
				}
				// the start's views go out before the clock runs
				if _, err := call(context.Background(), r, func(reply func(struct{}, error)) { reply(struct{}{}, nil) }); err != nil {
					b.Fatal(err)
				}
				id := fmt.Sprint("a", i) // a new id each round: a repeated one is only acknowledged again
				b.StartTimer()
				for _, pc := range conns {
					r.Command(pc, id, "answer", answer)
				}
				if _, err := call(context.Background(), r, func(reply func(struct{}, error)) {
					r.journal.afterDurable(func() { reply(struct{}{}, nil) })
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/answer")
		})
	}
}

// BenchmarkBroadcast measures the phone-wide broadcast: the state frame
// encoded once and handed to every attached phone. allocs/op must not grow
// with N: nothing is allocated per recipient.
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			sc, err := scenario.Parse("t.yaml", []byte(testYAML))
			if err != nil {
				b.Fatal(err)
			}
			hub := NewHub(HubConfig{Store: store.NewMemory()})
			defer hub.Shutdown(context.Background())
			c, err := hub.Create(context.Background(), sc, CreateOptions{TeamCount: 10})
			if err != nil {
				b.Fatal(err)
			}
			r := c.Room
			for i := range n {
				j, err := r.Join(context.Background(), fmt.Sprintf("p%d", i), "")
				if err != nil {
					b.Fatal(err)
				}
				r.Attach(&nullConn{}, j.Token, "ru")
			}
			// Open the question, send everything pending, and wait for the
			// store: nothing of the setup may run inside the timed loop.
			if _, err := call(context.Background(), r, func(reply func(struct{}, error)) {
				tx := r.begin()
				_ = r.end(tx, r.st.Exec(tx, session.Actor{Role: session.RoleHost}, "start", nil))
				r.flush()
				r.journal.afterDurable(func() { reply(struct{}{}, nil) })
			}); err != nil {
				b.Fatal(err)
			}
			if _, err := call(context.Background(), r, func(reply func(struct{}, error)) {
				r.flush()
				reply(struct{}{}, nil)
			}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var before, after runtime.MemStats
			_, _ = call(context.Background(), r, func(reply func(struct{}, error)) {
				runtime.ReadMemStats(&before)
				for range b.N {
					r.subs.marks.State = true
					r.flush()
				}
				runtime.ReadMemStats(&after)
				reply(struct{}{}, nil)
			})
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/recipient")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*n), "allocs/recipient")
		})
	}
}

// BenchmarkSnapshot measures a snapshot of a large room: n players who
// answered every question of a 20-question quiz. It is the whole state,
// encoded on the room's goroutine.
func BenchmarkSnapshot(b *testing.B) {
	const questions = 20
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var src strings.Builder
			src.WriteString("id: t\ntitle: T\nlanguage: en\nstages:\n  - id: s\n    kind: quiz\n    time_limit: 10m\n    questions:\n")
			for q := range questions {
				fmt.Fprintf(&src, "      - {id: q%d, type: single, text: Q, options: [{text: A, correct: true}, {text: B}, {text: C}, {text: D}]}\n", q+1)
			}
			sc, err := scenario.Parse("t.yaml", []byte(src.String()))
			if err != nil {
				b.Fatal(err)
			}
			hub := NewHub(HubConfig{Store: store.NewMemory()})
			defer hub.Shutdown(context.Background())
			c, err := hub.Create(context.Background(), sc, CreateOptions{TeamCount: 10})
			if err != nil {
				b.Fatal(err)
			}
			r := c.Room
			conns := make([]*nullConn, n)
			for i := range conns {
				j, err := r.Join(context.Background(), fmt.Sprintf("p%d", i), "")
				if err != nil {
					b.Fatal(err)
				}
				conns[i] = &nullConn{}
				r.Attach(conns[i], j.Token, "ru")
			}
			host := &nullConn{}
			r.Attach(host, c.HostToken, "ru")
			for q := range questions {
				cmd := "next"
				if q == 0 {
					cmd = "start"
				}
				r.Command(host, fmt.Sprint("h", q), cmd, nil)
				answer, _ := json.Marshal(map[string]any{"question": fmt.Sprint("q", q+1), "options": []string{"a"}})
				for _, pc := range conns {
					r.Command(pc, fmt.Sprint("a", q), "answer", answer)
				}
				r.Command(host, fmt.Sprint("l", q), "next", nil) // to the leaderboard
			}
			size, err := call(context.Background(), r, func(reply func(int, error)) {
				b, err := r.encode()
				reply(len(b), err)
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := call(context.Background(), r, func(reply func([]byte, error)) { reply(r.encode()) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size)/(1<<20), "MB")
		})
	}
}
