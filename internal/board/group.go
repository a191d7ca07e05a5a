package board

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Grouping: the facilitator's workspace drags cards onto cards and themes,
// merges and splits themes, merges duplicates, and takes any of it back.
// Each such change is one step on an undo stack kept in the state, so a
// replayed or restarted room undoes the same steps.

// MaxUndo is how many grouping steps can be taken back.
const MaxUndo = 50

// MaxThemeName is the longest theme name, in characters.
const MaxThemeName = 120

// MaxPage bounds the projector's page number.
const MaxPage = 1000

// Step is one grouping change, kept as what it changed looked like before.
type Step struct {
	Cards  []CardPlace `json:"cards,omitempty"`  // cards whose place changed
	Order  []string    `json:"order"`            // theme ids in order, before
	Themes []Theme     `json:"themes,omitempty"` // themes that changed or went away
}

// CardPlace is where a card stood.
type CardPlace struct {
	ID         string `json:"id"`
	Theme      string `json:"theme,omitempty"`
	MergedInto string `json:"merged_into,omitempty"`
	Hidden     bool   `json:"hidden,omitempty"`
}

type snapshot struct {
	cards  map[string]CardPlace
	order  []string
	themes map[string]Theme
}

func (s *State) snapshot() snapshot {
	sn := snapshot{cards: make(map[string]CardPlace, len(s.Cards)), themes: make(map[string]Theme, len(s.Themes))}
	for _, c := range s.Cards {
		sn.cards[c.ID] = CardPlace{ID: c.ID, Theme: c.Theme, MergedInto: c.MergedInto, Hidden: c.Hidden}
	}
	for _, t := range s.Themes {
		sn.order = append(sn.order, t.ID)
		sn.themes[t.ID] = Theme{ID: t.ID, Name: t.Name, Cards: slices.Clone(t.Cards)}
	}
	return sn
}

// step runs op as one undoable step. op must leave the state as it was
// when it fails. Outside the grouping phases nothing is recorded: once the
// vote opens, votes hang on the themes.
func (s *State) step(op func() error) error {
	if !s.moderating() {
		return op()
	}
	before := s.snapshot()
	if err := op(); err != nil {
		return err
	}
	st := Step{Order: before.order}
	for _, c := range s.Cards {
		if p, ok := before.cards[c.ID]; ok && (p.Theme != c.Theme || p.MergedInto != c.MergedInto || p.Hidden != c.Hidden) {
			st.Cards = append(st.Cards, p)
		}
	}
	now := map[string]*Theme{}
	for _, t := range s.Themes {
		now[t.ID] = t
	}
	for _, id := range before.order {
		old := before.themes[id]
		if t := now[id]; t == nil || t.Name != old.Name || !slices.Equal(t.Cards, old.Cards) {
			st.Themes = append(st.Themes, old)
		}
	}
	if len(st.Cards) == 0 && len(st.Themes) == 0 && len(s.Themes) == len(before.order) {
		return nil // nothing changed: nothing to undo
	}
	s.Undo = append(s.Undo, st)
	if len(s.Undo) > MaxUndo {
		s.Undo = slices.Delete(s.Undo, 0, len(s.Undo)-MaxUndo)
	}
	return nil
}

// TakeBack undoes the latest grouping step. Cards that since left the
// board (sent back to their team, deleted) stay out of themes.
func (s *State) TakeBack() error {
	if !s.moderating() {
		return ErrWrongPhase
	}
	if len(s.Undo) == 0 {
		return ErrNotFound
	}
	st := s.Undo[len(s.Undo)-1]
	s.Undo = s.Undo[:len(s.Undo)-1]
	for _, p := range st.Cards {
		if c := s.Card(p.ID); c != nil {
			c.Theme, c.MergedInto, c.Hidden = p.Theme, p.MergedInto, p.Hidden
		}
	}
	saved := map[string]Theme{}
	for _, t := range st.Themes {
		saved[t.ID] = t
	}
	now := map[string]*Theme{}
	for _, t := range s.Themes {
		now[t.ID] = t
	}
	themes := make([]*Theme, 0, len(st.Order))
	for _, id := range st.Order {
		if t, ok := saved[id]; ok {
			themes = append(themes, &Theme{ID: t.ID, Name: t.Name, Cards: slices.Clone(t.Cards)})
		} else if t := now[id]; t != nil {
			themes = append(themes, t)
		}
	}
	s.Themes = themes
	s.tidy()
	return nil
}

// tidy makes cards and themes agree: a theme lists only live cards that
// name it, and a card names only a theme that lists it.
func (s *State) tidy() {
	listed := map[string]string{} // card → theme
	for _, t := range s.Themes {
		t.Cards = slices.DeleteFunc(t.Cards, func(id string) bool {
			c := s.Card(id)
			if c == nil || !c.Live() || c.Theme != t.ID || listed[id] != "" {
				return true
			}
			listed[id] = t.ID
			return false
		})
	}
	for _, c := range s.Cards {
		if listed[c.ID] == "" {
			c.Theme = ""
		}
	}
}

