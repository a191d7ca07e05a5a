package scenario

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// decoder walks a yaml.Node tree and collects problems instead of stopping
// at the first one. The helpers below never descend into a value they have
// rejected, so one mistake gives one problem.
type decoder struct {
	file    string
	probs   []Problem
	more    int     // problems past maxProblems, counted but not listed
	after   Problem // the first of them
	tooDeep bool
}

// maxProblems is how many problems one file lists: enough to fix a file in
// one go, few enough that a hostile file cannot make a huge report.
const maxProblems = 100

func (d *decoder) addf(n *yaml.Node, format string, args ...any) {
	p := Problem{File: d.file}
	if n != nil {
		p.Line, p.Col = n.Line, n.Column
	}
	if len(d.probs) >= maxProblems {
		if d.more == 0 {
			d.after = p
		}
		d.more++
		return
	}
	p.Msg = fmt.Sprintf(format, args...)
	d.probs = append(d.probs, p)
}

// err returns the collected problems as a *Problems, or nil.
func (d *decoder) err() error {
	if len(d.probs) == 0 {
		return nil
	}
	sortByPosition(d.probs)
	if d.more > 0 {
		// Listed last, at a position no earlier than any listed problem.
		last := d.probs[len(d.probs)-1]
		p := d.after
		if p.Line < last.Line || (p.Line == last.Line && p.Col < last.Col) {
			p.Line, p.Col = last.Line, last.Col
		}
		p.Msg = fmt.Sprintf("and %d more problems not listed: fix these first", d.more)
		d.probs = append(d.probs, p)
	}
	return &Problems{List: d.probs}
}

// allowedTags are the tags a scenario file may use; everything else
// (!!binary, custom !tags) has no meaning in a scenario.
var allowedTags = []string{"!!map", "!!seq", "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!merge"}

// checkTree rejects what the schema walk must never meet: aliases and
// anchors (an alias can make a small file expand into a huge one), unknown
// tags and deep nesting.
func (d *decoder) checkTree(n *yaml.Node, depth int) {
	if depth > MaxDepth {
		if !d.tooDeep {
			d.tooDeep = true
			d.addf(n, "nesting is too deep (more than %d levels)", MaxDepth)
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		d.addf(n, "aliases are not allowed in scenario files")
		return
	}
	if n.Anchor != "" {
		d.addf(n, "anchors are not allowed in scenario files (found &%s)", n.Anchor)
	}
	if n.Kind != yaml.DocumentNode && !slices.Contains(allowedTags, n.ShortTag()) {
		d.addf(n, "YAML tag %s is not allowed in scenario files", shown(n.Tag))
	}
	for _, c := range n.Content {
		d.checkTree(c, depth+1)
	}
}

// shown returns a value or tag from the file for a message: as written
// when it is plain one-line text, quoted otherwise. A tag can hold any
// byte (!%0A is a line break) and a tagged scalar any text (!!int "1\n2"),
// and either must not split a problem in two or forge another.
func shown(s string) string {
	if q := strconv.Quote(s); q[1:len(q)-1] != s {
		return q
	}
	return s
}

// describe says what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "a string"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a decimal number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "an empty value"
		case "!!timestamp":
			return "a date"
		}
		return "a value tagged " + shown(n.Tag)
	}
	return "a YAML document"
}

// expected reports a value of the wrong shape. Aliases were reported by
// checkTree already.
func (d *decoder) expected(n *yaml.Node, what string) {
	if n.Kind == yaml.AliasNode {
		return
	}
	d.addf(n, "expected %s, got %s", what, describe(n))
}

// entry is one key: value pair of a mapping.
type entry struct {
	key, val *yaml.Node
}

// mapping is a YAML mapping indexed by key, in file order.
type mapping struct {
	node    *yaml.Node
	entries map[string]entry
	keys    []string
}

// get returns the value of key, or nil when the key is absent.
func (m *mapping) get(key string) *yaml.Node {
	return m.entries[key].val
}

// mapping checks that n is a mapping and indexes it, reporting duplicate
// and non-scalar keys. what names the expected value ("a stage mapping").
func (d *decoder) mapping(n *yaml.Node, what string) *mapping {
	if n.Kind != yaml.MappingNode {
		d.expected(n, what)
		return nil
	}
	m := &mapping{node: n, entries: make(map[string]entry, len(n.Content)/2)}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.expected(k, "a key name")
			continue
		}
		if first, dup := m.entries[k.Value]; dup {
			d.addf(k, "duplicate key %q (first at line %d)", k.Value, first.key.Line)
			continue
		}
		m.entries[k.Value] = entry{key: k, val: v}
		m.keys = append(m.keys, k.Value)
	}
	return m
}

// allow reports every key of m that is not in allowed.
func (d *decoder) allow(m *mapping, allowed []string) {
	for _, k := range m.keys {
		if !slices.Contains(allowed, k) {
			d.unknownKey(m.entries[k].key, allowed)
		}
	}
}

