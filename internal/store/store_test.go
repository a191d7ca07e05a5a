package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"

	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		storetest.StopRedis()
		os.Exit(code)
	}))
}

func openBolt(tb testing.TB) *store.Bolt {
	tb.Helper()
	b, err := store.OpenBolt(filepath.Join(tb.TempDir(), "huddle.db"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func openRedis(tb testing.TB) *store.Redis {
	tb.Helper()
	url := storetest.RedisURL(tb)
	r, err := store.OpenRedis(context.Background(), url, storetest.UniquePrefix(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestMemory(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return store.NewMemory() })
}

func TestBolt(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openBolt(t) })
}

func TestRedis(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openRedis(t) })
}

func TestBoltSecondOpenFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "huddle.db") // the data dir does not exist yet
	first, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()

	start := time.Now()
	second, err := store.OpenBolt(path)
	if err == nil {
		second.Close()
		t.Fatal("second OpenBolt on the same file succeeded")
	}
	if !strings.Contains(err.Error(), "in use by another huddle process") {
		t.Errorf("error = %q, want it to say the data dir is in use", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second OpenBolt took %v to fail", d)
	}
}

func TestBoltReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "huddle.db")
	b, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	if err := b.Append(ctx, "r", []store.Event{{Seq: 1, At: at, Type: "t", Data: json.RawMessage(`{"a": 1}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b, err = store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	events, err := b.Events(ctx, "r", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || string(events[0].Data) != `{"a": 1}` || !events[0].At.Equal(at) {
		t.Errorf("after reopen: events = %+v", events)
	}
	if err := b.Append(ctx, "r", []store.Event{{Seq: 2, At: at, Type: "t"}}); err != nil {
		t.Errorf("append after reopen: %v", err)
	}
}

func TestNewRedisLeavesClientOpen(t *testing.T) {
	opts, err := redis.ParseURL(storetest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	r := store.NewRedis(client, storetest.UniquePrefix(t))
	if err := r.Append(t.Context(), "r", []store.Event{{Seq: 1, Type: "t"}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Errorf("client after store Close: %v", err)
	}
}

func TestOpenRedisBadURL(t *testing.T) {
	if _, err := store.OpenRedis(t.Context(), "http://nowhere", "p:"); err == nil {
		t.Error("OpenRedis with an http URL succeeded")
	}
}

// BenchmarkAppend measures one Append of a batch of events of about 200
// bytes; ns/event is the cost per stored event.
// TestBoltOldSnapshotPlace reads a snapshot where files written before kept
// it (next to the events bucket), and a new snapshot replaces it.
func TestBoltOldSnapshotPlace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "huddle.db")
	b, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := b.SaveSnapshot(ctx, "r", store.Snapshot{Seq: 7, At: at, Data: json.RawMessage(`{"old":true}`)}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { // move it to the old place
		r := tx.Bucket([]byte("rooms")).Bucket([]byte("r"))
		v := append([]byte(nil), r.Bucket([]byte("snapshot")).Get([]byte("snap"))...)
		if err := r.DeleteBucket([]byte("snapshot")); err != nil {
			return err
		}
		return r.Put([]byte("snap"), v)
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}

	b, err = store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, ok, err := b.LoadSnapshot(ctx, "r")
	if err != nil || !ok || s.Seq != 7 || string(s.Data) != `{"old":true}` {
		t.Fatalf("old place: %+v, %v, %v", s, ok, err)
	}
	if err := b.SaveSnapshot(ctx, "r", store.Snapshot{Seq: 9, At: at, Data: json.RawMessage(`{"new":true}`)}); err != nil {
		t.Fatal(err)
	}
	if s, ok, err := b.LoadSnapshot(ctx, "r"); err != nil || !ok || s.Seq != 9 {
		t.Fatalf("after a new snapshot: %+v, %v, %v", s, ok, err)
	}
}

// BenchmarkAppendBesideSnapshot appends to a room that has a large
// snapshot, as a live room of thousands of players does: the append must
// not rewrite the snapshot.
func BenchmarkAppendBesideSnapshot(b *testing.B) {
	s := openBolt(b)
	defer s.Close()
	ctx := context.Background()
	snap := json.RawMessage(fmt.Sprintf(`{"x":%q}`, strings.Repeat("x", 2<<20)))
	if err := s.SaveSnapshot(ctx, "bench", store.Snapshot{Seq: 0, At: time.Now(), Data: snap}); err != nil {
		b.Fatal(err)
	}
	data := json.RawMessage(`{"player":"p-0123456789","question":"q12","options":["a"]}`)
	var seq uint64
	b.ReportAllocs()
	for b.Loop() {
		seq++
		if err := s.Append(ctx, "bench", []store.Event{{Seq: seq, At: time.Now(), Type: "answer", Data: data}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	data := json.RawMessage(fmt.Sprintf(`{"player":"p-0123456789","team":"red","question":12,"answer":[1,3],"ms":1834,"text":%q}`,
		strings.Repeat("x", 100)))
	stores := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"bolt", func(b *testing.B) store.Store { return openBolt(b) }},
		{"redis", func(b *testing.B) store.Store { return openRedis(b) }},
	}
	for _, st := range stores {
		for _, n := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/batch=%d", st.name, n), func(b *testing.B) {
				s := st.open(b)
				defer s.Close()
				ctx := context.Background()
				batch := make([]store.Event, n)
				at := time.Now()
				var seq uint64
				b.ReportAllocs()
				for b.Loop() {
					for i := range batch {
						seq++
						batch[i] = store.Event{Seq: seq, At: at, Type: "answer", Data: data}
					}
					if err := s.Append(ctx, "bench", batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(seq), "ns/event")
			})
		}
	}
}

func TestMemoryAccounts(t *testing.T) {
	storetest.RunAccounts(t, func(*testing.T) store.Accounts { return store.NewMemory().Accounts() })
}

func TestBoltAccounts(t *testing.T) {
	storetest.RunAccounts(t, func(t *testing.T) store.Accounts {
		b := openBolt(t)
		t.Cleanup(func() { b.Close() })
		return b.Accounts()
	})
}

func TestRedisAccounts(t *testing.T) {
	storetest.RunAccounts(t, func(t *testing.T) store.Accounts {
		r := openRedis(t)
		t.Cleanup(func() { r.Close() })
		return r.Accounts()
	})
}

// TestBoltLoneAppendCommitsAtOnce: an append with no other under way does
// not wait for appends of other rooms to share its disk sync. With the
// batches' wait set to an hour, it would hang the test.
func TestBoltLoneAppendCommitsAtOnce(t *testing.T) {
	b, err := store.OpenBolt(filepath.Join(t.TempDir(), "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.SetBatchDelay(time.Hour)
	for seq := uint64(1); seq <= 3; seq++ {
		if err := b.Append(context.Background(), "r1", []store.Event{{Seq: seq, At: time.Now().UTC(), Type: "x", Data: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := b.Events(context.Background(), "r1", 0)
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d events stored (%v), want 3", len(evs), err)
	}
}
