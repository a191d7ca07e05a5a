package room

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/huddle-live/huddle/internal/store"
)

const (
	snapshotEvery = 2000 // events between snapshots when no phase changes
	// ackEvery is the least time between two store writes while something
	// waits for one (an ack, a join): a write follows the one in flight as
	// soon as it is done, and everything that came meanwhile goes in it.
	ackEvery = 10 * time.Millisecond
	// snapshotQuiet keeps a snapshot away from a phase change: it is
	// encoded on the room's goroutine, and a phase change's frames are
	// still being written out after the room has queued them.
	snapshotQuiet = time.Second
	// A big room's snapshot (bigRoom players or more) takes long enough to
	// encode on the room's goroutine that whatever arrives meanwhile
	// waits for it: a host's "next" and its question's fan-out, an answer
	// and its ack. It is therefore taken only once the room has had no
	// event for snapshotCalm: between questions, while the room looks at
	// the leaderboard, or after the session. The events in between are in
	// the log, so nothing is lost meanwhile; a restart replays them.
	snapshotCalm = 2 * time.Second
	bigRoom      = 1000
	// A snapshot over snapshotFree bytes is followed by the next only once
	// the events since outnumber its size beyond that over
	// snapshotBytesPerEvent. Writing a big one (57 MB for 10,000 phones after
	// 20 questions) holds up the store, and so every ack, for a second or
	// more; replaying the events instead costs a restart about as much as
	// loading it. A room of a few hundred phones snapshots as before.
	snapshotFree          = 1 << 20
	snapshotBytesPerEvent = 64
	// snapshotGap is the least time between two snapshots, taken on the
	// room's goroutine: each is the whole state, megabytes in a room of
	// thousands of phones. A restart replays the events after the last one.
	snapshotGap = 30 * time.Second
	maxBackoff  = time.Second // between store retries: a returning store is used within about a second

	// DefaultMaxBuffered is how many events a room holds for a store that is
	// down before it refuses players' changes.
	DefaultMaxBuffered = 20000
)

// journal is a room's way to the store: it numbers the events the room
// accepts, hands them in batches to a writer goroutine of its own, takes
// snapshots, retries a store that is down with backoff, bounds what it holds
// meanwhile, and runs what waits for events to be stored (acks). Its
// methods run on the room's goroutine; the writer talks back through post.
type journal struct {
	id          string
	store       store.Store
	log         *slog.Logger
	clock       Clock
	post        func(func()) error // runs a function on the room's goroutine
	big         func() bool        // the room's snapshot waits for snapshotCalm
	notify      func()             // the storage status changed: the host's view must say so
	lost        func()             // the store refused a write for a stale lease (cluster.go); nil on one process
	abort       context.Context    // ends store retries
	every       time.Duration      // least time between two store writes
	maxBuffered int

	jobs  chan job
	wrote chan struct{} // closed when the writer has exited

	seq       uint64 // events accepted
	durable   uint64 // events stored
	unsent    []store.Event
	inflight  bool
	lastJob   time.Time // when the last write was handed to the writer
	jobTimer  Timer     // armed while a write waits for every to pass
	snapSeq   uint64
	snapDue   bool
	snapAt    time.Time // when the last snapshot was taken
	snapTimer Timer     // takes a snapshot put off by snapshotGap or snapshotQuiet
	movedAt   time.Time // when the phase last changed
	lastEvent time.Time // when the last event was accepted
	snapSize  int       // bytes of the last snapshot
	waiting   []waiter

	writeFailing bool // the writer's last attempt failed
	storeDown    bool // the hub's health check cannot reach the store
	bufferFull   bool // unsent reached maxBuffered; logged once until it drains
}

type waiter struct {
	seq uint64
	fn  func()
}

type job struct {
	events []store.Event
	snap   *store.Snapshot
}

// start runs the writer.
func (j *journal) start() {
	j.jobs = make(chan job, 1)
	j.wrote = make(chan struct{})
	if j.maxBuffered <= 0 {
		j.maxBuffered = DefaultMaxBuffered
	}
	go j.writer()
}

// add numbers events and queues them for the store.
func (j *journal) add(evs []store.Event) {
	for _, ev := range evs {
		j.seq++
		ev.Seq = j.seq
		j.unsent = append(j.unsent, ev)
		j.lastEvent = ev.At
	}
}

