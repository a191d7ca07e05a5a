package room

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
)

// lockedBuffer is a log both a hub and the test read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// clusterNode is one hub of a cluster in this test process, as a process
// would run it: its own Redis connections and node name.
type clusterNode struct {
	hub *Hub
	rs  *store.Redis
	log *lockedBuffer
}

// newClusterNodes starts hubs on one Redis under one fresh prefix, with
// the given leases.
func newClusterNodes(t *testing.T, leases ...time.Duration) []*clusterNode {
	t.Helper()
	return newClusterNodesOn(t, storetest.RedisURL(t), storetest.UniquePrefix(t), leases...)
}

// newClusterNodesOn is newClusterNodes on the Redis at url, under prefix.
func newClusterNodesOn(t *testing.T, url, prefix string, leases ...time.Duration) []*clusterNode {
	t.Helper()
	var out []*clusterNode
	for i, lease := range leases {
		rs, err := store.OpenRedis(context.Background(), url, prefix)
		if err != nil {
			t.Fatal(err)
		}
		buf := &lockedBuffer{}
		hub, err := NewClusterHub(HubConfig{Store: rs, PublicURL: "http://test", Logger: slog.New(slog.NewTextHandler(buf, nil))},
			ClusterConfig{Store: rs, Node: string(rune('a' + i)), Lease: lease})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := hub.Shutdown(context.Background()); err != nil {
				t.Error(err)
			}
			_ = rs.Close()
		})
		out = append(out, &clusterNode{hub: hub, rs: rs, log: buf})
	}
	return out
}

func (n *clusterNode) create(t *testing.T) *Created {
	t.Helper()
	sc, err := scenario.Parse("t.yaml", []byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.hub.Create(context.Background(), sc, CreateOptions{TeamCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	// The room is its creator's from the start: the first lease.
	l, ok, err := n.rs.Holder(context.Background(), c.Room.ID())
	if err != nil || !ok || l.Node != n.hub.Node() || l.Token != 1 {
		t.Fatalf("new room's lease: %+v %v %v, want %s's with token 1", l, ok, err, n.hub.Node())
	}
	return c
}

// eventually waits for cond, which the hubs make true from their own
// goroutines.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%s: not within 10 s", what)
		}
	}
}

// reply is the frame answering command id, or nil.
func (c *fakeConn) reply(id string) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.frames {
		if f["id"] == id {
			return f
		}
	}
	return nil
}

func data(v any) json.RawMessage { b, _ := json.Marshal(v); return b }

