package board

import (
	"strings"
	"unicode"
)

// The word filter flags a card for the facilitator; it never drops one.
// A flagged card is shown as usual until the facilitator hides it, so a
// false alarm costs a glance and a missed word costs nothing the
// facilitator's own eyes would not catch.

// rudeRoots match anywhere inside a word: no everyday Russian or English
// word contains them.
var rudeRoots = []string{
	"хуй", "хуя", "хуе", "хуё", "хуи", "пизд", "пидор", "пидар", "залуп", "мудак", "мудил", "гандон", "шлюх",
	"fuck", "cunt", "shit", "asshole", "motherf", "bitch",
}

// rudeStarts match at the start of a word only ("бля" starts no decent
// word but sits inside "оскорбляет"; "еб" sits inside "хлеба").
var rudeStarts = []string{"бля", "сука", "суки", "суч", "еба", "ебл", "ебу", "ёб", "dick", "bastard", "whore", "slut"}

// rudePrefixes are Russian verb prefixes a rude root "еб"/"ёб" hides behind:
// заебал, наебать, уёбок.
var rudePrefixes = []string{"за", "на", "по", "при", "вы", "у", "до", "от", "раз", "рас", "съ", "об", "под", "пере", "вз", "недо"}

// lookalikes maps Latin letters that look Cyrillic to their Cyrillic twins,
// so that a word typed with mixed alphabets is still caught.
var lookalikes = map[rune]rune{
	'a': 'а', 'e': 'е', 'o': 'о', 'p': 'р', 'c': 'с', 'x': 'х', 'y': 'у', 'k': 'к', 'm': 'м', 'h': 'н', 't': 'т', 'b': 'в',
}

// Rude reports whether text holds a rude Russian or English word. It reads
// every word twice: as written, and with Latin lookalikes made Cyrillic.
func Rude(text string) bool {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '*'
	})
	for _, w := range words {
		w = strings.ReplaceAll(w, "ё", "е")
		if rudeWord(w) || rudeWord(cyrillic(w)) {
			return true
		}
	}
	return false
}

func cyrillic(w string) string {
	hasCyr := false
	for _, r := range w {
		hasCyr = hasCyr || unicode.Is(unicode.Cyrillic, r)
	}
	if !hasCyr {
		return w // an English word stays English
	}
	return strings.Map(func(r rune) rune {
		if c, ok := lookalikes[r]; ok {
			return c
		}
		return r
	}, w)
}

func rudeWord(w string) bool {
	for _, root := range rudeRoots {
		if strings.Contains(w, strings.ReplaceAll(root, "ё", "е")) {
			return true
		}
	}
	for _, start := range rudeStarts {
		s := strings.ReplaceAll(start, "ё", "е")
		if strings.HasPrefix(w, s) {
			return true
		}
		if strings.HasPrefix(s, "е") {
			for _, p := range rudePrefixes {
				if strings.HasPrefix(w, p+s) || strings.HasPrefix(w, p+"ъ"+s) {
					return true
				}
			}
		}
	}
	return false
}
