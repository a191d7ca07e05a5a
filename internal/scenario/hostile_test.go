package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// billionLaughs is the classic alias bomb: each of levels anchors refers
// nine times to the one before, so a decoder that expands aliases would
// build 9^levels strings.
func billionLaughs(levels int) []byte {
	var b strings.Builder
	b.WriteString("id: x\nlol0: &l0 lol\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "lol%d: &l%d [", i, i)
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	fmt.Fprintf(&b, "description: *l%d\n", levels)
	return []byte(b.String())
}

// deepFlow is a file of depth nested flow lists: [[[…]]].
func deepFlow(depth int) []byte {
	return []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n")
}

// deepBlock is a file of depth nested block lists on one line: - - - … x.
func deepBlock(depth int) []byte {
	return []byte(strings.Repeat("- ", depth) + "x\n")
}

// padded is a valid scenario followed by a comment that brings it to size
// bytes.
func padded(size int) []byte {
	src := head + "      - {id: q, type: truefalse, text: Q, correct: true}\n# "
	return []byte(src + strings.Repeat("x", size-len(src)-1) + "\n")
}

// manyKeys is a scenario mapping with n extra keys (k00000: 1, …) after the
// valid ones.
func manyKeys(n int) []byte {
	var b strings.Builder
	b.WriteString(head + "      - {id: q, type: truefalse, text: Q, correct: true}\n")
	for i := range n {
		fmt.Fprintf(&b, "k%05d: 1\n", i)
	}
	return []byte(b.String())
}

// flowMapping is a description given as one flow mapping of n entries.
func flowMapping(n int) []byte {
	var b strings.Builder
	b.WriteString("id: x\ndescription: {")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "k%d: %d", i, i)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// hostileFile is an input meant to make a loader hang, eat memory or
// crash. It must be refused with problems that include every line of want.
type hostileFile struct {
	name string
	data []byte
	want []string
}

// hostileFiles builds the hostile inputs; a function rather than a variable
// so that test binaries (and fuzz workers) that never use them do not pay
// for megabytes of input at start.
func hostileFiles() []hostileFile {
	return []hostileFile{
		{
			name: "billion laughs, 9 levels",
			data: billionLaughs(9),
			want: []string{
				"t.yaml:2:7: anchors are not allowed in scenario files (found &l0)",
				"t.yaml:3:7: anchors are not allowed in scenario files (found &l1)",
				"t.yaml:3:12: aliases are not allowed in scenario files",
				"t.yaml:12:14: aliases are not allowed in scenario files",
			},
		},
		{
			name: "10,000-deep flow nesting",
			data: deepFlow(10000),
			want: []string{
				"t.yaml:1:1: expected a mapping with the scenario's keys (id, title, language, stages), got a list",
				"t.yaml:1:17: nesting is too deep (more than 16 levels)",
			},
		},
		{
			// One level past what the YAML parser itself allows.
			name: "10,001-deep flow nesting",
			data: deepFlow(10001),
			want: []string{"t.yaml: YAML syntax error: exceeded max depth of 10000"},
		},
		{
			name: "10,000-deep block nesting",
			data: deepBlock(10000),
			want: []string{"t.yaml:1:33: nesting is too deep (more than 16 levels)"},
		},
		{
			name: "2 MiB file",
			data: padded(2 << 20),
			want: []string{"t.yaml: the file is larger than the 1024 KiB limit"},
		},
		{
			name: "100,000 keys in one mapping",
			data: manyKeys(100000),
			want: []string{
				`t.yaml:9:1: unknown key "k00000"; allowed keys: id, title, language, description, teams, stages`,
				`t.yaml:108:1: unknown key "k00099"; allowed keys: id, title, language, description, teams, stages`,
				// a hostile file cannot make a huge report
				`t.yaml:109:1: and 99900 more problems not listed: fix these first`,
			},
		},
		{
			// A tag holds any byte through %-escapes and a tagged scalar
			// any text: echoed raw they would split a problem in two, or
			// forge one. FuzzParse found it: testdata/fuzz/FuzzParse/3cd326c46c300098.
			name: "line break in a tag",
			data: []byte("!%0A\n"),
			want: []string{
				`t.yaml:1:1: YAML tag "!\n" is not allowed in scenario files`,
				`t.yaml:1:1: expected a mapping with the scenario's keys (id, title, language, stages), got a value tagged "!\n"`,
			},
		},
		{
			name: "line breaks in tagged values",
			data: []byte(head + `      - id: q
        type: numeric
        text: Q
        answer: 1
        points: !!int "1\nt.yaml:1:1: forged"
        time_limit: !!float "2\n0"
`),
			want: []string{
				`t.yaml:12:17: points must be between 0 and 100000, got "1\nt.yaml:1:1: forged"`,
				`t.yaml:13:21: time_limit needs a unit: write "2\n0"s for seconds`,
			},
		},
		{
			name: "invalid UTF-8",
			data: []byte("id: x\ntitle: caf\xe9\nlanguage: en\n"),
			want: []string{"t.yaml: YAML syntax error: invalid trailing UTF-8 octet"},
		},
		{
			name: "invalid UTF-8 leading byte",
			data: []byte("id: x\ntitle: \xff\nlanguage: en\n"),
			want: []string{"t.yaml: YAML syntax error: invalid leading UTF-8 octet"},
		},
	}
}

func TestHostileFilesRefused(t *testing.T) {
	if n := len(manyKeys(100000)); n > MaxFileSize {
		t.Fatalf("the 100,000 keys file has %d bytes, over the limit: it would not reach the key walk", n)
	}
	for _, tt := range hostileFiles() {
		t.Run(tt.name, func(t *testing.T) {
			ps := mustProblems(t, string(tt.data))
			lines := strings.Split(ps.Error(), "\n")
			for _, w := range tt.want {
				if !slices.Contains(lines, w) {
					t.Errorf("problems do not include %q; got %d, the first:\n%s", w, len(lines), strings.Join(lines[:min(len(lines), 5)], "\n"))
				}
			}
		})
	}
}

// TestLoadRefusesLargeFile checks that Load stops reading a big file at the
// limit rather than taking all of it.
func TestLoadRefusesLargeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, padded(2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if want := path + ": the file is larger than the 1024 KiB limit"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// BenchmarkHostileFiles measures how long refusing each hostile file takes;
// every one must take well under a second.
func BenchmarkHostileFiles(b *testing.B) {
	for _, tt := range hostileFiles() {
		b.Run(tt.name, func(b *testing.B) {
			b.SetBytes(int64(len(tt.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse("t.yaml", tt.data); err == nil {
					b.Fatal("Parse accepted a hostile file")
				}
			}
		})
	}
}