// TestClusterRelay: a room created on one hub is served by another, which
// does not run it: a join, the host's and a phone's sockets and commands
// go through Redis to the owner, and its frames come back. A delete on the
// owner closes the other hub's sockets as a room gone.
func TestClusterRelay(t *testing.T) {
	nodes := newClusterNodes(t, DefaultLease, DefaultLease)
	a, b := nodes[0], nodes[1]
	c := a.create(t)
	id := c.Room.ID()
	h := b.hub.Handle(id)
	ref, ok := h.(*Ref)
	if !ok || ref.local() != nil {
		t.Fatalf("the other hub's handle is %T, want a stand-in", h)
	}
	if b.hub.Room(id) != nil {
		t.Fatal("the other hub runs the room too")
	}
	j, err := h.JoinAs(context.Background(), JoinRequest{Name: "P"})
	if err != nil {
		t.Fatal(err)
	}
	host, phone, watcher := &fakeConn{}, &fakeConn{}, &fakeConn{}
	h.Attach(host, c.HostToken, "en")
	h.Attach(phone, j.Token, "en")
	h.AttachWatcher(watcher, "en")
	eventually(t, "host's first view", func() bool {
		return host.last("view") != nil && phone.last("state") != nil && watcher.last("state") != nil
	})
	// The watcher is counted by the owner, as on one process.
	eventually(t, "the watcher counted", func() bool {
		v := host.last("view")
		d, _ := v["data"].(map[string]any)
		return d != nil && d["watchers"] == float64(1)
	})
	h.Command(watcher, "w1", "answer", data(map[string]any{"question": "q1", "options": []string{"a"}}))
	eventually(t, "the watcher's command refused", func() bool { return watcher.reply("w1") != nil })
	if f := watcher.reply("w1"); f["type"] != "error" || f["code"] != string(session.CodeForbidden) {
		t.Fatalf("a watcher's answer got %v, want forbidden", f)
	}
	h.Command(host, "h1", "start", nil)
	eventually(t, "start acknowledged", func() bool { return host.reply("h1") != nil })
	h.Command(phone, "a1", "answer", data(map[string]any{"question": "q1", "options": []string{"a"}}))
	eventually(t, "answer acknowledged", func() bool { return phone.reply("a1") != nil })
	for _, f := range []map[string]any{host.reply("h1"), phone.reply("a1")} {
		if f["type"] != "ack" {
			t.Fatalf("reply %v, want an ack", f)
		}
	}
	eventually(t, "the question closed for the host", func() bool { return phase(host, "view") == "reveal" })
	if evs, _ := a.rs.Events(context.Background(), id, 0); len(evs) < 4 {
		t.Fatalf("%d events stored, want created, joined, started, answered and closed", len(evs))
	}

	if err := a.hub.Delete(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	for _, conn := range []*fakeConn{host, phone, watcher} {
		eventually(t, "the other hub's socket closed", func() bool { return conn.closedWith() != 0 })
		if got, e := conn.closedWith(), conn.last("error"); got != session.StatusPolicy || e == nil || e["code"] != string(session.CodeRoomGone) {
			t.Errorf("closed with %d after %v, want %d after room_gone", got, e, session.StatusPolicy)
		}
	}
	if b.hub.Handle(id) != nil {
		t.Error("the deleted room still has a handle on the other hub")
	}
}

// TestClusterStepDownOnFencedWrite: another process takes the room's lease
// while its owner still runs it; the owner's next write is refused by the
// store's script, nothing of it is stored or acknowledged, and the owner
// steps down at once, without waiting for its lease's renewal.
func TestClusterStepDownOnFencedWrite(t *testing.T) {
	a := newClusterNodes(t, time.Minute)[0] // no renewal within the test
	c := a.create(t)
	id := c.Room.ID()
	h := a.hub.Handle(id)
	host := &fakeConn{}
	h.Attach(host, c.HostToken, "en")
	eventually(t, "host's first view", func() bool { return host.last("view") != nil })
	before, err := a.rs.Events(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	l, _, _ := a.rs.Holder(ctx, id)
	if err := a.rs.Release(ctx, id, l); err != nil {
		t.Fatal(err)
	}
	other, ok, err := a.rs.Acquire(ctx, id, "other", time.Minute)
	if err != nil || !ok || other.Token <= l.Token {
		t.Fatalf("another process's lease: %+v %v %v", other, ok, err)
	}
	h.Command(host, "h1", "start", nil)
	eventually(t, "the owner stepped down", func() bool { return a.hub.Room(id) == nil })
	if !strings.Contains(a.log.String(), "store write refused") {
		t.Errorf("stepped down, but not for the refused write:\n%s", a.log.String())
	}
	after, err := a.rs.Events(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("%d events stored after the takeover, want %d: the former owner wrote", len(after), len(before))
	}
	if f := host.reply("h1"); f != nil && f["type"] == "ack" {
		t.Errorf("the refused start was acknowledged: %v", f)
	}
	if host.closedWith() != 0 {
		t.Errorf("the host's socket closed with %d: it stays for the next owner", host.closedWith())
	}
}

// TestClusterLookupWithoutRedis: a hub that has never seen a room cannot
// say whether it exists while Redis does not answer; it says so, rather
// than that the room is gone (which a page takes as final).
func TestClusterLookupWithoutRedis(t *testing.T) {
	srv := storetest.StartServer(t)
	nodes := newClusterNodesOn(t, srv.URL(), "lookup:", DefaultLease, DefaultLease)
	c := nodes[0].create(t)
	id := c.Room.ID()
	if rm, err := nodes[1].hub.Lookup("no-such-room"); rm != nil || err != nil {
		t.Fatalf("a room never created: %v, %v; want nil, nil", rm, err)
	}
	srv.Kill()
	if rm, err := nodes[1].hub.Lookup(id); rm != nil || err == nil {
		t.Errorf("Redis down: %v, %v; want an error", rm, err)
	}
	srv.Start()
	eventually(t, "the room found again", func() bool { rm, err := nodes[1].hub.Lookup(id); return rm != nil && err == nil })
}
