package account

import (
	"sync"
	"time"
)

// limiter counts failed sign-ins per key (an account, an address) as token
// buckets: a burst, then one attempt per period. Full buckets are swept on
// use, so it needs no goroutine.
type limiter struct {
	burst  float64
	period time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(burst int, period time.Duration) *limiter {
	return &limiter{burst: float64(burst), period: period, buckets: map[string]*bucket{}}
}

func (l *limiter) refill(key string, now time.Time) *bucket {
	rate := 1 / l.period.Seconds()
	if now.Sub(l.sweep) > time.Minute {
		l.sweep = now
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.last).Seconds()*rate >= l.burst {
				delete(l.buckets, k)
			}
		}
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	return b
}

// ok reports whether key may try again.
func (l *limiter) ok(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refill(key, now).tokens >= 1
}

// fail counts a failed attempt for key.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.refill(key, now); b.tokens >= 1 {
		b.tokens--
	}
}
