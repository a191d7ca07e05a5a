package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Layout: rooms/<room>/events/<big-endian seq> = record,
// rooms/<room>/snapshot/snap = record. The snapshot has a bucket of its own
// so that appending an event does not rewrite it: a room's bucket holds only
// the two small bucket headers. Files written before kept it at
// rooms/<room>/snap; it is still read from there.
var (
	roomsBucket    = []byte("rooms")
	eventsBucket   = []byte("events")
	snapshotBucket = []byte("snapshot")
	snapKey        = []byte("snap")
)

// boltLockTimeout bounds the wait for the file lock: a second process on the
// same data dir fails at once instead of hanging.
const boltLockTimeout = 500 * time.Millisecond

// Bolt is a Store in one bbolt file: the embedded default.
type Bolt struct {
	db        *bolt.DB
	appending atomic.Int32 // appends under way
}

// OpenBolt opens or creates the store file at path, creating its directory
// if needed. It fails quickly if another process holds the file.
func OpenBolt(path string) (*Bolt, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open bolt %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: boltLockTimeout,
		// The freelist is rebuilt on open instead of written on every commit.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open bolt %s: data dir is in use by another huddle process: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open bolt %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(roomsBucket)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open bolt %s: %w", path, err)
	}
	return &Bolt{db: db}, nil
}

// Append implements Store. The batch is one transaction.
func (b *Bolt) Append(ctx context.Context, room string, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt append room %q: %w", room, err)
	}
	vals := make([][]byte, len(events))
	for i, e := range events {
		v, err := encodeEvent(e)
		if err != nil {
			return fmt.Errorf("bolt append room %q: %w", room, err)
		}
		vals[i] = v
	}
	// Batch: the appends of many rooms at once share one transaction and
	// one disk sync instead of queueing for one each. Its function may run
	// again on its own if another in the batch fails, so it only writes.
	// Batch waits up to MaxBatchDelay (10 ms) for company: a lone append,
	// a single busy room's, commits at once instead, or every ack and join
	// of that room would wait those 10 ms more per write.
	put := func(tx *bolt.Tx) error {
		r, err := tx.Bucket(roomsBucket).CreateBucketIfNotExists([]byte(room))
		if err != nil {
			return err
		}
		ev, err := r.CreateBucketIfNotExists(eventsBucket)
		if err != nil {
			return err
		}
		// Keys only grow: full pages instead of half-full ones after splits.
		ev.FillPercent = 1
		var last uint64
		if k, _ := ev.Cursor().Last(); k != nil {
			last = binary.BigEndian.Uint64(k)
		}
		if err := checkSeq(events, last); err != nil {
			return err
		}
		for i, e := range events {
			if err := ev.Put(seqKey(e.Seq), vals[i]); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if b.appending.Add(1) == 1 {
		err = b.db.Update(put)
	} else {
		err = b.db.Batch(put)
	}
	b.appending.Add(-1)
	if err != nil {
		return fmt.Errorf("bolt append room %q: %w", room, err)
	}
	return nil
}

// Events implements Store.
func (b *Bolt) Events(ctx context.Context, room string, after uint64) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bolt events room %q: %w", room, err)
	}
	var out []Event
	err := b.db.View(func(tx *bolt.Tx) error {
		ev := eventsOf(tx, room)
		if ev == nil {
			return nil
		}
		c := ev.Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil; k, v = c.Next() {
			e, err := decodeEvent(v)
			if err != nil {
				return fmt.Errorf("seq %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt events room %q: %w", room, err)
	}
	return out, nil
}

// SaveSnapshot implements Store.
func (b *Bolt) SaveSnapshot(ctx context.Context, room string, s Snapshot) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt save snapshot room %q: %w", room, err)
	}
	v, err := encodeSnapshot(s)
	if err != nil {
		return fmt.Errorf("bolt save snapshot room %q: %w", room, err)
	}
	err = b.db.Update(func(tx *bolt.Tx) error {
		r, err := tx.Bucket(roomsBucket).CreateBucketIfNotExists([]byte(room))
		if err != nil {
			return err
		}
		sb, err := r.CreateBucketIfNotExists(snapshotBucket)
		if err != nil {
			return err
		}
		if err := r.Delete(snapKey); err != nil { // the old place
			return err
		}
		return sb.Put(snapKey, v)
	})
	if err != nil {
		return fmt.Errorf("bolt save snapshot room %q: %w", room, err)
	}
	return nil
}

// LoadSnapshot implements Store.
func (b *Bolt) LoadSnapshot(ctx context.Context, room string) (Snapshot, bool, error) {
	if err := ctx.Err(); err != nil {
		return Snapshot{}, false, fmt.Errorf("bolt load snapshot room %q: %w", room, err)
	}
	var (
		s  Snapshot
		ok bool
	)
	err := b.db.View(func(tx *bolt.Tx) error {
		r := tx.Bucket(roomsBucket).Bucket([]byte(room))
		if r == nil {
			return nil
		}
		v := r.Get(snapKey)
		if sb := r.Bucket(snapshotBucket); sb != nil {
			v = sb.Get(snapKey)
		}
		if v == nil {
			return nil
		}
		var err error
		s, err = decodeSnapshot(v)
		ok = err == nil
		return err
	})
	if err != nil {
		return Snapshot{}, false, fmt.Errorf("bolt load snapshot room %q: %w", room, err)
	}
	return s, ok, nil
}

// Rooms implements Store. The list is sorted.
func (b *Bolt) Rooms(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bolt rooms: %w", err)
	}
	var out []string
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(roomsBucket).ForEachBucket(func(k []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt rooms: %w", err)
	}
	return out, nil
}

// Delete implements Store.
func (b *Bolt) Delete(ctx context.Context, room string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt delete room %q: %w", room, err)
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		err := tx.Bucket(roomsBucket).DeleteBucket([]byte(room))
		if errors.Is(err, bolterrors.ErrBucketNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("bolt delete room %q: %w", room, err)
	}
	return nil
}

// Close implements Store. It waits for running transactions.
func (b *Bolt) Close() error {
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close bolt %s: %w", b.db.Path(), err)
	}
	return nil
}

func eventsOf(tx *bolt.Tx, room string) *bolt.Bucket {
	r := tx.Bucket(roomsBucket).Bucket([]byte(room))
	if r == nil {
		return nil
	}
	return r.Bucket(eventsBucket)
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}
