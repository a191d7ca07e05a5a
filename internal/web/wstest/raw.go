// Package wstest is a WebSocket client written by hand over TCP, for tests
// that attack the server with what no WebSocket library would send: frame
// headers that lie about their length, frames cut short, silence.
package wstest

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// Raw is an upgraded connection that the test drives frame by frame.
type Raw struct {
	Conn net.Conn
	br   *bufio.Reader
}

// Dial connects to the WebSocket at url ("http://host:port/ws/room") and
// completes the upgrade. local, if not nil, is the address to dial from
// (any 127.x.y.z works on Linux loopback).
func Dial(rawURL string, local net.IP) (*Raw, error) { return DialSending(rawURL, local, "") }

// DialSending is Dial that sends a masked text frame of text (if not "")
// in the same write as the upgrade request, before the server has
// answered it, as a client in a hurry may: the server reads it along with
// the request.
func DialSending(rawURL string, local net.IP, text string) (*Raw, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	if local != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	c, err := d.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	b := []byte(req)
	if text != "" {
		b = appendFrame(b, 0x1, []byte(text))
	}
	if _, err := c.Write(b); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("upgrade: status %d", resp.StatusCode)
	}
	_ = c.SetDeadline(time.Time{})
	return &Raw{Conn: c, br: br}, nil
}

// appendFrame appends a whole masked, final frame of opcode.
func appendFrame(b []byte, opcode byte, payload []byte) []byte {
	var key [4]byte
	_, _ = rand.Read(key[:])
	b = appendHeader(b, opcode, uint64(len(payload)), key)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	return b
}

// appendHeader appends the header of a masked, final frame.
func appendHeader(h []byte, opcode byte, length uint64, key [4]byte) []byte {
	h = append(h, 0x80|opcode)
	switch {
	case length < 126:
		h = append(h, 0x80|byte(length))
	case length <= 0xffff:
		h = append(h, 0x80|126)
		h = binary.BigEndian.AppendUint16(h, uint16(length))
	default:
		h = append(h, 0x80|127)
		h = binary.BigEndian.AppendUint64(h, length)
	}
	return append(h, key[:]...)
}

// Next reads the next frame the server sends, which is never masked nor
// fragmented by huddle: its opcode and payload.
func (r *Raw) Next() (opcode byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(r.br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r.br, l[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(r.br, l[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	if n > 16<<20 {
		return 0, nil, fmt.Errorf("a frame of %d bytes", n)
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(r.br, payload)
	return h[0] & 0x0f, payload, err
}

// Text sends a whole masked text frame.
func (r *Raw) Text(payload string) error {
	key, err := r.Header(0x1, uint64(len(payload)))
	if err != nil {
		return err
	}
	return r.Payload(key, []byte(payload))
}

// Header sends the header of a masked, final frame of opcode that claims
// length bytes of payload, and returns its mask key.
func (r *Raw) Header(opcode byte, length uint64) ([4]byte, error) {
	var key [4]byte
	_, _ = rand.Read(key[:])
	_, err := r.Conn.Write(appendHeader(nil, opcode, length, key))
	return key, err
}

// Payload sends payload bytes masked with key, as the start of a frame's
// payload.
func (r *Raw) Payload(key [4]byte, payload []byte) error {
	b := make([]byte, len(payload))
	for i, c := range payload {
		b[i] = c ^ key[i%4]
	}
	_, err := r.Conn.Write(b)
	return err
}

// Hostile sends the attack that once pinned a server: a frame header that
// claims length bytes, then junk bytes of payload, then nothing.
func (r *Raw) Hostile(length uint64, junk int) error {
	key, err := r.Header(0x1, length)
	if err != nil {
		return err
	}
	return r.Payload(key, make([]byte, junk))
}

// WaitClosed reads and discards whatever the server sends until it closes
// the connection, and reports how long that took; it fails if the
// connection is still open after limit.
func (r *Raw) WaitClosed(limit time.Duration) (time.Duration, error) {
	start := time.Now()
	_ = r.Conn.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, r.br)
	took := time.Since(start)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return took, fmt.Errorf("still open after %v", limit)
	}
	return took, nil // EOF or a reset: closed by the server
}

// Close closes the client's end.
func (r *Raw) Close() error { return r.Conn.Close() }
