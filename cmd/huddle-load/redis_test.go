package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/huddle-live/huddle/internal/store/storetest"
)

// TestDropKeys: a run's keys go, every other key stays.
func TestDropKeys(t *testing.T) {
	url := storetest.RedisURL(t)
	prefix := storetest.UniquePrefix(t)
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	const n = 2500 // more than one batch
	for i := range n {
		if err := rdb.Set(ctx, fmt.Sprintf("%srun:room%d", prefix, i), "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	other := prefix + "other"
	if err := rdb.Set(ctx, other, "kept", 0).Err(); err != nil {
		t.Fatal(err)
	}
	defer rdb.Del(ctx, other)

	if err := dropKeys(url, prefix+"run:"); err != nil {
		t.Fatal(err)
	}
	left, err := rdb.Keys(ctx, prefix+"run:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("%d of %d keys left, e.g. %s", len(left), n, left[0])
	}
	if v, err := rdb.Get(ctx, other).Result(); err != nil || v != "kept" {
		t.Errorf("a key outside the prefix: %q, %v", v, err)
	}
}
