package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrFenced is returned by a fenced store's writes once another process has
// taken the room's lease: the writer's token is no longer the room's
// newest, and nothing of the write is stored.
var ErrFenced = errors.New("store: the room's lease has passed to another process")

// Cluster keys, under the store's prefix, beside the room's own:
//
//	<prefix>room:<id>:lease  "<node> <token>", expiring unless renewed
//	<prefix>room:<id>:fence  the newest token handed out for the room (INCR)
//	<prefix>code:<code>      the room id of a join code
//	<prefix>bus:...          pub/sub channels (no keys)
func (r *Redis) leaseKey(room string) string { return r.prefix + "room:" + room + ":lease" }
func (r *Redis) fenceKey(room string) string { return r.prefix + "room:" + room + ":fence" }
func (r *Redis) codeKey(code string) string  { return r.prefix + "code:" + code }

// acquireScript takes the lease KEYS[1] for node ARGV[1] for ARGV[2] ms if
// nobody holds it, with a new token from the fence counter KEYS[2].
var acquireScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
	return 0
end
local t = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. t, 'PX', ARGV[2])
return t
`)

// renewScript extends the lease KEYS[1] by ARGV[2] ms if it is still ARGV[1]'s.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// releaseScript deletes the lease KEYS[1] if it is still ARGV[1]'s.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)

// fencedSnapshotScript saves the snapshot ARGV[3] of room ARGV[2] if the
// room's newest token KEYS[3] is ARGV[1].
var fencedSnapshotScript = redis.NewScript(`
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
	return redis.error_reply('HUDDLE_FENCED')
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`)

// Lease is one process's hold on a room: the node that holds it and the
// fencing token it got.
type Lease struct {
	Node  string
	Token uint64
}

func (l Lease) value() string { return l.Node + " " + strconv.FormatUint(l.Token, 10) }

// Acquire takes the room's lease for node for ttl if nobody holds it. ok is
// false when another process does.
func (r *Redis) Acquire(ctx context.Context, room, node string, ttl time.Duration) (l Lease, ok bool, err error) {
	t, err := acquireScript.Run(ctx, r.client, []string{r.leaseKey(room), r.fenceKey(room)}, node, ttl.Milliseconds()).Uint64()
	if err != nil {
		return Lease{}, false, fmt.Errorf("redis acquire lease of room %q: %w", room, err)
	}
	if t == 0 {
		return Lease{}, false, nil
	}
	return Lease{Node: node, Token: t}, true, nil
}

// Renew extends a lease the caller holds by ttl. ok is false when the lease
// has expired or passed to another process.
func (r *Redis) Renew(ctx context.Context, room string, l Lease, ttl time.Duration) (ok bool, err error) {
	n, err := renewScript.Run(ctx, r.client, []string{r.leaseKey(room)}, l.value(), ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("redis renew lease of room %q: %w", room, err)
	}
	return n == 1, nil
}

// Release gives a lease up, if the caller still holds it, so that another
// process may take the room at once.
func (r *Redis) Release(ctx context.Context, room string, l Lease) error {
	if err := releaseScript.Run(ctx, r.client, []string{r.leaseKey(room)}, l.value()).Err(); err != nil {
		return fmt.Errorf("redis release lease of room %q: %w", room, err)
	}
	return nil
}

// Holder returns who holds the room's lease; ok is false when nobody does.
func (r *Redis) Holder(ctx context.Context, room string) (l Lease, ok bool, err error) {
	v, err := r.client.Get(ctx, r.leaseKey(room)).Result()
	if errors.Is(err, redis.Nil) {
		return Lease{}, false, nil
	}
	if err != nil {
		return Lease{}, false, fmt.Errorf("redis lease of room %q: %w", room, err)
	}
	node, tok, _ := strings.Cut(v, " ")
	t, err := strconv.ParseUint(tok, 10, 64)
	if err != nil {
		return Lease{}, false, fmt.Errorf("redis lease of room %q: bad value %q", room, v)
	}
	return Lease{Node: node, Token: t}, true, nil
}

// Unheld returns the stored rooms whose lease nobody holds: their owner
// died, or stepped down, while no process had a socket on them.
func (r *Redis) Unheld(ctx context.Context) ([]string, error) {
	rooms, err := r.client.SMembers(ctx, r.roomsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("redis unheld rooms: %w", err)
	}
	var out []string
	for chunk := range slices.Chunk(rooms, 500) {
		keys := make([]string, len(chunk))
		for i, id := range chunk {
			keys[i] = r.leaseKey(id)
		}
		vals, err := r.client.MGet(ctx, keys...).Result()
		if err != nil {
			return nil, fmt.Errorf("redis unheld rooms: %w", err)
		}
		for i, v := range vals {
			if v == nil {
				out = append(out, chunk[i])
			}
		}
	}
	return out, nil
}

// Exists reports whether the room is stored.
func (r *Redis) Exists(ctx context.Context, room string) (bool, error) {
	ok, err := r.client.SIsMember(ctx, r.roomsKey(), room).Result()
	if err != nil {
		return false, fmt.Errorf("redis room %q exists: %w", room, err)
	}
	return ok, nil
}

// ReserveCode gives the join code to room unless another room has it.
func (r *Redis) ReserveCode(ctx context.Context, code, room string) (bool, error) {
	ok, err := r.client.SetNX(ctx, r.codeKey(code), room, 0).Result()
	if err != nil {
		return false, fmt.Errorf("redis reserve join code: %w", err)
	}
	if !ok { // a room restored under its own code again
		cur, err := r.client.Get(ctx, r.codeKey(code)).Result()
		return err == nil && cur == room, nil
	}
	return true, nil
}

// CodeRoom returns the room id of a join code, or "".
func (r *Redis) CodeRoom(ctx context.Context, code string) (string, error) {
	id, err := r.client.Get(ctx, r.codeKey(code)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("redis join code: %w", err)
	}
	return id, nil
}

// FreeCode gives up a deleted room's join code and its lease keys.
func (r *Redis) FreeCode(ctx context.Context, code, room string) error {
	if err := r.client.Del(ctx, r.codeKey(code), r.leaseKey(room), r.fenceKey(room)).Err(); err != nil {
		return fmt.Errorf("redis free join code: %w", err)
	}
	return nil
}

// Fenced returns the store as the holder of lease l on room writes to it:
// Append and SaveSnapshot of that room fail with ErrFenced once another
// process has taken the room. Everything else is the store's own.
func (r *Redis) Fenced(room string, l Lease) Store {
	return &fenced{Redis: r, room: room, token: strconv.FormatUint(l.Token, 10)}
}

type fenced struct {
	*Redis
	room, token string
}

// Close leaves the shared store open.
func (f *fenced) Close() error { return nil }

func (f *fenced) Append(ctx context.Context, room string, events []Event) error {
	if room != f.room {
		return fmt.Errorf("redis append room %q: fenced for room %q", room, f.room)
	}
	return f.append(ctx, room, events, f.token)
}

func (f *fenced) SaveSnapshot(ctx context.Context, room string, s Snapshot) error {
	if room != f.room {
		return fmt.Errorf("redis save snapshot room %q: fenced for room %q", room, f.room)
	}
	v, err := encodeSnapshot(s)
	if err != nil {
		return fmt.Errorf("redis save snapshot room %q: %w", room, err)
	}
	err = fencedSnapshotScript.Run(ctx, f.client, []string{f.snapKey(room), f.roomsKey(), f.fenceKey(room)}, f.token, room, v).Err()
	switch {
	case redis.HasErrorPrefix(err, "HUDDLE_FENCED"):
		return fmt.Errorf("redis save snapshot room %q with token %s: %w", room, f.token, ErrFenced)
	case err != nil:
		return fmt.Errorf("redis save snapshot room %q: %w", room, err)
	}
	return nil
}

// Publish sends msg to whoever listens on channel, and returns how many
// listeners got it.
func (r *Redis) Publish(ctx context.Context, channel string, msg []byte) (int64, error) {
	n, err := r.client.Publish(ctx, r.prefix+"bus:"+channel, msg).Result()
	if err != nil {
		return 0, fmt.Errorf("redis publish: %w", err)
	}
	return n, nil
}

// Bus is one connection listening on pub/sub channels. It reconnects and
// listens again by itself after Redis comes back; what was published
// meanwhile is lost.
type Bus struct {
	r      *Redis
	first  string // the first channel listened on, named in full
	ps     *redis.PubSub
	out    chan Message
	done   chan struct{}
	closed sync.Once
}

// Message is what a Bus received on a channel (named without the prefix).
// A Message with Resubscribed set and nothing else says that the Bus's
// connection was lost and made again: whatever was published meanwhile
// is lost.
type Message struct {
	Channel      string
	Payload      []byte
	Resubscribed bool
}

// Listen opens a Bus on the channels.
func (r *Redis) Listen(ctx context.Context, channels ...string) (*Bus, error) {
	names := r.names(channels)
	b := &Bus{r: r, first: names[0], ps: r.client.Subscribe(ctx, names...), out: make(chan Message, 256), done: make(chan struct{})}
	if _, err := b.ps.Receive(ctx); err != nil { // the subscription's confirmation
		_ = b.ps.Close()
		return nil, fmt.Errorf("redis subscribe: %w", err)
	}
	go b.pump()
	return b, nil
}

func (r *Redis) names(channels []string) []string {
	out := make([]string, len(channels))
	for i, c := range channels {
		out[i] = r.prefix + "bus:" + c
	}
	return out
}

func (b *Bus) pump() {
	defer close(b.done)
	defer close(b.out)
	cut := len(b.r.prefix + "bus:")
	for v := range b.ps.ChannelWithSubscriptions(redis.WithChannelSize(1024)) {
		switch m := v.(type) {
		case *redis.Message:
			b.out <- Message{Channel: m.Channel[cut:], Payload: []byte(m.Payload)}
		case *redis.Subscription:
			// Listen took the first channel's confirmation: another one
			// is a new connection subscribing again.
			if m.Kind == "subscribe" && m.Channel == b.first {
				b.out <- Message{Resubscribed: true}
			}
		}
	}
}

// Messages are the messages received, in order per channel, until Close.
func (b *Bus) Messages() <-chan Message { return b.out }

// Subscribe listens on more channels.
func (b *Bus) Subscribe(ctx context.Context, channels ...string) error {
	if err := b.ps.Subscribe(ctx, b.r.names(channels)...); err != nil {
		return fmt.Errorf("redis subscribe: %w", err)
	}
	return nil
}

// Unsubscribe stops listening on channels.
func (b *Bus) Unsubscribe(ctx context.Context, channels ...string) error {
	if err := b.ps.Unsubscribe(ctx, b.r.names(channels)...); err != nil {
		return fmt.Errorf("redis unsubscribe: %w", err)
	}
	return nil
}

// Close stops listening and waits until Messages is closed. The caller
// must keep draining Messages meanwhile.
func (b *Bus) Close() {
	b.closed.Do(func() { _ = b.ps.Close() })
	<-b.done
}
