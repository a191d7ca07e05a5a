package web

import (
	"testing"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// FuzzDecodeFrame: any bytes decode to a frame or to an error that counts as
// the client's bad input, never anything that would close the socket or
// panic.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","token":"abc","lang":"ru"}`,
		`{"id":"c1","type":"answer","data":{"question":"q1","options":["a"]}}`,
		`{"id":5}`, `[]`, `null`, `"x"`, `{"data":`, "\xff\xfe", `{"id":"\u0000"}`,
	} {
		f.Add(true, []byte(s))
	}
	f.Add(false, []byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, text bool, b []byte) {
		typ := websocket.MessageText
		if !text {
			typ = websocket.MessageBinary
		}
		fr, err := decodeFrame(typ, b)
		if err != nil {
			if !badInput(err) {
				t.Fatalf("error %v is not classed as bad input", err)
			}
			return
		}
		if !utf8.ValidString(fr.Type) || !utf8.ValidString(fr.ID) {
			t.Fatalf("invalid UTF-8 got through: %q %q", fr.Type, fr.ID)
		}
	})
}
