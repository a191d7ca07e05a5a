package web

import (
	"sync"
	"sync/atomic"
	"time"
)

// pinger pings every idle WebSocket every `every`, from one timer for all
// of them: a socket holds no ticker and no goroutine for it. A socket is
// idle when its peer has sent no frame for `every`: a phone that answers
// has shown it is there, and is pinged only once it falls silent. A ping
// runs on a goroutine of its own only until its pong comes (or `timeout`
// passes and the socket is cut), so the pings of a room of phones cost a
// few goroutines at a time.
type pinger struct {
	every, timeout time.Duration
	tick           time.Duration // between sweeps: a socket is pinged within every+tick of its last ping

	// swept is when the latest sweep began (Unix nanoseconds): what a
	// socket's reader stores as the time it last heard its peer, which is
	// precise enough at the sweeps' pace and costs no clock read per frame.
	swept atomic.Int64

	mu    sync.Mutex
	due   map[*wsConn]time.Time // when each socket's next ping is due
	timer *time.Timer           // armed while any socket is open; nil otherwise
}

func newPinger(every, timeout time.Duration) *pinger {
	p := &pinger{every: every, timeout: timeout, tick: min(max(every/5, 10*time.Millisecond), 5*time.Second), due: map[*wsConn]time.Time{}}
	p.swept.Store(time.Now().UnixNano())
	return p
}

// heard notes that w's peer has just sent a frame.
func (p *pinger) heard(w *wsConn) { w.heard.Store(p.swept.Load()) }

// add starts pinging w.
func (p *pinger) add(w *wsConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.due[w] = time.Now().Add(p.every)
	p.arm()
}

// remove stops pinging w; once it returns, no new ping of w starts.
func (p *pinger) remove(w *wsConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.due, w)
}

// arm sets the timer for the next sweep, if any socket is open and none is
// set; the caller holds mu.
func (p *pinger) arm() {
	if p.timer == nil && len(p.due) > 0 {
		p.timer = time.AfterFunc(p.tick, p.sweep)
	}
}

// sweep pings the sockets whose ping is due, whose peers have been silent
// since, and which have no ping waiting.
func (p *pinger) sweep() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.timer = nil
	now := time.Now()
	p.swept.Store(now.UnixNano())
	for w, at := range p.due {
		if now.Before(at) {
			continue
		}
		if heard := time.Unix(0, w.heard.Load()).Add(p.every); now.Before(heard) {
			p.due[w] = heard // heard from within every: not idle
			continue
		}
		p.due[w] = now.Add(p.every)
		if w.pinging.CompareAndSwap(false, true) {
			w.pings.Add(1)
			go w.ping(p.timeout)
		}
	}
	p.arm()
}
