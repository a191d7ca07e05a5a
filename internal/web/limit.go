package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// limiter is a set of token buckets, one per key (a client IP, a token).
// Buckets that have filled up again are swept on use, so it needs no
// goroutine of its own.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, burst int) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(burst), now: time.Now, buckets: map[string]*bucket{}}
}

// refill brings a key's bucket up to date; the caller holds mu.
func (l *limiter) refill(key string, now time.Time) *bucket {
	if now.Sub(l.sweep) > time.Minute {
		l.sweep = now
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	return b
}

// allow takes one token for key and reports whether there was one.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// ok reports whether key has a token left, without taking it.
func (l *limiter) ok(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refill(key, l.now()).tokens >= 1
}

// take takes a token for key, if any is left.
func (l *limiter) take(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.refill(key, l.now()); b.tokens >= 1 {
		b.tokens--
	}
}

// counter counts live things per key, up to a limit.
type counter struct {
	mu    sync.Mutex
	limit int
	n     map[string]int
}

// acquire adds one for key unless it is at the limit.
func (c *counter) acquire(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= c.limit {
		return false
	}
	c.n[key]++
	return true
}

func (c *counter) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key]--; c.n[key] <= 0 {
		delete(c.n, key)
	}
}

// ParseProxies reads a comma-separated list of addresses and CIDR prefixes
// of reverse proxies whose X-Forwarded-For is trusted.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// clientKey is the client a request's limits are counted for: its address
// (see clientIP) as limitKey makes it.
func (s *Server) clientKey(r *http.Request) string {
	return limitKey(clientIP(r, s.proxies))
}

// limitKey keys an IPv4 address as itself and an IPv6 address as its /64:
// one home, office or phone is handed a whole /64 and may use any address
// in it, so per-address limits on IPv6 would limit nothing.
func limitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// clientIP is the address a request comes from. X-Forwarded-For is believed
// only when the connection comes from a configured proxy, and then only as
// far back as the chain of configured proxies goes.
func clientIP(r *http.Request, proxies []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	trusted := func(a netip.Addr) bool {
		for _, p := range proxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !trusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = a.Unmap()
		if !trusted(addr) {
			break
		}
	}
	return addr.String()
}