func (d *decoder) unknownKey(k *yaml.Node, allowed []string) {
	msg := fmt.Sprintf("unknown key %q", k.Value)
	if s := suggest(k.Value, allowed); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	d.addf(k, "%s; allowed keys: %s", msg, strings.Join(allowed, ", "))
}

// require returns the value of a required key, reporting its absence at
// the mapping.
func (d *decoder) require(m *mapping, key string) *yaml.Node {
	v := m.get(key)
	if v == nil {
		d.addf(m.node, "missing required key %q", key)
	}
	return v
}

// scalarString reads a scalar as text. Numbers, booleans and dates are
// taken as written ("60" is a fine option text); an empty value is "".
// Surrounding space is trimmed, which also drops the final newline of a
// block scalar.
func (d *decoder) scalarString(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.expected(n, what)
		return "", false
	}
	switch n.ShortTag() {
	case "!!null":
		return "", true
	case "!!str", "!!int", "!!float", "!!bool", "!!timestamp":
		return strings.TrimSpace(n.Value), true
	}
	return "", false // an unknown tag, reported by checkTree
}

// text reads an optional (or, with required, non-empty) string of at most
// maxRunes characters.
func (d *decoder) text(m *mapping, key string, required bool, maxRunes int) string {
	v := m.get(key)
	if v == nil {
		if required {
			d.require(m, key)
		}
		return ""
	}
	s, ok := d.scalarString(v, "a string")
	if !ok {
		return ""
	}
	d.checkText(v, key, s, required, maxRunes)
	return s
}

// checkText reports an empty required text or one that is too long.
func (d *decoder) checkText(v *yaml.Node, key, s string, required bool, maxRunes int) {
	switch n := utf8.RuneCountInString(s); {
	case n == 0 && required:
		d.addf(v, "%s must not be empty", key)
	case n > maxRunes:
		d.addf(v, "%s is too long: %d characters, at most %d", key, n, maxRunes)
	}
}

// boolean reads an optional true/false, def when absent.
func (d *decoder) boolean(m *mapping, key string, def bool) bool {
	v := m.get(key)
	if v == nil {
		return def
	}
	b, ok := d.boolValue(v)
	if !ok {
		return def
	}
	return b
}

func (d *decoder) boolValue(v *yaml.Node) (bool, bool) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		d.expected(v, "true or false")
		return false, false
	}
	var b bool
	if err := v.Decode(&b); err != nil {
		d.expected(v, "true or false")
		return false, false
	}
	return b, true
}

// integer reads an optional integer within [lo, hi], def when absent.
func (d *decoder) integer(m *mapping, key string, def, lo, hi int) int {
	v := m.get(key)
	if v == nil {
		return def
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
		d.expected(v, "a whole number")
		return def
	}
	var i int
	if err := v.Decode(&i); err != nil || i < lo || i > hi {
		d.addf(v, "%s must be between %d and %d, got %s", key, lo, hi, shown(v.Value))
		return def
	}
	return i
}

// number reads a finite number (integer or decimal).
func (d *decoder) number(v *yaml.Node) (float64, bool) {
	var f float64
	if v.Kind != yaml.ScalarNode || (v.ShortTag() != "!!int" && v.ShortTag() != "!!float") || v.Decode(&f) != nil {
		d.expected(v, "a number")
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		d.addf(v, "expected a finite number, got %s", shown(v.Value))
		return 0, false
	}
	return f, true
}

// duration reads an optional Go duration ("20s", "1m30s") within [lo, hi],
// def when absent.
func (d *decoder) duration(m *mapping, key string, def, lo, hi time.Duration) time.Duration {
	v := m.get(key)
	if v == nil {
		return def
	}
	if v.Kind != yaml.ScalarNode {
		d.expected(v, "a duration like 20s")
		return def
	}
	switch v.ShortTag() {
	case "!!int", "!!float":
		d.addf(v, "%s needs a unit: write %ss for seconds", key, shown(v.Value))
		return def
	case "!!str":
	default:
		d.expected(v, "a duration like 20s")
		return def
	}
	t, err := time.ParseDuration(strings.TrimSpace(v.Value))
	if err != nil {
		d.addf(v, "%s: %q is not a duration; write it like 20s, 90s or 1m30s", key, v.Value)
		return def
	}
	if t < lo || t > hi {
		d.addf(v, "%s must be between %s and %s, got %s", key, shortDuration(lo), shortDuration(hi), shortDuration(t))
		return def
	}
	return t
}

// shortDuration formats a duration without trailing zero units: "10m"
// rather than "10m0s".
func shortDuration(t time.Duration) string {
	s := t.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// suggest returns the allowed key closest to key when it is a likely typo.
func suggest(key string, allowed []string) string {
	best, bestDist := "", 3
	for _, a := range allowed {
		if dist := editDistance(key, a); dist < bestDist && dist < utf8.RuneCountInString(a) {
			best, bestDist = a, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