// afterDurable runs fn once every event accepted so far is stored.
func (j *journal) afterDurable(fn func()) {
	if j.durable >= j.seq {
		fn()
		return
	}
	j.waiting = append(j.waiting, waiter{seq: j.seq, fn: fn})
}

// persist hands the writer what is due, unless it is busy or the last
// write was too recent; snapshot encodes the room's state.
func (j *journal) persist(snapshot func() ([]byte, error)) {
	if j.seq-j.snapSeq >= snapshotEvery {
		j.snapDue = true
	}
	now := j.clock.Now()
	// Snapshots are coalesced: at most one per snapshotGap, whatever the
	// host clicks; the events in between are in the log, so nothing waits.
	snap := j.snapDue && j.seq-j.snapSeq >= uint64(max(j.snapSize-snapshotFree, 0)/snapshotBytesPerEvent)
	if snap {
		wait := max(snapshotGap-now.Sub(j.snapAt), snapshotQuiet-now.Sub(j.movedAt))
		if j.big != nil && j.big() {
			wait = max(wait, snapshotCalm-now.Sub(j.lastEvent))
		}
		if wait > 0 {
			snap = false
			if j.snapTimer == nil {
				j.snapTimer = j.clock.AfterFunc(wait, func() { _ = j.post(func() { j.snapTimer = nil }) })
			}
		}
	}
	if j.inflight || (len(j.unsent) == 0 && !snap) || j.jobTimer != nil {
		return
	}
	// At most one write per j.every: under a burst of answers or joins the
	// store sees a few large batches a second, not one per event. While an
	// ack or a join waits, the next write goes as soon as the one in flight
	// is done (ackEvery): batches then grow with the load by themselves.
	every := j.every
	if len(j.waiting) > 0 {
		every = min(every, ackEvery)
	}
	if wait := every - now.Sub(j.lastJob); wait > 0 {
		j.jobTimer = j.clock.AfterFunc(wait, func() {
			_ = j.post(func() { j.jobTimer = nil }) // the room's settle then persists
		})
		return
	}
	j.lastJob = now
	jb := job{events: j.unsent}
	if snap {
		jb.snap = j.snapshot(snapshot)
		j.snapDue = false
	}
	j.unsent = nil
	j.inflight = true
	j.jobs <- jb // never blocks: the writer is idle when nothing is in flight
}

func (j *journal) snapshot(encode func() ([]byte, error)) *store.Snapshot {
	data, err := encode()
	if err != nil {
		j.log.Error("snapshot", "err", err)
		return nil
	}
	j.snapSeq = j.seq
	j.snapAt = j.clock.Now()
	j.snapSize = len(data)
	return &store.Snapshot{Seq: j.seq, At: j.clock.Now().UTC(), Data: data}
}

// writer stores jobs in order, off the room's goroutine, and tells the room
// how far the log is durable.
func (j *journal) writer() {
	defer close(j.wrote)
	for jb := range j.jobs {
		snap := jb.snap
		jb.snap = nil
		if len(jb.events) > 0 {
			if !j.write(jb) {
				continue
			}
			// What waits for these events goes now, before a snapshot
			// (megabytes in a big room) is saved.
			last := jb.events[len(jb.events)-1].Seq
			if snap != nil {
				_ = j.post(func() { j.advance(last) })
			} else {
				_ = j.post(func() { j.stored(last) })
				continue
			}
		}
		if snap != nil && j.write(job{snap: snap}) {
			_ = j.post(func() { j.stored(snap.Seq) })
		}
	}
}

