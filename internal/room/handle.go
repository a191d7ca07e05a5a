package room

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/huddle-live/huddle/internal/session"
)

// Handle is a room as the web layer uses it: a Room this process runs, or,
// with several processes on one Redis, a Ref that reaches the room wherever
// it runs (docs/cluster.md).
type Handle interface {
	ID() string
	Code() string
	Info() session.Info
	IsHost(token string) bool
	JoinAs(ctx context.Context, req JoinRequest) (Joined, error)
	Attach(c Conn, token, lang string)
	AttachHost(c Conn, lang string)
	AttachWatcher(c Conn, lang string)
	Detach(c Conn)
	Command(c Conn, id, typ string, data json.RawMessage)
	Results(ctx context.Context) (*session.Results, error)
	BoardResults(ctx context.Context) (*session.BoardResults, error)
	Summary(ctx context.Context) (Summary, error)
	Reissue(ctx context.Context, host, screen bool) (Links, error)
	Audit(ctx context.Context) ([]session.AuditEntry, error)
}

var (
	_ Handle = (*Room)(nil)
	_ Handle = (*Ref)(nil)
)

// Handle returns the room with this id, or nil. On one process it is the
// live Room; with a cluster it is the room's Ref, whichever process runs it.
func (h *Hub) Handle(id string) Handle {
	rm, _ := h.Lookup(id)
	return rm
}

// Lookup is Handle that says when it cannot know: with a cluster, an error
// wrapping session.ErrStoreDown when Redis does not answer whether the
// room exists (nil, nil is a room that does not).
func (h *Hub) Lookup(id string) (Handle, error) {
	if h.cl != nil {
		ref, err := h.cl.ref(id)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", session.ErrStoreDown, err)
		}
		if ref == nil {
			return nil, nil
		}
		return ref, nil
	}
	if r := h.Room(id); r != nil {
		return r, nil
	}
	return nil, nil
}

// HandleByCode returns the room with this join code, or nil; with a
// cluster, an error wrapping session.ErrStoreDown when Redis does not
// answer, so that the caller says "try again" rather than "no such room".
func (h *Hub) HandleByCode(code string) (Handle, error) {
	if h.cl != nil {
		if r := h.ByCode(code); r != nil {
			return h.Lookup(r.ID())
		}
		ctx, cancel := context.WithTimeout(h.ctx, opTimeout)
		defer cancel()
		id, err := h.cl.cs.CodeRoom(ctx, code)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", session.ErrStoreDown, err)
		}
		if id == "" {
			return nil, nil
		}
		return h.Lookup(id)
	}
	if r := h.ByCode(code); r != nil {
		return r, nil
	}
	return nil, nil
}
