package session

import (
	"errors"
	"strings"
	"testing"
)

func TestCleanName(t *testing.T) {
	zalgo := "Z" + strings.Repeat("\u0336\u0337\u0338", 10) + "a"
	tests := []struct {
		in, want string
		err      error
	}{
		{"Анна", "Анна", nil},
		{"  Анна   Петровна ", "Анна Петровна", nil},
		{"Анна\nПетровна\t", "Анна Петровна", nil},
		{"e\u0301", "\u00e9", nil}, // NFC
		{"\u202eevil\u202c", "evil", nil},
		{"a\x00b\x07c", "abc", nil},
		{zalgo, "Z\u0336\u0337a", nil},
		{"👩\u200d💻 Dev", "👩\u200d💻 Dev", nil},
		{"<script>alert(1)</script>", "<script>alert(1)</script>", nil}, // shown as text, never markup
		{"", "", ErrBadName},
		{"\u202e\u200b  \x00", "", ErrBadName},
		{"\u3164\u2800", "", ErrBadName},
		{"\u200d\u200c\u200d", "", ErrBadName},
		{"Ян\u3164", "Ян", nil},
		{strings.Repeat("я", 40), strings.Repeat("я", 40), nil},
		{strings.Repeat("я", 41), "", ErrBadName},
		{strings.Repeat("x", 10<<10), "", ErrBadName},
	}
	for _, tt := range tests {
		got, err := CleanName(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("CleanName(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
