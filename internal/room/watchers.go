package room

import "github.com/huddle-live/huddle/internal/session"

// Watchers follow a room as a phone does, without joining it: people with
// no team, a second screen at the back of the hall. A watcher is no
// player: it is not counted in answers, standings or team sizes, and it
// may send nothing (session.RoleWatcher). The projector and the host see
// how many there are.

// AttachWatcher connects c as a watcher. A room takes as many watchers as
// it takes players; past that the watcher gets room_full and is closed.
func (r *Room) AttachWatcher(c Conn, lang string) {
	if r.post(func() { r.attachWatcher(c, lang) }) != nil {
		c.Close(session.StatusRestart, "room stopped")
	}
}

func (r *Room) attachWatcher(c Conn, lang string) {
	if len(r.subs.watchers) >= r.maxPlayers {
		r.sendTo(c, r.errorFrame("", session.ErrRoomFull, lang))
		c.Close(session.StatusPolicy, "room full")
		return
	}
	r.subs.watchers[c] = struct{}{}
	r.subs.marks.View = true // the watchers' count
	r.attachSub(c, &sub{role: session.RoleWatcher, lang: lang})
}

// dropWatcher forgets c if it was a watcher.
func (r *Room) dropWatcher(c Conn) {
	if _, ok := r.subs.watchers[c]; ok {
		delete(r.subs.watchers, c)
		r.subs.marks.View = true
	}
}
