package room

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/huddle-live/huddle/internal/store"
)

// evLinks replaces the host or screen token of a room: the old link stops
// working, and the event keeps the new hash across a restart.
const evLinks = "links"

type linksData struct {
	HostHash   string `json:"host_hash,omitempty"`
	ScreenHash string `json:"screen_hash,omitempty"`
}

func (s *State) applyLinks(ev store.Event) error {
	var d linksData
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return err
	}
	if d.HostHash == "" && d.ScreenHash == "" {
		return ErrBadRequest
	}
	if d.HostHash != "" {
		s.Config.HostHash = d.HostHash
	}
	if d.ScreenHash != "" {
		s.Config.ScreenHash = d.ScreenHash
	}
	return nil
}

// Links are a room's new secret tokens; an empty one was left as it was.
type Links struct {
	HostToken   string
	ScreenToken string
}

// Reissue gives the room a new host token, screen token, or both. Sockets
// that came in with a replaced token get an unauthorized error and are
// closed; a signed-in facilitator's sockets stay. It returns once the change
// is stored.
func (r *Room) Reissue(ctx context.Context, host, screen bool) (Links, error) {
	if !host && !screen {
		return Links{}, ErrBadRequest
	}
	var l Links
	var d linksData
	if host {
		l.HostToken = newToken()
		d.HostHash = HashToken(l.HostToken)
	}
	if screen {
		l.ScreenToken = newToken()
		d.ScreenHash = HashToken(l.ScreenToken)
	}
	return call(ctx, r, func(reply func(Links, error)) {
		if err := r.commit(evLinks, d); err != nil {
			reply(Links{}, err)
			return
		}
		hash := r.st.Config.HostHash
		r.hostHash.Store(&hash)
		for c, s := range r.subs {
			if s.session || !(host && s.role == RoleHost || screen && s.role == RoleScreen) {
				continue
			}
			r.sendTo(c, r.errorFrame("", ErrUnauthorized, s.lang))
			r.drop(c)
			c.Close(StatusPolicy, "link revoked")
		}
		r.log.Info("room links reissued", "host", host, "screen", screen)
		r.afterDurable(func() { reply(l, nil) })
	})
}

// AttachHost connects c as the room's host without a token: the caller has
// checked that a signed-in facilitator runs this room. Reissued links leave
// such a connection open.
func (r *Room) AttachHost(c Conn, lang string) {
	if r.post(func() { r.attachSub(c, &sub{role: RoleHost, lang: lang, session: true}) }) != nil {
		c.Close(StatusRestart, "room stopped")
	}
}

// Summary is a room as a facilitator's list shows it.
type Summary struct {
	Phase      string    `json:"phase"`
	Finished   bool      `json:"finished"`
	Players    int       `json:"players"`
	LastActive time.Time `json:"last_active"`
}

// Summary returns the room's phase and size.
func (r *Room) Summary(ctx context.Context) (Summary, error) {
	return call(ctx, r, func(reply func(Summary, error)) {
		reply(Summary{Phase: r.st.Phase(), Finished: r.st.Finished, Players: len(r.st.active), LastActive: r.lastActive.UTC()}, nil)
	})
}

// Delete stops a room at once and removes it from memory and the store, as
// expiry does. It returns ErrNotFound when the hub does not hold the room.
func (h *Hub) Delete(ctx context.Context, id string) error {
	h.mu.Lock()
	r := h.rooms[id]
	if r == nil || h.down {
		h.mu.Unlock()
		return ErrNotFound
	}
	delete(h.rooms, r.id)
	delete(h.codes, r.code)
	h.mu.Unlock()
	r.cancel()
	<-r.done
	if err := h.deps.store.Delete(ctx, r.id); err != nil {
		return fmt.Errorf("delete room %s: %w", r.id, err)
	}
	h.deps.log.Info("room deleted", "room", r.id, "code", r.code)
	return nil
}
