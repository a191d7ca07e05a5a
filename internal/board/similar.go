package board

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"
)

// Duplicate suggestions: the server offers the facilitator groups of cards
// that say the same thing, to merge in one tap. Two cards are compared by
// their words reduced to stems (Snowball, Russian or English by each word's
// letters), with case, punctuation, ё/е, stop words and word order set
// aside. Equal stems are an exact duplicate. Otherwise two cards are near
// duplicates when the character trigrams of their stems are alike enough
// (Jaccard), which also forgives a typo or a form the stemmer did not
// reduce, or when every stem of the shorter card (two at least) is in the
// longer one and the longer is not much more than twice as long.

// NearDuplicate is the least trigram similarity of two cards offered as
// near duplicates. Tuned on cards like the shipped scenario's (see
// TestSuggestionsTable): "Встерча партнёров ежемесячная" and "Ежемесячная
// встреча партнёров" are offered, "Общий чат проекта" and "Общий план
// проекта" are not.
const NearDuplicate = 0.6

// MaxSuggestions caps the suggestions offered at once; the facilitator
// works through them and the next ones come.
const MaxSuggestions = 30

// Suggestion is a group of live cards that look like one idea: the first is
// the one the others would be merged into (the earliest written).
type Suggestion struct {
	Cards []string `json:"cards"`
	Exact bool     `json:"exact,omitempty"` // the same words, up to form, order and punctuation
	Score float64  `json:"score"`           // trigram similarity of the first two, 0–1
}

// features is what comparing a card needs, kept per card text.
type features struct {
	text  string   // the text they were made of
	key   string   // sorted stems joined: equal keys are exact duplicates
	stems []string // sorted, distinct
	grams []uint64 // sorted distinct trigrams of the stems
}

