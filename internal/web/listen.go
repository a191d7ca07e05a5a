package web

import (
	"net"
	"net/netip"
	"sync"
)

// Listener wraps ln so that one client (an IPv4 address or an IPv6 /64)
// holds at most Limits.ConnsPerClient open connections, WebSockets
// included; a connection past the cap is closed as soon as it is accepted.
// Connections from TrustedProxies are not counted: behind a proxy every
// client has the proxy's address, and the proxy limits its own clients.
func (s *Server) Listener(ln net.Listener) net.Listener {
	return &capListener{Listener: ln, proxies: s.proxies, open: counter{limit: s.limits.ConnsPerClient, n: map[string]int{}}}
}

type capListener struct {
	net.Listener
	proxies []netip.Prefix
	open    counter
}

// Accept returns the next connection whose client is under the cap.
func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
		if err != nil || l.trusted(ap.Addr().Unmap()) {
			return c, nil
		}
		key := limitKey(ap.Addr().String())
		if !l.open.acquire(key) {
			_ = c.Close()
			continue
		}
		return &capConn{Conn: c, release: func() { l.open.release(key) }}, nil
	}
}

func (l *capListener) trusted(a netip.Addr) bool {
	for _, p := range l.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// capConn gives its client's place back when it closes.
type capConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *capConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// CloseWrite lets net/http half-close the connection after an error
// response, as it does with a bare TCP connection.
func (c *capConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
