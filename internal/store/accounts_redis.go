package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisAccounts is the account store in the Redis of the rooms, under the
// same prefix:
//
//	<prefix>accounts                 hash: account id → account JSON
//	<prefix>logins                   hash: login → account id
//	<prefix>session:<hash>           session JSON, expiring with the session
//	<prefix>account:<id>:sessions    set of the account's session hashes
//	<prefix>ticket:<hash>            hash: json, kind, expires (Unix ms); expiring with the ticket
//	<prefix>tickets                  set of ticket hashes
//	<prefix>facilitated              hash: room id → room record JSON
//	<prefix>account:<id>:rooms       set of the rooms the account owns or co-facilitates
//
// Scripts touch keys they derive from the prefix, so on Redis Cluster the
// prefix needs a hash tag, as for rooms.
type RedisAccounts struct {
	client redis.UniversalClient
	prefix string
}

// Accounts returns the account store under the same client and prefix.
func (r *Redis) Accounts() Accounts { return &RedisAccounts{client: r.client, prefix: r.prefix} }

func (r *RedisAccounts) key(parts ...string) string {
	k := r.prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// redisErr turns the scripts' error replies into the store's sentinels.
func redisErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case redis.HasErrorPrefix(err, "HUDDLE_TAKEN"):
		return ErrLoginTaken
	case redis.HasErrorPrefix(err, "HUDDLE_TICKET"):
		return ErrTicket
	case redis.HasErrorPrefix(err, "HUDDLE_NOTFOUND"), errors.Is(err, redis.Nil):
		return ErrNotFound
	}
	return fmt.Errorf("redis %s: %w", what, err)
}

var createAccountScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
	return redis.error_reply('HUDDLE_TAKEN')
end
if ARGV[4] ~= '' then
	local t = redis.call('HMGET', KEYS[3], 'kind', 'expires')
	if not t[1] or tonumber(t[2]) <= tonumber(ARGV[5]) then
		return redis.error_reply('HUDDLE_TICKET')
	end
	if t[1] == 'setup' and redis.call('HLEN', KEYS[2]) > 0 then
		return redis.error_reply('HUDDLE_TICKET')
	end
	redis.call('DEL', KEYS[3])
	redis.call('SREM', KEYS[4], ARGV[4])
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// CreateAccount implements Accounts: the login check, the ticket and the
// writes are one script.
func (r *RedisAccounts) CreateAccount(ctx context.Context, a Account, ticket string, now time.Time) error {
	raw, err := json.Marshal(a)
	if err != nil {
		return err
	}
	keys := []string{r.key("logins"), r.key("accounts"), r.key("ticket", ticket), r.key("tickets")}
	err = createAccountScript.Run(ctx, r.client, keys, a.Login, a.ID, raw, ticket, now.UnixMilli()).Err()
	return redisErr("create account", err)
}

var updateAccountScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
	return redis.error_reply('HUDDLE_NOTFOUND')
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// UpdateAccount implements Accounts.
func (r *RedisAccounts) UpdateAccount(ctx context.Context, a Account) error {
	old, err := r.Account(ctx, a.ID)
	if err != nil {
		return err
	}
	a.Login = old.Login
	raw, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return redisErr("update account", updateAccountScript.Run(ctx, r.client, []string{r.key("accounts")}, a.ID, raw).Err())
}

// deleteSessionsLua deletes every session in the set KEYS[1]; ARGV[1] is
// the prefix of session keys.
const deleteSessionsLua = `
local function dropSessions(set, prefix)
	for _, h in ipairs(redis.call('SMEMBERS', set)) do
		redis.call('DEL', prefix .. h)
	end
	redis.call('DEL', set)
end
`

var deleteAccountScript = redis.NewScript(deleteSessionsLua + `
local a = redis.call('HGET', KEYS[1], ARGV[1])
if not a then
	return redis.error_reply('HUDDLE_NOTFOUND')
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[2])
dropSessions(KEYS[3], ARGV[3])
redis.call('DEL', KEYS[4])
return 1
`)

