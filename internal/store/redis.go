package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Redis is a Store in Redis. Keys, under a prefix:
//
//	<prefix>room:<id>:events  list of records; seq N is at index N-1
//	<prefix>room:<id>:snap    the snapshot record
//	<prefix>rooms             set of room ids
//
// Because seq N sits at index N-1, the list length is the last seq and
// Events(after) is LRANGE after -1. On Redis Cluster all keys must share a
// slot: put a hash tag in the prefix, such as "{huddle}:".
type Redis struct {
	client    redis.UniversalClient
	prefix    string
	owned     bool
	closeOnce sync.Once
	closeErr  error
}

// appendScript checks that ARGV[3], the first seq, follows the list length,
// then pushes the records ARGV[4..] and adds the room ARGV[2] to the rooms
// set. Pushes go in chunks to stay under Lua's limit on unpack. Given a
// third key, the room's newest fencing token (cluster_redis.go), it first
// checks that the writer's token ARGV[1] is that one: the check and the
// push are one script, so a former owner cannot slip a write in after a
// takeover.
var appendScript = redis.NewScript(`
if #KEYS == 3 and redis.call('GET', KEYS[3]) ~= ARGV[1] then
	return redis.error_reply('HUDDLE_FENCED')
end
local n = redis.call('LLEN', KEYS[1])
if n + 1 ~= tonumber(ARGV[3]) then
	return redis.error_reply('HUDDLE_SEQ ' .. n)
end
for i = 4, #ARGV, 1000 do
	redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('SADD', KEYS[2], ARGV[2])
return n + #ARGV - 3
`)

// NewRedis returns a store on client with keys under prefix. It does not own
// the client: Close leaves it open for the caller to close.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

// OpenRedis connects to the Redis at url (redis://host:port/db), checks it
// answers, and returns a store that owns the client: Close closes it.
func OpenRedis(ctx context.Context, url, prefix string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("open redis: parse url: %w", err)
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("open redis %s: %w", opts.Addr, err)
	}
	r := NewRedis(client, prefix)
	r.owned = true
	return r, nil
}

func (r *Redis) eventsKey(room string) string { return r.prefix + "room:" + room + ":events" }
func (r *Redis) snapKey(room string) string   { return r.prefix + "room:" + room + ":snap" }
func (r *Redis) roomsKey() string             { return r.prefix + "rooms" }

// Append implements Store. The sequence check and the push are one script,
// so a second writer gets ErrSeq and nothing of its batch is stored.
func (r *Redis) Append(ctx context.Context, room string, events []Event) error {
	return r.append(ctx, room, events, "")
}

// append is Append behind the fencing token token, or none if it is "".
func (r *Redis) append(ctx context.Context, room string, events []Event, token string) error {
	if len(events) == 0 {
		return nil
	}
	// The script checks the first seq; the rest must follow it.
	if err := checkSeq(events, events[0].Seq-1); err != nil {
		return fmt.Errorf("redis append room %q: %w", room, err)
	}
	args := make([]any, 0, len(events)+3)
	args = append(args, token, room, strconv.FormatUint(events[0].Seq, 10))
	for _, e := range events {
		v, err := encodeEvent(e)
		if err != nil {
			return fmt.Errorf("redis append room %q: %w", room, err)
		}
		args = append(args, v)
	}
	keys := []string{r.eventsKey(room), r.roomsKey()}
	if token != "" {
		keys = append(keys, r.fenceKey(room))
	}
	err := appendScript.Run(ctx, r.client, keys, args...).Err()
	switch {
	case redis.HasErrorPrefix(err, "HUDDLE_FENCED"):
		return fmt.Errorf("redis append room %q with token %s: %w", room, token, ErrFenced)
	case redis.HasErrorPrefix(err, "HUDDLE_SEQ"):
		last := strings.TrimPrefix(err.Error(), "HUDDLE_SEQ ")
		return fmt.Errorf("redis append room %q: first seq %d, last stored %s: %w", room, events[0].Seq, last, ErrSeq)
	case err != nil:
		return fmt.Errorf("redis append room %q: %w", room, err)
	}
	return nil
}

// Events implements Store.
func (r *Redis) Events(ctx context.Context, room string, after uint64) ([]Event, error) {
	if after > math.MaxInt64 {
		return nil, nil
	}
	vals, err := r.client.LRange(ctx, r.eventsKey(room), int64(after), -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redis events room %q: %w", room, err)
	}
	if len(vals) == 0 {
		return nil, nil
	}
	out := make([]Event, len(vals))
	for i, v := range vals {
		if out[i], err = decodeEvent([]byte(v)); err != nil {
			return nil, fmt.Errorf("redis events room %q: seq %d: %w", room, after+1+uint64(i), err)
		}
	}
	return out, nil
}

// SaveSnapshot implements Store.
func (r *Redis) SaveSnapshot(ctx context.Context, room string, s Snapshot) error {
	v, err := encodeSnapshot(s)
	if err != nil {
		return fmt.Errorf("redis save snapshot room %q: %w", room, err)
	}
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.snapKey(room), v, 0)
		p.SAdd(ctx, r.roomsKey(), room)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis save snapshot room %q: %w", room, err)
	}
	return nil
}

// LoadSnapshot implements Store.
func (r *Redis) LoadSnapshot(ctx context.Context, room string) (Snapshot, bool, error) {
	v, err := r.client.Get(ctx, r.snapKey(room)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Snapshot{}, false, nil
	}
	if err != nil {
		return Snapshot{}, false, fmt.Errorf("redis load snapshot room %q: %w", room, err)
	}
	s, err := decodeSnapshot(v)
	if err != nil {
		return Snapshot{}, false, fmt.Errorf("redis load snapshot room %q: %w", room, err)
	}
	return s, true, nil
}

// Rooms implements Store. The list is sorted.
func (r *Redis) Rooms(ctx context.Context) ([]string, error) {
	rooms, err := r.client.SMembers(ctx, r.roomsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("redis rooms: %w", err)
	}
	slices.Sort(rooms)
	return rooms, nil
}

// Delete implements Store.
func (r *Redis) Delete(ctx context.Context, room string) error {
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, r.eventsKey(room), r.snapKey(room))
		p.SRem(ctx, r.roomsKey(), room)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis delete room %q: %w", room, err)
	}
	return nil
}

// Close implements Store. It closes the client only if OpenRedis made it.
func (r *Redis) Close() error {
	if !r.owned {
		return nil
	}
	r.closeOnce.Do(func() {
		if err := r.client.Close(); err != nil {
			r.closeErr = fmt.Errorf("close redis: %w", err)
		}
	})
	return r.closeErr
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}

// Volatile reports whether the Redis keeps nothing on disk: append-only file
// off and no RDB save points, so a Redis restart loses every room. A Redis
// with CONFIG disabled or renamed returns an error: durability unknown.
func (r *Redis) Volatile(ctx context.Context) (bool, error) {
	aof, err := r.client.ConfigGet(ctx, "appendonly").Result()
	if err != nil {
		return false, fmt.Errorf("redis config get appendonly: %w", err)
	}
	save, err := r.client.ConfigGet(ctx, "save").Result()
	if err != nil {
		return false, fmt.Errorf("redis config get save: %w", err)
	}
	return aof["appendonly"] != "yes" && strings.TrimSpace(save["save"]) == "", nil
}
