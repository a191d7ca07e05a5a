package export

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// mdPlain renders the inline Markdown of scenario texts as the plain text a
// reader sees on the pages (static/app.js, md): **bold**, __bold__,
// *italic*, _italic_ and `code` lose their marks, [text](https://…) becomes
// "text (https://…)", and a backslash before a mark is dropped. A spreadsheet
// cell shows "НКО", not "**НКО**". Only what the pages read as Markdown is
// changed: "a * b", snake_case and unclosed marks stay as they are.
func mdPlain(s string) string {
	if !strings.ContainsAny(s, "*_`[\\") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && strings.IndexByte("\\`*_[]()#+-.!", s[i+1]) >= 0 {
				b.WriteByte(s[i+1])
				i += 2
				continue
			}
		case '`':
			if j := strings.IndexByte(s[i+1:], '`'); j > 0 && !strings.Contains(s[i+1:i+1+j], "\n") {
				b.WriteString(s[i+1 : i+1+j])
				i += j + 2
				continue
			}
		case '*', '_':
			if inner, n, ok := emphasis(s, i); ok {
				b.WriteString(mdPlain(inner))
				i += n
				continue
			}
		case '[':
			if text, url, n, ok := link(s[i:]); ok {
				b.WriteString(mdPlain(text))
				if strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://") {
					b.WriteString(" (" + url + ")")
				}
				i += n
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// emphasis finds the emphasis that opens at s[i] (a '*' or '_', doubled for
// bold): its inner text and the length of the whole, marks included. As on
// the pages, the inner text neither begins nor ends with a space, a single
// '*' is not followed by another, and '_' stands at the edge of a word.
func emphasis(s string, i int) (string, int, bool) {
	c := s[i]
	for _, width := range []int{2, 1} {
		mark := strings.Repeat(string(c), width)
		if !strings.HasPrefix(s[i:], mark) {
			continue
		}
		start := i + width
		if start >= len(s) || isSpaceAt(s, start) || (width == 1 && c == '*' && s[start] == '*') {
			continue
		}
		if c == '_' && wordBefore(s, i) {
			continue
		}
		for from := start + 1; from <= len(s)-width; {
			j := strings.Index(s[from:], mark)
			if j < 0 {
				break
			}
			end := from + j
			if width == 1 && c == '*' && s[end-1] == '*' {
				from = end + 1
				continue
			}
			if isSpaceBefore(s, end) || (c == '_' && wordAt(s, end+width)) {
				from = end + 1
				continue
			}
			return s[start:end], end + width - i, true
		}
	}
	return "", 0, false
}

// link reads "[text](url)" at the start of s: text on one line, url
// without spaces.
func link(s string) (text, url string, n int, ok bool) {
	mid := strings.Index(s, "](")
	if mid < 2 || strings.ContainsAny(s[1:mid], "\n]") {
		return "", "", 0, false
	}
	end := strings.IndexByte(s[mid+2:], ')')
	if end < 1 {
		return "", "", 0, false
	}
	url = s[mid+2 : mid+2+end]
	if strings.ContainsAny(url, " \t\n") {
		return "", "", 0, false
	}
	return s[1:mid], url, mid + 3 + end, true
}

func isSpaceAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

func isSpaceBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r)
}

func wordBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func wordAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