// DeleteAccount implements Accounts.
func (r *RedisAccounts) DeleteAccount(ctx context.Context, id string) error {
	a, err := r.Account(ctx, id)
	if err != nil {
		return err
	}
	keys := []string{r.key("accounts"), r.key("logins"), r.key("account", id, "sessions"), r.key("account", id, "rooms")}
	return redisErr("delete account", deleteAccountScript.Run(ctx, r.client, keys, id, a.Login, r.key("session", "")).Err())
}

func decodeJSON[T any](raw string, err error) (T, error) {
	var v T
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal([]byte(raw), &v)
}

// Account implements Accounts.
func (r *RedisAccounts) Account(ctx context.Context, id string) (Account, error) {
	a, err := decodeJSON[Account](r.client.HGet(ctx, r.key("accounts"), id).Result())
	return a, redisErr("account", err)
}

// AccountByLogin implements Accounts.
func (r *RedisAccounts) AccountByLogin(ctx context.Context, login string) (Account, error) {
	id, err := r.client.HGet(ctx, r.key("logins"), login).Result()
	if err != nil {
		return Account{}, redisErr("account by login", err)
	}
	return r.Account(ctx, id)
}

// Accounts implements Accounts.
func (r *RedisAccounts) Accounts(ctx context.Context) ([]Account, error) {
	all, err := r.client.HGetAll(ctx, r.key("accounts")).Result()
	if err != nil {
		return nil, redisErr("accounts", err)
	}
	out := make([]Account, 0, len(all))
	for _, raw := range all {
		a, err := decodeJSON[Account](raw, nil)
		if err != nil {
			return nil, fmt.Errorf("redis accounts: %w", err)
		}
		out = append(out, a)
	}
	sortAccounts(out)
	return out, nil
}

// SaveTicket implements Accounts.
func (r *RedisAccounts) SaveTicket(ctx context.Context, t Ticket) error {
	raw, err := json.Marshal(t)
	if err != nil {
		return err
	}
	k := r.key("ticket", t.Hash)
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, "json", raw, "kind", t.Kind, "expires", strconv.FormatInt(t.Expires.UnixMilli(), 10))
		p.PExpireAt(ctx, k, t.Expires)
		p.SAdd(ctx, r.key("tickets"), t.Hash)
		return nil
	})
	return redisErr("save ticket", err)
}

// Tickets implements Accounts. Hashes of tickets Redis has expired are
// taken out of the set on the way.
func (r *RedisAccounts) Tickets(ctx context.Context, now time.Time) ([]Ticket, error) {
	hashes, err := r.client.SMembers(ctx, r.key("tickets")).Result()
	if err != nil {
		return nil, redisErr("tickets", err)
	}
	var out []Ticket
	for _, h := range hashes {
		raw, err := r.client.HGet(ctx, r.key("ticket", h), "json").Result()
		if errors.Is(err, redis.Nil) {
			r.client.SRem(ctx, r.key("tickets"), h)
			continue
		}
		t, err := decodeJSON[Ticket](raw, err)
		if err != nil {
			return nil, redisErr("tickets", err)
		}
		if now.Before(t.Expires) {
			out = append(out, t)
		}
	}
	sortTickets(out)
	return out, nil
}

// DeleteTicket implements Accounts.
func (r *RedisAccounts) DeleteTicket(ctx context.Context, hash string) error {
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, r.key("ticket", hash))
		p.SRem(ctx, r.key("tickets"), hash)
		return nil
	})
	return redisErr("delete ticket", err)
}

var saveSessionScript = redis.NewScript(`
for _, h in ipairs(redis.call('SMEMBERS', KEYS[2])) do
	if redis.call('EXISTS', ARGV[4] .. h) == 0 then
		redis.call('SREM', KEYS[2], h)
	end
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return 1
`)

