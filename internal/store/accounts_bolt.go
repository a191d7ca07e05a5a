package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Buckets of the account store, beside "rooms" in the same file:
//
//	accounts/<id>              account JSON
//	logins/<login>             account id
//	sessions/<hash>            session JSON
//	account_sessions/<id>/<hash>  index of an account's sessions
//	tickets/<hash>             ticket JSON
//	facilitated/<room>         room record JSON
//	account_rooms/<id>/<room>  index of an account's rooms (owned or co-facilitated)
var (
	accountsBucket        = []byte("accounts")
	loginsBucket          = []byte("logins")
	sessionsBucket        = []byte("sessions")
	accountSessionsBucket = []byte("account_sessions")
	ticketsBucket         = []byte("tickets")
	facilitatedBucket     = []byte("facilitated")
	accountRoomsBucket    = []byte("account_rooms")
)

// BoltAccounts is the account store in the bbolt file of the rooms.
type BoltAccounts struct{ db *bolt.DB }

// Accounts returns the account store kept in the same file.
func (b *Bolt) Accounts() Accounts { return &BoltAccounts{db: b.db} }

func (b *BoltAccounts) update(ctx context.Context, what string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt %s: %w", what, err)
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{accountsBucket, loginsBucket, sessionsBucket, accountSessionsBucket, ticketsBucket, facilitatedBucket, accountRoomsBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return fn(tx)
	})
	return wrapAccountErr("bolt "+what, err)
}

func (b *BoltAccounts) view(ctx context.Context, what string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt %s: %w", what, err)
	}
	return wrapAccountErr("bolt "+what, b.db.View(fn))
}

// wrapAccountErr adds context to an error, except to the store's own
// sentinels, which callers compare.
func wrapAccountErr(what string, err error) error {
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrLoginTaken) || errors.Is(err, ErrTicket) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// get decodes the JSON at bucket/key; ErrNotFound if either is missing.
func get(tx *bolt.Tx, bucket []byte, key string, v any) error {
	bk := tx.Bucket(bucket)
	if bk == nil {
		return ErrNotFound
	}
	raw := bk.Get([]byte(key))
	if raw == nil {
		return ErrNotFound
	}
	return json.Unmarshal(raw, v)
}

func put(tx *bolt.Tx, bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put([]byte(key), raw)
}

// index adds or removes key in the nested bucket parent/owner.
func index(tx *bolt.Tx, parent []byte, owner, key string, add bool) error {
	p := tx.Bucket(parent)
	if !add {
		if ob := p.Bucket([]byte(owner)); ob != nil {
			return ob.Delete([]byte(key))
		}
		return nil
	}
	ob, err := p.CreateBucketIfNotExists([]byte(owner))
	if err != nil {
		return err
	}
	return ob.Put([]byte(key), nil)
}

// CreateAccount implements Accounts.
func (b *BoltAccounts) CreateAccount(ctx context.Context, a Account, ticket string, now time.Time) error {
	return b.update(ctx, "create account", func(tx *bolt.Tx) error {
		if tx.Bucket(loginsBucket).Get([]byte(a.Login)) != nil {
			return ErrLoginTaken
		}
		if ticket != "" {
			var t Ticket
			if err := get(tx, ticketsBucket, ticket, &t); errors.Is(err, ErrNotFound) {
				return ErrTicket
			} else if err != nil {
				return err
			}
			if !now.Before(t.Expires) {
				return ErrTicket
			}
			if k, _ := tx.Bucket(accountsBucket).Cursor().First(); t.Kind == KindSetup && k != nil {
				return ErrTicket
			}
			if err := tx.Bucket(ticketsBucket).Delete([]byte(ticket)); err != nil {
				return err
			}
		}
		if err := put(tx, accountsBucket, a.ID, a); err != nil {
			return err
		}
		return tx.Bucket(loginsBucket).Put([]byte(a.Login), []byte(a.ID))
	})
}

// UpdateAccount implements Accounts.
func (b *BoltAccounts) UpdateAccount(ctx context.Context, a Account) error {
	return b.update(ctx, "update account", func(tx *bolt.Tx) error {
		var old Account
		if err := get(tx, accountsBucket, a.ID, &old); err != nil {
			return err
		}
		a.Login = old.Login
		return put(tx, accountsBucket, a.ID, a)
	})
}

