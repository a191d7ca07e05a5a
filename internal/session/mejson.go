package session

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends the player's own view as encoding/json writes it, but
// without reflection: a phone's own part goes out once per phone at every
// phase change and in the ack of every answer, thousands at a time. A
// game's or a board's part, and a number JSON cannot hold, take the
// general encoder (TestMeJSON compares the two).
func (m *Me) AppendJSON(dst []byte) ([]byte, error) {
	if m.Game != nil || m.Board != nil || !m.finite() {
		b, err := json.Marshal((*plainMe)(m))
		return append(dst, b...), err
	}
	dst = append(dst, `{"player":{"id":`...)
	dst = appendString(dst, m.Player.ID)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, m.Player.Name)
	dst = append(dst, `},"team":{"id":`...)
	dst = appendString(dst, m.Team.ID)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, m.Team.Name)
	dst = append(dst, `,"size":`...)
	dst = strconv.AppendInt(dst, int64(m.Team.Size), 10)
	dst = append(dst, `,"members":`...)
	dst = appendStrings(dst, m.Team.Members)
	dst = append(dst, `},"score":{"points":`...)
	dst = strconv.AppendInt(dst, int64(m.Score.Points), 10)
	dst = append(dst, `,"rank":`...)
	dst = strconv.AppendInt(dst, int64(m.Score.Rank), 10)
	dst = append(dst, `,"streak":`...)
	dst = strconv.AppendInt(dst, int64(m.Score.Streak), 10)
	dst = append(dst, `,"correct":`...)
	dst = strconv.AppendInt(dst, int64(m.Score.Correct), 10)
	dst = append(dst, `},"team_score":{"points":`...)
	dst = strconv.AppendInt(dst, int64(m.TeamScore.Points), 10)
	dst = append(dst, `,"rank":`...)
	dst = strconv.AppendInt(dst, int64(m.TeamScore.Rank), 10)
	dst = append(dst, `},"answer":`...)
	dst = m.Answer.appendJSON(dst)
	dst = append(dst, `,"team_answer":`...)
	dst = m.TeamAnswer.appendJSON(dst)
	dst = append(dst, `,"result":`...)
	dst = m.Result.appendJSON(dst)
	return append(dst, '}'), nil
}

// AppendJSON appends the question's part of an own view as encoding/json
// writes it, without reflection: it goes out in the ack of every answer.
func (q *MeQuestion) AppendJSON(dst []byte) ([]byte, error) {
	if !(&Me{Answer: q.Answer, TeamAnswer: q.TeamAnswer, Result: q.Result}).finite() {
		b, err := json.Marshal((*plainMeQuestion)(q))
		return append(dst, b...), err
	}
	dst = append(dst, `{"answer":`...)
	dst = q.Answer.appendJSON(dst)
	dst = append(dst, `,"team_answer":`...)
	dst = q.TeamAnswer.appendJSON(dst)
	dst = append(dst, `,"result":`...)
	dst = q.Result.appendJSON(dst)
	return append(dst, '}'), nil
}

// MarshalJSON is AppendJSON, for frames encoded as a whole.
func (q *MeQuestion) MarshalJSON() ([]byte, error) { return q.AppendJSON(nil) }

// plainMeQuestion is MeQuestion without its methods.
type plainMeQuestion MeQuestion

func (r *meResult) appendJSON(dst []byte) []byte {
	if r == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"question":`...)
	dst = appendString(dst, r.Question)
	dst = append(dst, `,"correct":`...)
	dst = strconv.AppendBool(dst, r.Correct)
	dst = append(dst, `,"fraction":`...)
	dst = appendFloat(dst, r.Fraction)
	dst = append(dst, `,"points":`...)
	dst = strconv.AppendInt(dst, int64(r.Points), 10)
	dst = append(dst, `,"streak":`...)
	dst = strconv.AppendInt(dst, int64(r.Streak), 10)
	if r.Poll {
		dst = append(dst, `,"poll":true`...)
	}
	dst = append(dst, `,"answered":`...)
	dst = strconv.AppendBool(dst, r.Answered)
	return append(dst, '}')
}

// MarshalJSON is AppendJSON, for frames encoded as a whole.
func (m *Me) MarshalJSON() ([]byte, error) { return m.AppendJSON(nil) }

// plainMe is Me without its methods: what encoding/json makes of it.
type plainMe Me

// finite reports whether every number in the view is one JSON can hold.
func (m *Me) finite() bool {
	ok := func(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }
	okAnswer := func(a *meAnswer) bool { return a == nil || a.Number == nil || ok(*a.Number) }
	return okAnswer(m.Answer) && okAnswer(m.TeamAnswer) && (m.Result == nil || ok(m.Result.Fraction))
}

func (a *meAnswer) appendJSON(dst []byte) []byte {
	if a == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"question":`...)
	dst = appendString(dst, a.Question)
	if len(a.Options) > 0 {
		dst = append(dst, `,"options":`...)
		dst = appendStrings(dst, a.Options)
	}
	if a.Number != nil {
		dst = append(dst, `,"number":`...)
		dst = appendFloat(dst, *a.Number)
	}
	if a.Text != "" {
		dst = append(dst, `,"text":`...)
		dst = appendString(dst, a.Text)
	}
	if a.By != "" {
		dst = append(dst, `,"by":`...)
		dst = appendString(dst, a.By)
	}
	return append(dst, '}')
}

func appendStrings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// appendFloat writes a finite float as encoding/json does.
func appendFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json writes it
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// AppendJSONString appends s as a JSON string, byte for byte as
// encoding/json writes it: for the frames a room encodes by hand.
func AppendJSONString(dst []byte, s string) []byte { return appendString(dst, s) }

// appendString writes s as a JSON string as encoding/json does: <, > and &
// escaped for HTML, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