// SaveSession implements Accounts. The session key expires with the
// session; the account's set forgets expired ones on the next save.
func (r *RedisAccounts) SaveSession(ctx context.Context, s Session) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	keys := []string{r.key("session", s.Hash), r.key("account", s.Account, "sessions")}
	err = saveSessionScript.Run(ctx, r.client, keys, raw, s.Expires.UnixMilli(), s.Hash, r.key("session", "")).Err()
	return redisErr("save session", err)
}

// Session implements Accounts.
func (r *RedisAccounts) Session(ctx context.Context, hash string, now time.Time) (Session, error) {
	s, err := decodeJSON[Session](r.client.Get(ctx, r.key("session", hash)).Result())
	if err != nil {
		return Session{}, redisErr("session", err)
	}
	if !now.Before(s.Expires) {
		return Session{}, ErrNotFound
	}
	return s, nil
}

// DeleteSession implements Accounts.
func (r *RedisAccounts) DeleteSession(ctx context.Context, hash string) error {
	s, err := decodeJSON[Session](r.client.Get(ctx, r.key("session", hash)).Result())
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return redisErr("delete session", err)
	}
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, r.key("session", hash))
		p.SRem(ctx, r.key("account", s.Account, "sessions"), hash)
		return nil
	})
	return redisErr("delete session", err)
}

var deleteSessionsScript = redis.NewScript(deleteSessionsLua + `
dropSessions(KEYS[1], ARGV[1])
return 1
`)

// DeleteSessions implements Accounts.
func (r *RedisAccounts) DeleteSessions(ctx context.Context, id string) error {
	err := deleteSessionsScript.Run(ctx, r.client, []string{r.key("account", id, "sessions")}, r.key("session", "")).Err()
	return redisErr("delete sessions", err)
}

// SaveRoom implements Accounts. Members dropped from the record leave the
// index; RoomsOf also checks membership, so a lost race leaves no access.
func (r *RedisAccounts) SaveRoom(ctx context.Context, rm FacilitatedRoom) error {
	raw, err := json.Marshal(rm)
	if err != nil {
		return err
	}
	old, err := r.Room(ctx, rm.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, r.key("facilitated"), rm.ID, raw)
		for _, m := range append([]string{old.Owner}, old.Co...) {
			if m != "" && !rm.Member(m) {
				p.SRem(ctx, r.key("account", m, "rooms"), rm.ID)
			}
		}
		for _, m := range append([]string{rm.Owner}, rm.Co...) {
			p.SAdd(ctx, r.key("account", m, "rooms"), rm.ID)
		}
		return nil
	})
	return redisErr("save room", err)
}

// Room implements Accounts.
func (r *RedisAccounts) Room(ctx context.Context, id string) (FacilitatedRoom, error) {
	rm, err := decodeJSON[FacilitatedRoom](r.client.HGet(ctx, r.key("facilitated"), id).Result())
	return rm, redisErr("room record", err)
}

// RoomsOf implements Accounts.
func (r *RedisAccounts) RoomsOf(ctx context.Context, id string) ([]FacilitatedRoom, error) {
	ids, err := r.client.SMembers(ctx, r.key("account", id, "rooms")).Result()
	if err != nil || len(ids) == 0 {
		return nil, redisErr("rooms of account", err)
	}
	vals, err := r.client.HMGet(ctx, r.key("facilitated"), ids...).Result()
	if err != nil {
		return nil, redisErr("rooms of account", err)
	}
	var out []FacilitatedRoom
	for _, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue // deleted meanwhile
		}
		rm, err := decodeJSON[FacilitatedRoom](raw, nil)
		if err != nil {
			return nil, fmt.Errorf("redis rooms of account: %w", err)
		}
		if rm.Member(id) {
			out = append(out, rm)
		}
	}
	sortRooms(out)
	return out, nil
}

// DeleteRoom implements Accounts.
func (r *RedisAccounts) DeleteRoom(ctx context.Context, id string) error {
	rm, err := r.Room(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, r.key("facilitated"), id)
		for _, m := range append([]string{rm.Owner}, rm.Co...) {
			p.SRem(ctx, r.key("account", m, "rooms"), id)
		}
		return nil
	})
	return redisErr("delete room record", err)
}
