package board

import (
	"fmt"
	"slices"
	"testing"

	"github.com/huddle-live/huddle/internal/scenario"
)

func TestNormalizeAndStems(t *testing.T) {
	if got := Normalize("Ёлки-палки, ПАРТНЁРЫ!  «Чат»…"); !slices.Equal(got, []string{"елки", "палки", "партнеры", "чат"}) {
		t.Errorf("Normalize = %q", got)
	}
	// Word order, forms, stop words and ё/е do not matter.
	a, b := Stems("Ежемесячная встреча партнёров"), Stems("встречи партнеров, ежемесячно и для всех")
	if !slices.Equal(a, b) {
		t.Errorf("stems differ: %q %q", a, b)
	}
	if got := Stems("Monthly meetings with the partners"); !slices.Equal(got, []string{"meet", "month", "partner"}) {
		t.Errorf("English stems = %q", got)
	}
}

// TestAlikeTable is the tuning table of the duplicate detection: cards of
// the kind a hackathon on partnership produces, and whether a facilitator
// would want them offered as one idea.
func TestAlikeTable(t *testing.T) {
	cases := []struct {
		a, b  string
		exact bool
		want  bool
	}{
		{"Ежемесячная встреча партнёров", "Ежемесячная встреча партнеров", true, true},
		{"Ежемесячная встреча партнёров", "Встреча партнёров ежемесячно", true, true},
		{"Общий чат…", "Общий чат", true, true},
		{"Общий чат проекта", "Чат проекта, общий для всех", true, true},
		{"Подписать соглашение о сотрудничестве", "Соглашение о сотрудничестве подписать!", true, true},
		{"Встерча партнёров ежемесячная", "Ежемесячная встреча партнёров", false, true}, // a typo
		{"Назначить ответственного с каждой стороны", "Ответственный от каждой стороны", false, true},
		{"Сообщать партнёру о срыве сроков сразу", "Сразу сообщать партнеру, если срываются сроки", false, true},
		{"Общая таблица задач", "Общая таблица задач и сроков", false, true},
		{"Общий чат проекта", "Общий чат в мессенджере для всего проекта", false, true}, // contained
		{"Monthly partner meeting", "Partner meetings every month", false, true},
		{"Общий чат проекта", "Общий план проекта", false, false},
		{"Общий план", "Общий чат", false, false},
		{"Подписать соглашение о сотрудничестве", "Заключить договор о сотрудничестве", false, false},
		{"Открыто показывать, на что идут деньги", "Прозрачная отчётность о расходах", false, false},
		{"Доверие", "Доверие строится на выполненных обещаниях и открытой отчётности", false, false},
		{"Общий чат", "Раз в месяц встречаемся, ведём общий чат, сверяем планы, публикуем отчёты", false, false},
		{"", "Общий чат", false, false},
		{"!!!", "???", false, false},
	}
	for _, c := range cases {
		score, exact, ok := Alike(c.a, c.b)
		if ok != c.want || exact != c.exact {
			t.Errorf("Alike(%q, %q) = %.2f exact %v ok %v, want exact %v ok %v", c.a, c.b, score, exact, ok, c.exact, c.want)
		}
		if s2, _, ok2 := Alike(c.b, c.a); ok2 != ok || s2 != score {
			t.Errorf("Alike is not symmetric for %q, %q", c.a, c.b)
		}
	}
}

func boardWith(t *testing.T, texts ...string) (*State, *scenario.Board) {
	t.Helper()
	d := def()
	d.TeamCards = 50
	d.CardLimit = 200
	s := New(d, t0)
	for i, text := range texts {
		player := []string{"a1", "b1", "c1"}[i%3]
		if _, err := s.Write(d, roster, player, "p1", text, t0); err != nil {
			t.Fatalf("write %q: %v", text, err)
		}
	}
	to(t, s, d, Group)
	return s, d
}

func TestSuggestions(t *testing.T) {
	s, _ := boardWith(t,
		"Ежемесячная встреча партнёров", // c1
		"Общий чат проекта",             // c2
		"Общий план проекта",            // c3
		"Встреча партнёров ежемесячно",  // c4
		"Чат проекта, общий",            // c5
		"Ежемесячная встреча партнеров", // c6
		"Общая таблица задач",           // c7
	)
	got := s.Suggestions()
	want := []Suggestion{
		{Cards: []string{"c1", "c4", "c6"}, Exact: true, Score: 1},
		{Cards: []string{"c2", "c5"}, Exact: true, Score: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("suggestions = %+v, want %+v", got, want)
	}
	// "Not duplicates": the pair is never offered again; the rest stays.
	must(t, s.Dismiss([]string{"c1", "c4"}))
	if err := s.Dismiss([]string{"c4", "c1"}); err == nil {
		t.Error("dismissing the same pair twice is not a duplicate")
	}
	got = s.Suggestions()
	want = []Suggestion{
		{Cards: []string{"c1", "c6"}, Exact: true, Score: 1},
		{Cards: []string{"c2", "c5"}, Exact: true, Score: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after dismissing c1–c4: %+v", got)
	}
	// Accepting merges into the first card in one step; merged cards are
	// never offered.
	must(t, s.Accept([]string{"c1", "c6"}))
	if s.Card("c6").MergedInto != "c1" {
		t.Errorf("c6 = %+v", s.Card("c6"))
	}
	got = s.Suggestions()
	if len(got) != 1 || got[0].Cards[0] != "c2" {
		t.Errorf("after accepting: %+v", got)
	}
	must(t, s.TakeBack())
	if s.Card("c6").MergedInto != "" {
		t.Error("undo did not take the merge back")
	}
	// A changed text is compared anew.
	s.Card("c5").Text = "Совсем другое"
	for _, sg := range s.Suggestions() {
		if slices.Contains(sg.Cards, "c5") {
			t.Errorf("c5 still suggested after its text changed: %+v", sg)
		}
	}
}

func TestSuggestionsLimit(t *testing.T) {
	var texts []string
	for i := range 2 * MaxSuggestions {
		texts = append(texts, fmt.Sprintf("Идея номер %d", i), fmt.Sprintf("идея, номер %d!", i))
	}
	s, _ := boardWith(t, texts...)
	if got := s.Suggestions(); len(got) != MaxSuggestions {
		t.Errorf("suggestions = %d, want %d", len(got), MaxSuggestions)
	}
}
