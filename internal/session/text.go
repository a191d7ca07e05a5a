package session

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const maxNameLen = 40 // characters of a player's or a team's name

const maxMarks = 2 // combining marks kept per letter: enough for any script, too few for "zalgo"

// invisible are letters that draw nothing, used to make names look empty.
var invisible = map[rune]bool{
	'\u115f': true, '\u1160': true, '\u3164': true, '\uffa0': true, // Hangul fillers
	'\u2800': true, // Braille blank
}

// CleanName makes a display name safe to show to a room: Unicode NFC,
// control and format characters removed (bidi overrides among them, but the
// zero-width joiners that emoji and some scripts need are kept), at most
// two combining marks per letter, runs of spaces collapsed. It fails if
// nothing is left or more than 40 characters are.
func CleanName(s string) (string, error) {
	out, ok := cleanText(s, maxNameLen)
	if !ok {
		return "", ErrBadName
	}
	return out, nil
}

// CleanText applies CleanName's rules to a longer text, such as a board
// card, of at most limit characters. It fails with ErrBadText.
func CleanText(s string, limit int) (string, error) {
	out, ok := cleanText(s, limit)
	if !ok {
		return "", ErrBadText
	}
	return out, nil
}

func cleanText(s string, limit int) (string, bool) {
	if len(s) > 4*limit*(maxMarks+1) { // refuse huge input before working on it
		return "", false
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	marks, space, visible := 0, false, false
	for _, r := range s {
		switch {
		case r == '\u200c' || r == '\u200d': // ZWNJ, ZWJ: kept, but they show nothing alone
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r),
			r == utf8.RuneError, unicode.Is(unicode.Cs, r), invisible[r]:
			continue
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
			if marks >= maxMarks {
				continue
			}
			marks++
			b.WriteRune(r)
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space, marks = false, 0
		visible = visible || (r != '\u200c' && r != '\u200d')
		b.WriteRune(r)
	}
	out := b.String()
	if !visible || utf8.RuneCountInString(out) > limit {
		return "", false
	}
	return out, true
}