// DeleteAccount implements Accounts.
func (b *BoltAccounts) DeleteAccount(ctx context.Context, id string) error {
	return b.update(ctx, "delete account", func(tx *bolt.Tx) error {
		var a Account
		if err := get(tx, accountsBucket, id, &a); err != nil {
			return err
		}
		if err := tx.Bucket(accountsBucket).Delete([]byte(id)); err != nil {
			return err
		}
		if err := tx.Bucket(loginsBucket).Delete([]byte(a.Login)); err != nil {
			return err
		}
		if err := deleteSessionsOf(tx, id); err != nil {
			return err
		}
		err := tx.Bucket(accountRoomsBucket).DeleteBucket([]byte(id))
		if errors.Is(err, bolterrors.ErrBucketNotFound) {
			err = nil
		}
		return err
	})
}

func deleteSessionsOf(tx *bolt.Tx, id string) error {
	idx := tx.Bucket(accountSessionsBucket).Bucket([]byte(id))
	if idx == nil {
		return nil
	}
	sessions := tx.Bucket(sessionsBucket)
	if err := idx.ForEach(func(k, _ []byte) error { return sessions.Delete(k) }); err != nil {
		return err
	}
	return tx.Bucket(accountSessionsBucket).DeleteBucket([]byte(id))
}

// Account implements Accounts.
func (b *BoltAccounts) Account(ctx context.Context, id string) (Account, error) {
	var a Account
	err := b.view(ctx, "account", func(tx *bolt.Tx) error { return get(tx, accountsBucket, id, &a) })
	return a, err
}

// AccountByLogin implements Accounts.
func (b *BoltAccounts) AccountByLogin(ctx context.Context, login string) (Account, error) {
	var a Account
	err := b.view(ctx, "account by login", func(tx *bolt.Tx) error {
		lb := tx.Bucket(loginsBucket)
		if lb == nil {
			return ErrNotFound
		}
		id := lb.Get([]byte(login))
		if id == nil {
			return ErrNotFound
		}
		return get(tx, accountsBucket, string(id), &a)
	})
	return a, err
}