// Normalize lowers a text, turns ё into е, and splits it into words of
// letters and digits; everything else separates words.
func Normalize(text string) []string {
	text = strings.ToLower(text)
	text = strings.NewReplacer("ё", "е").Replace(text)
	return strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// Stems are a text's words without stop words, each reduced to its stem,
// sorted and without repeats: word order and form do not matter.
func Stems(text string) []string {
	var out []string
	for _, w := range Normalize(text) {
		var s string
		switch {
		case isCyrillic(w):
			if russian.IsStopWord(w) {
				continue
			}
			s = russian.Stem(w, false)
		default:
			if english.IsStopWord(w) {
				continue
			}
			s = english.Stem(w, false)
		}
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func isCyrillic(w string) bool {
	for _, r := range w {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

func featuresOf(text string) *features {
	stems := Stems(text)
	f := &features{text: text, key: strings.Join(stems, " "), stems: stems}
	for _, s := range stems {
		rs := []rune("^" + s + "$")
		if len(rs) < 3 {
			continue
		}
		for i := 0; i+3 <= len(rs); i++ {
			f.grams = append(f.grams, uint64(rs[i])<<42|uint64(rs[i+1])<<21|uint64(rs[i+2]))
		}
	}
	slices.Sort(f.grams)
	f.grams = slices.Compact(f.grams)
	return f
}

// Alike tells whether two texts would be offered as duplicates, and how
// alike they are (1 for the same stems), by the rules Suggestions uses.
func Alike(a, b string) (score float64, exact, ok bool) {
	fa, fb := featuresOf(a), featuresOf(b)
	if fa.key != "" && fa.key == fb.key {
		return 1, true, true
	}
	score = jaccard(fa.grams, fb.grams)
	if score >= NearDuplicate {
		return score, false, true
	}
	if len(fa.stems) > len(fb.stems) {
		fa, fb = fb, fa
	}
	if n, m := len(fa.stems), len(fb.stems); n >= 2 && m <= 2*n+1 && subset(fa.stems, fb.stems) {
		return max(score, float64(n)/float64(m)), false, true
	}
	return score, false, false
}

func jaccard(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	common, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			common++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}

// pairKey names an unordered pair of cards.
func pairKey(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + "|" + b
}

// feature returns a card's features, made once per text.
func (s *State) feature(c *Card) *features {
	if s.sim == nil {
		s.sim = map[string]*features{}
	}
	f := s.sim[c.ID]
	if f == nil || f.text != c.Text {
		f = featuresOf(c.Text)
		s.sim[c.ID] = f
	}
	return f
}

// Suggestions returns groups of live cards that look like duplicates, most
// alike first, at most MaxSuggestions. Pairs the facilitator said are not
// duplicates are never offered again. Each group is built around its
// earliest card: a card joins the group of the first card it is alike
// enough to, so a chain of slightly different cards does not become one
// group.
func (s *State) Suggestions() []Suggestion {
	// The same cards and the same dismissals give the same answer: most
	// views are built while nothing on the board changed.
	h := fnv.New64a()
	for _, c := range s.Cards {
		if c.Live() {
			h.Write([]byte(c.ID))
			h.Write([]byte{0})
			h.Write([]byte(c.Text))
			h.Write([]byte{0})
		}
	}
	fmt.Fprint(h, len(s.Dismissed))
	sum := h.Sum64()
	if s.simSum == sum && s.simOut != nil {
		return slices.Clone(s.simOut)
	}
	out := s.suggest()
	s.simSum, s.simOut = sum, out
	return slices.Clone(out)
}

func (s *State) suggest() []Suggestion {
	type item struct {
		i int // position in s.Cards: earlier cards anchor groups
		c *Card
		f *features
	}
	var items []item
	for i, c := range s.Cards {
		if c.Live() {
			items = append(items, item{i, c, s.feature(c)})
		}
	}
	// Exact duplicates by key first.
	byKey := map[string][]item{}
	for _, it := range items {
		if it.f.key != "" {
			byKey[it.f.key] = append(byKey[it.f.key], it)
		}
	}
	type pair struct {
		a, b  item
		score float64
		exact bool
	}
	var pairs []pair
	for _, group := range byKey {
		for x := 0; x < len(group); x++ {
			for y := x + 1; y < len(group); y++ {
				pairs = append(pairs, pair{group[x], group[y], 1, true})
			}
		}
	}
	// Near duplicates, found by prefix filtering (Bayardo et al., "Scaling
	// up all pairs similarity search"): with each card's trigrams ordered
	// rarest first, two cards whose Jaccard index reaches t share a trigram
	// among the first |x| − ⌈t·|x|⌉ + 1 of each. Only those are compared.
	freq := map[uint64]int{}
	for _, it := range items {
		for _, g := range it.f.grams {
			freq[g]++
		}
	}
	index := map[uint64][]int{} // trigram → positions in items whose prefix holds it
	seen := make([]int, len(items))
	for x := range seen {
		seen[x] = -1
	}
	var order []uint64
	for x, a := range items {
		n := len(a.f.grams)
		if n == 0 {
			continue
		}
		order = append(order[:0], a.f.grams...)
		slices.SortFunc(order, func(g, h uint64) int {
			if freq[g] != freq[h] {
				return freq[g] - freq[h]
			}
			return cmp.Compare(g, h)
		})
		prefix := n - int(math.Ceil(NearDuplicate*float64(n)-1e-9)) + 1
		for _, g := range order[:prefix] {
			for _, y := range index[g] {
				if seen[y] == x {
					continue
				}
				seen[y] = x
				b := items[y]
				m := len(b.f.grams)
				if float64(min(n, m)) < NearDuplicate*float64(max(n, m)) || a.f.key == b.f.key {
					continue // too different in size, or already an exact pair
				}
				if sc := jaccard(a.f.grams, b.f.grams); sc >= NearDuplicate {
					pairs = append(pairs, pair{b, a, sc, false})
				}
			}
			index[g] = append(index[g], x)
		}
	}
	// Containment: the shorter card's stems all in the longer one's. The
	// candidates share the shorter card's rarest stem.
	paired := make(map[string]bool, len(pairs))
	for _, p := range pairs {
		paired[pairKey(p.a.c.ID, p.b.c.ID)] = true
	}
	posting := map[string][]item{}
	for _, it := range items {
		for _, st := range it.f.stems {
			posting[st] = append(posting[st], it)
		}
	}
	for _, a := range items {
		n := len(a.f.stems)
		if n < 2 {
			continue
		}
		rarest := a.f.stems[0]
		for _, st := range a.f.stems[1:] {
			if len(posting[st]) < len(posting[rarest]) {
				rarest = st
			}
		}
		for _, b := range posting[rarest] {
			m := len(b.f.stems)
			if m <= n || m > 2*n+1 || paired[pairKey(a.c.ID, b.c.ID)] || !subset(a.f.stems, b.f.stems) {
				continue
			}
			paired[pairKey(a.c.ID, b.c.ID)] = true
			pairs = append(pairs, pair{a, b, max(jaccard(a.f.grams, b.f.grams), float64(n)/float64(m)), false})
		}
	}
	dismissed := make(map[string]bool, len(s.Dismissed))
	for _, k := range s.Dismissed {
		dismissed[k] = true
	}
	// Orient each pair earliest first, then most alike first.
	for k := range pairs {
		if pairs[k].b.i < pairs[k].a.i {
			pairs[k].a, pairs[k].b = pairs[k].b, pairs[k].a
		}
	}
	sort.Slice(pairs, func(x, y int) bool {
		if pairs[x].score != pairs[y].score {
			return pairs[x].score > pairs[y].score
		}
		if pairs[x].a.i != pairs[y].a.i {
			return pairs[x].a.i < pairs[y].a.i
		}
		return pairs[x].b.i < pairs[y].b.i
	})
	groupOf := map[string]int{} // card → index in out
	var out []Suggestion
	for _, p := range pairs {
		if dismissed[pairKey(p.a.c.ID, p.b.c.ID)] {
			continue
		}
		ga, inA := groupOf[p.a.c.ID]
		_, inB := groupOf[p.b.c.ID]
		switch {
		case inB:
			continue
		case inA:
			g := &out[ga]
			if g.Cards[0] != p.a.c.ID || s.dismissedWithGroup(dismissed, g.Cards, p.b.c.ID) {
				continue // alike to a member, not to the group's anchor
			}
			g.Cards = append(g.Cards, p.b.c.ID)
			groupOf[p.b.c.ID] = ga
		default:
			groupOf[p.a.c.ID], groupOf[p.b.c.ID] = len(out), len(out)
			out = append(out, Suggestion{Cards: []string{p.a.c.ID, p.b.c.ID}, Exact: p.exact, Score: round2(p.score)})
		}
	}
	if len(out) > MaxSuggestions {
		out = out[:MaxSuggestions]
	}
	if out == nil {
		out = []Suggestion{}
	}
	return out
}

func (s *State) dismissedWithGroup(dismissed map[string]bool, group []string, card string) bool {
	for _, id := range group {
		if dismissed[pairKey(id, card)] {
			return true
		}
	}
	return false
}

// subset reports whether every element of the sorted a is in the sorted b.
func subset(a, b []string) bool {
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) || b[j] != x {
			return false
		}
		j++
	}
	return true
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }
