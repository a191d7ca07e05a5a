package room

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestAckJSON: acks, encoded by hand, are byte for byte what encoding/json
// makes of the same frame, for hostile ids (HTML, quotes, control
// characters, invalid UTF-8, U+2028), with and without data.
func TestAckJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"", "c17", "Анна", "<script>", "&amp;", `"`, `\`, "\n\t\r\b\f", "\x00\x1f\x7f", "\xff\xfe", "\u2028\u2029", "😀"}
	clock := &fakeClock{now: time.Date(2026, 11, 27, 10, 0, 0, 123e6, time.UTC)}
	r := &Room{epoch: "3f9a1c0e", clock: clock}
	for range 2000 {
		var id strings.Builder
		for range rng.IntN(4) {
			id.WriteString(pieces[rng.IntN(len(pieces))])
		}
		r.journal.seq = rng.Uint64() >> rng.IntN(64)
		clock.now = clock.now.Add(time.Duration(rng.IntN(1e6)) * time.Millisecond)
		dup := rng.IntN(2) == 0
		want := r.encodeFrame(frameOut{Type: "ack", Epoch: r.epoch, Seq: r.journal.seq, Time: clock.now.UnixMilli(), ID: id.String(), Duplicate: dup})
		if got := r.ackFrame(id.String(), dup); !bytes.Equal(got, want) {
			t.Fatalf("ack encoded as\n%s\nencoding/json:\n%s", got, want)
		}
		part := `{"answer":{"question":"q1","options":["b"]},"team_answer":null,"result":null}`
		want = r.encodeFrame(frameOut{Type: "ack", Epoch: r.epoch, Seq: r.journal.seq, Time: clock.now.UnixMilli(), ID: id.String(),
			Data: map[string]json.RawMessage{"me_patch": json.RawMessage(part)}})
		got := r.ackWith(id.String(), `,"data":{"me_patch":`, func(b []byte) ([]byte, error) { return append(b, part...), nil }, 0)
		if !bytes.Equal(got, want) {
			t.Fatalf("ack with data encoded as\n%s\nencoding/json:\n%s", got, want)
		}
	}
}