// Accounts implements Accounts.
func (b *BoltAccounts) Accounts(ctx context.Context) ([]Account, error) {
	var out []Account
	err := b.view(ctx, "accounts", func(tx *bolt.Tx) error {
		ab := tx.Bucket(accountsBucket)
		if ab == nil {
			return nil
		}
		return ab.ForEach(func(_, v []byte) error {
			var a Account
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	sortAccounts(out)
	return out, err
}

// SaveTicket implements Accounts.
func (b *BoltAccounts) SaveTicket(ctx context.Context, t Ticket) error {
	return b.update(ctx, "save ticket", func(tx *bolt.Tx) error { return put(tx, ticketsBucket, t.Hash, t) })
}

// Tickets implements Accounts. Expired tickets are deleted on the way.
func (b *BoltAccounts) Tickets(ctx context.Context, now time.Time) ([]Ticket, error) {
	var out []Ticket
	err := b.update(ctx, "tickets", func(tx *bolt.Tx) error {
		tb := tx.Bucket(ticketsBucket)
		var expired [][]byte
		err := tb.ForEach(func(k, v []byte) error {
			var t Ticket
			if err := json.Unmarshal(v, &t); err != nil {
				return err
			}
			if !now.Before(t.Expires) {
				expired = append(expired, k)
				return nil
			}
			out = append(out, t)
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range expired {
			if err := tb.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	sortTickets(out)
	return out, err
}

// DeleteTicket implements Accounts.
func (b *BoltAccounts) DeleteTicket(ctx context.Context, hash string) error {
	return b.update(ctx, "delete ticket", func(tx *bolt.Tx) error { return tx.Bucket(ticketsBucket).Delete([]byte(hash)) })
}

// SaveSession implements Accounts. The account's expired sessions are
// deleted on the way, so that a file does not collect them.
func (b *BoltAccounts) SaveSession(ctx context.Context, s Session) error {
	return b.update(ctx, "save session", func(tx *bolt.Tx) error {
		if idx := tx.Bucket(accountSessionsBucket).Bucket([]byte(s.Account)); idx != nil {
			var stale [][]byte
			err := idx.ForEach(func(k, _ []byte) error {
				var old Session
				if err := get(tx, sessionsBucket, string(k), &old); errors.Is(err, ErrNotFound) || (err == nil && !s.Created.Before(old.Expires)) {
					stale = append(stale, k)
				} else if err != nil {
					return err
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, k := range stale {
				if err := tx.Bucket(sessionsBucket).Delete(k); err != nil {
					return err
				}
				if err := idx.Delete(k); err != nil {
					return err
				}
			}
		}
		if err := put(tx, sessionsBucket, s.Hash, s); err != nil {
			return err
		}
		return index(tx, accountSessionsBucket, s.Account, s.Hash, true)
	})
}

// Session implements Accounts.
func (b *BoltAccounts) Session(ctx context.Context, hash string, now time.Time) (Session, error) {
	var s Session
	err := b.view(ctx, "session", func(tx *bolt.Tx) error {
		if err := get(tx, sessionsBucket, hash, &s); err != nil {
			return err
		}
		if !now.Before(s.Expires) {
			return ErrNotFound
		}
		return nil
	})
	return s, err
}

// DeleteSession implements Accounts.
func (b *BoltAccounts) DeleteSession(ctx context.Context, hash string) error {
	return b.update(ctx, "delete session", func(tx *bolt.Tx) error {
		var s Session
		if err := get(tx, sessionsBucket, hash, &s); errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if err := tx.Bucket(sessionsBucket).Delete([]byte(hash)); err != nil {
			return err
		}
		return index(tx, accountSessionsBucket, s.Account, hash, false)
	})
}

// DeleteSessions implements Accounts.
func (b *BoltAccounts) DeleteSessions(ctx context.Context, id string) error {
	return b.update(ctx, "delete sessions", func(tx *bolt.Tx) error { return deleteSessionsOf(tx, id) })
}

// SaveRoom implements Accounts. The index follows the record's owner and
// co-facilitators, old and new.
func (b *BoltAccounts) SaveRoom(ctx context.Context, r FacilitatedRoom) error {
	return b.update(ctx, "save room", func(tx *bolt.Tx) error {
		var old FacilitatedRoom
		if err := get(tx, facilitatedBucket, r.ID, &old); err == nil {
			for _, m := range append([]string{old.Owner}, old.Co...) {
				if !r.Member(m) {
					if err := index(tx, accountRoomsBucket, m, r.ID, false); err != nil {
						return err
					}
				}
			}
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		for _, m := range append([]string{r.Owner}, r.Co...) {
			if err := index(tx, accountRoomsBucket, m, r.ID, true); err != nil {
				return err
			}
		}
		return put(tx, facilitatedBucket, r.ID, r)
	})
}

// Room implements Accounts.
func (b *BoltAccounts) Room(ctx context.Context, id string) (FacilitatedRoom, error) {
	var r FacilitatedRoom
	err := b.view(ctx, "room record", func(tx *bolt.Tx) error { return get(tx, facilitatedBucket, id, &r) })
	return r, err
}

// RoomsOf implements Accounts.
func (b *BoltAccounts) RoomsOf(ctx context.Context, id string) ([]FacilitatedRoom, error) {
	var out []FacilitatedRoom
	err := b.view(ctx, "rooms of account", func(tx *bolt.Tx) error {
		p := tx.Bucket(accountRoomsBucket)
		if p == nil {
			return nil
		}
		idx := p.Bucket([]byte(id))
		if idx == nil {
			return nil
		}
		return idx.ForEach(func(k, _ []byte) error {
			var r FacilitatedRoom
			if err := get(tx, facilitatedBucket, string(k), &r); errors.Is(err, ErrNotFound) {
				return nil
			} else if err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	sortRooms(out)
	return out, err
}

// DeleteRoom implements Accounts.
func (b *BoltAccounts) DeleteRoom(ctx context.Context, id string) error {
	return b.update(ctx, "delete room record", func(tx *bolt.Tx) error {
		var r FacilitatedRoom
		if err := get(tx, facilitatedBucket, id, &r); errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		for _, m := range append([]string{r.Owner}, r.Co...) {
			if err := index(tx, accountRoomsBucket, m, id, false); err != nil {
				return err
			}
		}
		return tx.Bucket(facilitatedBucket).Delete([]byte(id))
	})
}
