package session

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestMeJSON: the hand-written encoding of a phone's own view is byte for
// byte what encoding/json makes of it, for random views with hostile
// strings (HTML, quotes, control characters, invalid UTF-8, U+2028) and
// numbers of every size; and for the views of a played quiz. So is the
// open question's part of it (MeQuestion) that an answer's ack carries,
// which in the played quiz is the whole view's answer, team_answer and
// result.
func TestMeJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"", "a", "Анна", "<script>", "&amp;", `"`, `\`, "\n\t\r\b\f", "\x00\x1f\x7f", "\xff\xfe", "\u2028\u2029", "😀", "é", "/"}
	str := func() string {
		var b strings.Builder
		for range rng.IntN(4) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	strs := func() []string {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		out := make([]string, 1+rng.IntN(5))
		for i := range out {
			out[i] = str()
		}
		return out
	}
	floats := []float64{0, 1, -1, 0.5, 1.0 / 3, 1e-7, -1e-7, 1e-6, 1e20, 1e21, 1.5e300, -2.5e-300, 123456789.125, math.SmallestNonzeroFloat64, math.MaxFloat64}
	num := func() float64 { return floats[rng.IntN(len(floats))] }
	answer := func() *meAnswer {
		if rng.IntN(3) == 0 {
			return nil
		}
		a := &meAnswer{Question: str(), Options: strs(), Text: str(), By: str()}
		if rng.IntN(2) == 0 {
			n := num()
			a.Number = &n
		}
		return a
	}
	for range 5000 {
		m := &Me{Player: meName{ID: str(), Name: str()},
			Team:      meTeam{ID: str(), Name: str(), Size: rng.IntN(100), Members: strs()},
			Score:     meScore{Points: rng.IntN(1e6) - 1000, Rank: rng.IntN(1e4), Streak: rng.IntN(9), Correct: rng.IntN(40)},
			TeamScore: meTeamScore{Points: rng.IntN(1e6), Rank: rng.IntN(20)},
			Answer:    answer(), TeamAnswer: answer()}
		if rng.IntN(2) == 0 {
			m.Result = &meResult{Question: str(), Correct: rng.IntN(2) == 0, Fraction: num(), Points: rng.IntN(2000),
				Streak: rng.IntN(5), Poll: rng.IntN(2) == 0, Answered: rng.IntN(2) == 0}
		}
		if rng.IntN(50) == 0 {
			m.Board = map[string]any{"x": str()}
		}
		compareMe(t, m)
	}
	// A played quiz: every view as the phones get it.
	p := newPlay(t, quizYAML, 2)
	p.join("Анна <b>", "")
	p.join("Boris & co", "")
	p.host("start", nil)
	views := func() {
		t.Helper()
		for _, name := range []string{"Анна <b>", "Boris & co"} {
			me := MeView(p.s, p.ids[name], p.now)
			compareMe(t, me)
			q := MeQuestionView(p.s, p.ids[name])
			if q == nil || !reflect.DeepEqual(*q, MeQuestion{Answer: me.Answer, TeamAnswer: me.TeamAnswer, Result: me.Result}) {
				t.Fatalf("%s: the question's part %+v is not the whole view's %+v", name, q, me)
			}
		}
	}
	views()
	p.player("Анна <b>", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
	views()
	p.host("close", nil)
	views()
	p.host("next", nil)
	p.host("next", nil)
	p.player("Boris & co", "answer", map[string]any{"question": "q2", "number": 41.5})
	views()
	p.host("close", nil)
	views()
	if me := MeView(p.s, p.ids["Boris & co"], p.now); me.Result == nil || me.Answer == nil || me.Answer.Number == nil {
		t.Fatalf("the played quiz's last view has no result or number: %+v", me)
	}
}

func compareMe(t *testing.T, m *Me) {
	t.Helper()
	want, werr := json.Marshal((*plainMe)(m))
	got, gerr := m.AppendJSON([]byte("x"))
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("errors differ: %v, encoding/json %v", gerr, werr)
	}
	if werr == nil && !bytes.Equal(got[1:], want) {
		t.Fatalf("own view encoded as\n%s\nencoding/json:\n%s", got[1:], want)
	}
	q := &MeQuestion{Answer: m.Answer, TeamAnswer: m.TeamAnswer, Result: m.Result}
	want, werr = json.Marshal((*plainMeQuestion)(q))
	got, gerr = q.AppendJSON([]byte("x"))
	if (werr == nil) != (gerr == nil) || werr == nil && !bytes.Equal(got[1:], want) {
		t.Fatalf("the question's part encoded as\n%s (%v)\nencoding/json:\n%s (%v)", got[1:], gerr, want, werr)
	}
	// Inside a frame, as the room sends it.
	framed, err := json.Marshal(struct{ Me *Me }{m})
	wantFramed, _ := json.Marshal(struct{ Me *plainMe }{(*plainMe)(m)})
	if err == nil && !bytes.Equal(framed, wantFramed) {
		t.Fatalf("in a frame:\n%s\nencoding/json:\n%s", framed, wantFramed)
	}
}