// write stores one job, retrying with backoff until it succeeds or the hub
// gives up on the store.
func (j *journal) write(jb job) bool {
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := j.writeOnce(jb)
		if errors.Is(err, store.ErrFenced) && j.lost != nil {
			// Another process owns the room now: nothing of this room may
			// be written from here again, and no retry will change that.
			j.log.Warn("store write refused: the room's lease is another process's", "err", err)
			j.lost()
			return false
		}
		if err == nil {
			if attempt > 0 {
				j.log.Info("store write recovered", "attempts", attempt+1)
			}
			return true
		}
		if attempt == 0 {
			_ = j.post(j.writeFailed)
		}
		if attempt == 0 || attempt%20 == 0 {
			j.log.Error("store write failed; retrying", "err", err, "attempt", attempt+1, "buffered", len(jb.events))
		}
		select {
		case <-time.After(backoff):
		case <-j.abort.Done():
			j.log.Error("store write abandoned", "events", len(jb.events), "err", err)
			return false
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

func (j *journal) writeOnce(jb job) error {
	ctx, cancel := context.WithTimeout(j.abort, 10*time.Second)
	defer cancel()
	if len(jb.events) > 0 {
		if err := j.store.Append(ctx, j.id, jb.events); err != nil {
			// A batch stored by an attempt whose answer was lost comes back
			// as a sequence error: it is there, so it is done.
			if !errors.Is(err, store.ErrSeq) || !j.alreadyStored(ctx, jb) {
				return err
			}
		}
		jb.events = nil
	}
	if jb.snap != nil {
		return j.store.SaveSnapshot(ctx, j.id, *jb.snap)
	}
	return nil
}

// alreadyStored checks that a batch refused for its sequence is already stored.
func (j *journal) alreadyStored(ctx context.Context, jb job) bool {
	evs, err := j.store.Events(ctx, j.id, jb.events[0].Seq-1)
	return err == nil && len(evs) >= len(jb.events) && evs[len(jb.events)-1].Seq == jb.events[len(jb.events)-1].Seq
}

// stored runs on the loop when the writer has stored everything up to seq
// and is done with its job.
func (j *journal) stored(seq uint64) {
	j.inflight = false
	j.advance(seq)
}

// advance runs on the loop when the writer has stored every event up to
// seq: what waited for them runs.
func (j *journal) advance(seq uint64) {
	j.durable = max(j.durable, seq)
	if j.writeFailing {
		j.writeFailing = false
		j.notify()
	}
	if j.bufferFull && len(j.unsent) < j.maxBuffered/2 {
		j.bufferFull = false
		j.log.Info("store buffer drained: players' changes accepted again")
	}
	n := 0
	for _, w := range j.waiting {
		if w.seq > j.durable {
			break
		}
		w.fn()
		n++
	}
	// Delete zeroes the slots it frees: their closures hold connections.
	j.waiting = slices.Delete(j.waiting, 0, n)
}

// writeFailed runs on the loop when a store write has failed: the host
// view shows that storage is unavailable until a write succeeds.
func (j *journal) writeFailed() {
	if !j.writeFailing {
		j.writeFailing = true
		j.notify()
	}
}

// setStoreDown records the hub's latest health check of the store.
func (j *journal) setStoreDown(down bool) {
	if j.storeDown != down {
		j.storeDown = down
		j.notify()
	}
}

// unavailable reports whether changes are waiting on a store that is down:
// acks wait, and the host is told.
func (j *journal) unavailable() bool { return j.writeFailing || j.storeDown }

// bufferLeft reports whether the room may accept another player change. The
// events a room holds for a store that is down are bounded: past the bound
// players' changes are refused (host commands and timers still run) and one
// log line says so.
func (j *journal) bufferLeft() bool {
	if len(j.unsent) < j.maxBuffered {
		return true
	}
	if !j.bufferFull {
		j.bufferFull = true
		j.log.Error("store buffer full: refusing players' changes until the store is back", "buffered", len(j.unsent), "limit", j.maxBuffered)
	}
	return false
}

// close stops the timers, stores what is left with a final snapshot when
// anything happened since the last, and waits for the writer to finish.
func (j *journal) close(snapshot func() ([]byte, error)) {
	for _, t := range []Timer{j.snapTimer, j.jobTimer} {
		if t != nil {
			t.Stop()
		}
	}
	// The final snapshot only speeds up the next start; a room with no
	// event since its last one has nothing to add, and thousands of idle
	// rooms would only hold up the shutdown.
	final := job{events: j.unsent}
	if j.seq > j.snapSeq {
		final.snap = j.snapshot(snapshot)
	}
	j.unsent = nil
	j.jobs <- final // the buffer has room: the writer holds at most one job
	close(j.jobs)
	<-j.wrote
}