// themeName cuts a text to a theme name's length.
func themeName(text string) string {
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) <= MaxThemeName {
		return text
	}
	r := []rune(text)
	return strings.TrimSpace(string(r[:MaxThemeName-1])) + "…"
}

// Group puts card with onto, as a drag of one card onto another does: into
// onto's theme, or, if onto has none, into a new theme of the two named
// after onto's text (the facilitator renames it).
func (s *State) Group(card, onto string) (*Theme, error) {
	if s.Phase != Reveal && s.Phase != Group {
		return nil, ErrWrongPhase
	}
	c, o := s.Card(card), s.Card(onto)
	if c == nil || o == nil {
		return nil, ErrNotFound
	}
	if c == o || !c.Live() || !o.Live() {
		return nil, ErrBadValue
	}
	if o.Theme != "" && o.Theme == c.Theme {
		return nil, ErrDuplicate
	}
	var out *Theme
	err := s.step(func() error {
		if o.Theme != "" {
			out = s.Theme(o.Theme)
			return s.place(c, out.ID)
		}
		out = &Theme{ID: s.newID("t"), Name: themeName(o.Text), Cards: []string{}}
		s.Themes = append(s.Themes, out)
		if err := s.place(o, out.ID); err != nil {
			return err
		}
		return s.place(c, out.ID)
	})
	return out, err
}

// JoinThemes moves every card of theme into into, and removes theme.
func (s *State) JoinThemes(theme, into string) error {
	if s.Phase != Reveal && s.Phase != Group {
		return ErrWrongPhase
	}
	t, to := s.Theme(theme), s.Theme(into)
	if t == nil || to == nil {
		return ErrNotFound
	}
	if t == to {
		return ErrBadValue
	}
	return s.step(func() error {
		for _, id := range t.Cards {
			if c := s.Card(id); c != nil {
				c.Theme = to.ID
			}
		}
		to.Cards = append(to.Cards, t.Cards...)
		s.Themes = slices.DeleteFunc(s.Themes, func(x *Theme) bool { return x == t })
		return nil
	})
}

// Split takes cards out of theme into a new theme called name (the first
// card's text when empty). With no cards it takes the theme apart: every
// card goes back to the loose ones.
func (s *State) Split(theme string, cards []string, name string) (*Theme, error) {
	if s.Phase != Reveal && s.Phase != Group {
		return nil, ErrWrongPhase
	}
	t := s.Theme(theme)
	if t == nil {
		return nil, ErrNotFound
	}
	seen := map[string]bool{}
	for _, id := range cards {
		if !slices.Contains(t.Cards, id) || seen[id] {
			return nil, ErrBadValue
		}
		seen[id] = true
	}
	if len(cards) > 0 && len(cards) == len(t.Cards) {
		return nil, ErrBadValue // all of it: that is a rename
	}
	var out *Theme
	err := s.step(func() error {
		if len(cards) == 0 {
			for _, id := range t.Cards {
				if c := s.Card(id); c != nil {
					c.Theme = ""
				}
			}
			s.Themes = slices.DeleteFunc(s.Themes, func(x *Theme) bool { return x == t })
			return nil
		}
		if name == "" {
			name = themeName(s.Card(cards[0]).Text)
		}
		out = &Theme{ID: s.newID("t"), Name: name, Cards: slices.Clone(cards)}
		t.Cards = slices.DeleteFunc(t.Cards, func(id string) bool { return seen[id] })
		for _, id := range cards {
			s.Card(id).Theme = out.ID
		}
		s.Themes = append(s.Themes, out)
		return nil
	})
	return out, err
}

// Accept merges a suggested group of duplicates: every card after the
// first is merged into the first, in one step.
func (s *State) Accept(cards []string) error {
	if !s.moderating() {
		return ErrWrongPhase
	}
	if len(cards) < 2 {
		return ErrBadValue
	}
	seen := map[string]bool{}
	for _, id := range cards {
		c := s.Card(id)
		if c == nil {
			return ErrNotFound
		}
		if !c.Live() || seen[id] {
			return ErrBadValue
		}
		seen[id] = true
	}
	return s.step(func() error {
		into := s.Card(cards[0])
		for _, id := range cards[1:] {
			s.merge(s.Card(id), into)
		}
		return nil
	})
}

// Dismiss records that the cards are not duplicates of each other, so that
// they are not suggested together again.
func (s *State) Dismiss(cards []string) error {
	if !s.moderating() {
		return ErrWrongPhase
	}
	if len(cards) < 2 {
		return ErrBadValue
	}
	for _, id := range cards {
		if s.Card(id) == nil {
			return ErrNotFound
		}
	}
	added := false
	for i, a := range cards {
		for _, b := range cards[i+1:] {
			if k := pairKey(a, b); a != b && !slices.Contains(s.Dismissed, k) {
				s.Dismissed = append(s.Dismissed, k)
				added = true
			}
		}
	}
	if !added {
		return ErrDuplicate
	}
	return nil
}

// SetPage turns the projector to page n of the current phase; the
// projector wraps it around its number of pages.
func (s *State) SetPage(n int) error {
	if n < 0 || n > MaxPage {
		return ErrBadValue
	}
	if n == s.Page {
		return ErrDuplicate
	}
	s.Page = n
	return nil
}
