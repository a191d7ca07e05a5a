package room

import (
	"context"
	"errors"
	"testing"

	"github.com/huddle-live/huddle/internal/session"
)

// TestReissueLinks: new host and screen tokens replace the old ones at once
// and after a restart; sockets that came in with an old token are closed,
// a signed-in facilitator's socket stays.
func TestReissueLinks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	byToken, screen, bySession := &fakeConn{}, &fakeConn{}, &fakeConn{}
	f.room.Attach(byToken, f.c.HostToken, "en")
	f.room.Attach(screen, f.c.ScreenToken, "en")
	f.room.AttachHost(bySession, "en")
	f.sync()
	if w := bySession.last("welcome"); w == nil || w["data"].(map[string]any)["role"] != "host" {
		t.Fatalf("session host got %v", bySession.frames)
	}

	// Handlers ask IsHost from their own goroutines while the room
	// replaces the hash: under -race, a hash shared with the state shows.
	asking := make(chan struct{})
	asked := make(chan struct{})
	go func() {
		defer close(asked)
		for {
			select {
			case <-asking:
				return
			default:
				f.room.IsHost(f.c.HostToken)
			}
		}
	}()
	l, err := f.room.Reissue(ctx, true, false)
	close(asking)
	<-asked
	if err != nil {
		t.Fatal(err)
	}
	f.sync()
	if l.HostToken == "" || l.ScreenToken != "" {
		t.Fatalf("Reissue(host) = %+v", l)
	}
	if f.room.IsHost(f.c.HostToken) || !f.room.IsHost(l.HostToken) {
		t.Fatal("the old host token still works, or the new one does not")
	}
	if byToken.closedWith() != session.StatusPolicy || byToken.last("error")["code"] != "unauthorized" {
		t.Errorf("the old host token's socket: closed %d, error %v", byToken.closedWith(), byToken.last("error"))
	}
	if screen.closedWith() != 0 || bySession.closedWith() != 0 {
		t.Errorf("screen closed %d, session host closed %d: neither should be", screen.closedWith(), bySession.closedWith())
	}
	// The session host still commands.
	if r := f.command(bySession, "s1", "lock", map[string]bool{"locked": true}); r["type"] != "ack" {
		t.Errorf("lock from the session host: %v", r)
	}

	l2, err := f.room.Reissue(ctx, false, true)
	if err != nil {
		t.Fatal(err)
	}
	f.sync()
	if screen.closedWith() != session.StatusPolicy {
		t.Errorf("the old screen token's socket was not closed")
	}
	again := &fakeConn{}
	f.room.Attach(again, f.c.ScreenToken, "en")
	f.sync()
	if again.closedWith() != session.StatusPolicy {
		t.Error("the old screen token was accepted")
	}
	fresh := &fakeConn{}
	f.room.Attach(fresh, l2.ScreenToken, "en")
	f.sync()
	if w := fresh.last("welcome"); w == nil || w["data"].(map[string]any)["role"] != "screen" {
		t.Errorf("the new screen token: %v", fresh.frames)
	}
	f.assertReplayEqualsLive("after reissues")

	// A restarted hub knows only the new tokens.
	if _, err := f.room.Reissue(ctx, false, false); !errors.Is(err, session.ErrBadRequest) {
		t.Errorf("Reissue of nothing: %v", err)
	}
	l3, err := load(ctx, f.hub.deps.store, f.room.ID(), f.hub.deps.log)
	if err != nil {
		t.Fatal(err)
	}
	if st := l3.st; st.Config.HostHash != session.HashToken(l.HostToken) || st.Config.ScreenHash != session.HashToken(l2.ScreenToken) {
		t.Error("the replayed room has other tokens")
	}
	entries, err := f.room.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type == "links" && len(e.Data.(map[string]any)) != 0 {
			t.Errorf("the audit log shows a token hash: %v", e.Data)
		}
	}
}

func TestHubDelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	host := &fakeConn{}
	f.room.Attach(host, f.c.HostToken, "en")
	f.sync()
	sum, err := f.room.Summary(ctx)
	if err != nil || sum.Phase != session.PhaseLobby || sum.Finished {
		t.Fatalf("Summary = %+v, %v", sum, err)
	}
	if err := f.hub.Delete(ctx, f.room.ID()); err != nil {
		t.Fatal(err)
	}
	if f.hub.Room(f.room.ID()) != nil || f.hub.ByCode(f.room.Code()) != nil {
		t.Error("the hub still holds the deleted room")
	}
	if ids, _ := f.hub.deps.store.Rooms(ctx); len(ids) != 0 {
		t.Errorf("the store still holds %v", ids)
	}
	if host.closedWith() != session.StatusRestart {
		t.Errorf("the host socket closed with %d", host.closedWith())
	}
	if err := f.hub.Delete(ctx, f.room.ID()); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}
