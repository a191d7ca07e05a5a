package board

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// themes prints the themes as "name:card,card; …" and the loose live cards.
func themes(s *State) string {
	var b strings.Builder
	for _, t := range s.Themes {
		fmt.Fprintf(&b, "%s:%s; ", t.Name, strings.Join(t.Cards, ","))
	}
	b.WriteString("loose:")
	var loose []string
	for _, c := range s.Cards {
		if c.Live() && c.Theme == "" {
			loose = append(loose, c.ID)
		}
	}
	b.WriteString(strings.Join(loose, ","))
	for _, c := range s.Cards {
		if c.Theme != "" && (s.Theme(c.Theme) == nil || !containsID(s.Theme(c.Theme).Cards, c.ID)) {
			fmt.Fprintf(&b, " BROKEN:%s→%s", c.ID, c.Theme)
		}
	}
	return b.String()
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// TestGroupingSteps runs the workspace's moves one after another, each
// checked against the board it leaves, then takes them all back.
func TestGroupingSteps(t *testing.T) {
	s, _ := boardWith(t, "Договор", "Соглашение", "Чат", "Встречи", "Отчёт", "План")
	steps := []struct {
		name string
		do   func() error
		want string
		err  error
	}{
		{"card onto a loose card makes a theme named after it", func() error { _, err := s.Group("c2", "c1"); return err },
			"Договор:c1,c2; loose:c3,c4,c5,c6", nil},
		{"card onto a card in a theme joins that theme", func() error { _, err := s.Group("c5", "c2"); return err },
			"Договор:c1,c2,c5; loose:c3,c4,c6", nil},
		{"the same again is a duplicate", func() error { _, err := s.Group("c5", "c1"); return err },
			"Договор:c1,c2,c5; loose:c3,c4,c6", ErrDuplicate},
		{"onto itself", func() error { _, err := s.Group("c3", "c3"); return err },
			"Договор:c1,c2,c5; loose:c3,c4,c6", ErrBadValue},
		{"second theme", func() error { _, err := s.Group("c4", "c3"); return err },
			"Договор:c1,c2,c5; Чат:c3,c4; loose:c6", nil},
		{"rename", func() error { return s.RenameTheme("t8", "Связь") },
			"Договор:c1,c2,c5; Связь:c3,c4; loose:c6", nil},
		{"card into a theme", func() error { return s.Place("c6", "t8") },
			"Договор:c1,c2,c5; Связь:c3,c4,c6; loose:", nil},
		{"merge themes", func() error { return s.JoinThemes("t8", "t7") },
			"Договор:c1,c2,c5,c3,c4,c6; loose:", nil},
		{"join a theme with itself", func() error { return s.JoinThemes("t7", "t7") },
			"Договор:c1,c2,c5,c3,c4,c6; loose:", ErrBadValue},
		{"split off two cards", func() error { _, err := s.Split("t7", []string{"c3", "c4"}, "Связь"); return err },
			"Договор:c1,c2,c5,c6; Связь:c3,c4; loose:", nil},
		{"split a card not in the theme", func() error { _, err := s.Split("t7", []string{"c3"}, ""); return err },
			"Договор:c1,c2,c5,c6; Связь:c3,c4; loose:", ErrBadValue},
		{"split off every card", func() error { _, err := s.Split("t9", []string{"c3", "c4"}, ""); return err },
			"Договор:c1,c2,c5,c6; Связь:c3,c4; loose:", ErrBadValue},
		{"split, name from the first card", func() error { _, err := s.Split("t7", []string{"c6"}, ""); return err },
			"Договор:c1,c2,c5; Связь:c3,c4; План:c6; loose:", nil},
		{"take a theme apart", func() error { _, err := s.Split("t9", nil, ""); return err },
			"Договор:c1,c2,c5; План:c6; loose:c3,c4", nil},
		{"a duplicate leaves its theme; the emptied theme goes", func() error { return s.Merge("c6", "c1") },
			"Договор:c1,c2,c5; loose:c3,c4", nil},
		{"hide", func() error { return s.Hide("c5", true) },
			"Договор:c1,c2; loose:c3,c4", nil},
		{"the last card out of a theme", func() error { return s.Place("c1", "") },
			"Договор:c2; loose:c1,c3,c4", nil},
	}
	var boards []string
	for _, st := range steps {
		before := themes(s)
		err := st.do()
		if !errors.Is(err, st.err) {
			t.Fatalf("%s: err = %v, want %v", st.name, err, st.err)
		}
		if got := themes(s); got != st.want {
			t.Fatalf("%s: %s, want %s", st.name, got, st.want)
		}
		if err == nil {
			boards = append(boards, before)
		}
	}
	if len(s.Undo) != len(boards) {
		t.Fatalf("undo steps = %d, want %d", len(s.Undo), len(boards))
	}
	// Undo walks back through every board, in reverse.
	for i := len(boards) - 1; i >= 0; i-- {
		must(t, s.TakeBack())
		if got := themes(s); got != boards[i] {
			t.Fatalf("undo %d: %s, want %s", i, got, boards[i])
		}
	}
	if err := s.TakeBack(); !errors.Is(err, ErrNotFound) {
		t.Errorf("undo with nothing to undo: %v", err)
	}
}

func TestUndoAroundTeams(t *testing.T) {
	s, d := boardWith(t, "Договор", "Соглашение", "Чат")
	_, err := s.Group("c2", "c1")
	must(t, err)
	must(t, s.AskReformulate("c2", "Кто подписывает?"))
	// Undo takes back the request, but the card stays off the board until
	// its team rewrites it: it does not return to the theme.
	must(t, s.TakeBack())
	if got := themes(s); got != "Договор:c1; loose:c3" {
		t.Errorf("after undoing the request: %s", got)
	}
	must(t, s.Edit(d, roster, "b1", "c2", "Соглашение, подписанное руководителями"))
	must(t, s.TakeBack())
	if got := themes(s); got != "loose:c1,c2,c3" {
		t.Errorf("after undoing the theme: %s", got)
	}
	// The vote settles the themes: nothing to undo from then on.
	_, err = s.Group("c2", "c1")
	must(t, err)
	to(t, s, d, Vote)
	if len(s.Undo) != 0 {
		t.Errorf("undo steps kept into the vote: %d", len(s.Undo))
	}
	if err := s.TakeBack(); !errors.Is(err, ErrWrongPhase) {
		t.Errorf("undo during the vote: %v", err)
	}
	if _, err := s.Group("c3", "c1"); !errors.Is(err, ErrWrongPhase) {
		t.Errorf("grouping during the vote: %v", err)
	}
}

func TestUndoDepth(t *testing.T) {
	s, _ := boardWith(t, "a", "b")
	_, err := s.Group("c2", "c1")
	must(t, err)
	for i := range MaxUndo + 10 {
		must(t, s.RenameTheme("t3", fmt.Sprintf("name %d", i)))
	}
	if len(s.Undo) != MaxUndo {
		t.Errorf("undo steps = %d, want %d", len(s.Undo), MaxUndo)
	}
}

func TestPage(t *testing.T) {
	s, d := boardWith(t, "a")
	must(t, s.SetPage(2))
	if err := s.SetPage(2); !errors.Is(err, ErrDuplicate) {
		t.Errorf("the same page again: %v", err)
	}
	for _, n := range []int{-1, MaxPage + 1} {
		if err := s.SetPage(n); !errors.Is(err, ErrBadValue) {
			t.Errorf("page %d: %v", n, err)
		}
	}
	to(t, s, d, Vote)
	if s.Page != 0 {
		t.Errorf("a new phase starts on page %d", s.Page)
	}
}

func TestDrafts(t *testing.T) {
	s, d := board(t)
	to(t, s, d, Vote)
	must(t, s.Dot(d, roster, "c1", s.Cards[0].ID, 1))
	must(t, s.SetDots(d, roster, "a1", s.Cards[1].ID, 2))
	to(t, s, d, Recommend)
	rec := s.Recs[1]
	rec.Teams = []string{"A", "B"} // two teams on one recommendation
	str := func(v string) *string { return &v }
	at := t0.Add(time.Minute)
	steps := []struct {
		name   string
		do     func() error
		err    error
		action string // the recommendation's own
		drafts string
	}{
		{"team A saves: its draft and the text", func() error {
			return s.Fill(roster, "a1", false, rec.Theme, Fields{Action: str("Соглашение"), Responsible: str(ResponsibleBoth)}, at)
		}, nil, "Соглашение", "A:Соглашение/both"},
		{"team B saves: the latest save is the text", func() error {
			return s.Fill(roster, "b1", false, rec.Theme, Fields{Action: str("Договор")}, at)
		}, nil, "Договор", "A:Соглашение/both B:Договор/"},
		{"the host takes A's draft", func() error { return s.Adopt(rec.Theme, "A") }, nil, "Соглашение", "A:Соглашение/both B:Договор/"},
		{"no draft of C", func() error { return s.Adopt(rec.Theme, "C") }, ErrNotFound, "Соглашение", "A:Соглашение/both B:Договор/"},
		{"after the host took over, a team writes its draft only", func() error {
			return s.Fill(roster, "b1", false, rec.Theme, Fields{Action: str("Договор с НКО")}, at)
		}, nil, "Соглашение", "A:Соглашение/both B:Договор с НКО/"},
		{"the host edits", func() error {
			return s.Fill(roster, "", true, rec.Theme, Fields{Action: str("Соглашение о партнёрстве")}, at)
		}, nil, "Соглашение о партнёрстве", "A:Соглашение/both B:Договор с НКО/"},
		{"finalised", func() error { return s.Finalise(rec.Theme, true) }, nil, "Соглашение о партнёрстве", "A:Соглашение/both B:Договор с НКО/"},
		{"finalised twice", func() error { return s.Finalise(rec.Theme, true) }, ErrDuplicate, "Соглашение о партнёрстве", "A:Соглашение/both B:Договор с НКО/"},
		{"a team after finalising", func() error {
			return s.Fill(roster, "a1", false, rec.Theme, Fields{Action: str("x")}, at)
		}, ErrFinal, "Соглашение о партнёрстве", "A:Соглашение/both B:Договор с НКО/"},
		{"the host still may", func() error {
			return s.Fill(roster, "", true, rec.Theme, Fields{Risk: str("Смена руководства")}, at)
		}, nil, "Соглашение о партнёрстве", "A:Соглашение/both B:Договор с НКО/"},
		{"a team not dealt", func() error {
			return s.Fill(roster, "c1", false, rec.Theme, Fields{Action: str("x")}, at)
		}, ErrNotAllowed, "Соглашение о партнёрстве", "A:Соглашение/both B:Договор с НКО/"},
	}
	for _, st := range steps {
		if err := st.do(); !errors.Is(err, st.err) {
			t.Fatalf("%s: err = %v, want %v", st.name, err, st.err)
		}
		var drafts []string
		for _, dr := range rec.Drafts {
			drafts = append(drafts, dr.Team+":"+dr.Action+"/"+dr.Responsible)
		}
		if rec.Action != st.action || strings.Join(drafts, " ") != st.drafts {
			t.Fatalf("%s: action %q drafts %q, want %q %q", st.name, rec.Action, drafts, st.action, st.drafts)
		}
	}
	if d := rec.Draft("B"); d.By != "b1" || !d.At.Equal(at) {
		t.Errorf("draft B = %+v", d)
	}
	other := s.Recs[0]
	to(t, s, d, Final)
	if !other.Final {
		t.Error("moving on to the final phase does not finalise every recommendation")
	}
	if err := s.Finalise(rec.Theme, false); !errors.Is(err, ErrWrongPhase) {
		t.Errorf("reopen in the final phase: %v", err)
	}
}
