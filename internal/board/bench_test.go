package board

import (
	"fmt"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
)

// bigBoard is a city-wide webinar's board: 1000 people in 20 teams, 300
// cards, everyone's five dots given.
func bigBoard(b *testing.B) (*State, *scenario.Board, Roster) {
	d := &scenario.Board{Prompts: []scenario.Prompt{{ID: "p"}}, CardLimit: 200, TeamCards: 50, Dots: 5, PerCard: 2, Top: 5}
	roster := Roster{}
	var teams []string
	for i := range 20 {
		teams = append(teams, fmt.Sprintf("t%d", i))
	}
	for i := range 1000 {
		roster[fmt.Sprintf("u%d", i)] = Member{Team: teams[i%20], Sector: []string{SectorState, SectorNGO, ""}[i%3]}
	}
	s := New(d, time.Time{})
	for i := range 300 {
		if _, err := s.Write(d, roster, fmt.Sprintf("u%d", i), "p", fmt.Sprintf("card %d", i), time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
	for s.Phase != Vote {
		if _, err := s.Next(d, roster, teams, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 1000 {
		u := fmt.Sprintf("u%d", i)
		for k := 0; k < 5; k++ {
			card := s.Cards[(i*7+k*31)%300]
			if card.Team == roster[u].Team {
				continue
			}
			_ = s.Dot(d, roster, u, card.ID, 1)
		}
	}
	return s, d, roster
}

func BenchmarkSetDots(b *testing.B) {
	s, d, roster := bigBoard(b)
	card := s.Cards[150].ID
	b.ResetTimer()
	for i := range b.N {
		_ = s.SetDots(d, roster, "u1", card, i%2)
	}
}

func BenchmarkRanking(b *testing.B) {
	s, _, _ := bigBoard(b)
	b.ResetTimer()
	for range b.N {
		_ = s.Ranking()
	}
}

// words of the generated cards: enough variety that most cards differ, and
// enough overlap that near duplicates come up as they do in a real room.
var (
	benchVerbs   = []string{"Назначить", "Закрепить", "Обсуждать", "Согласовать", "Публиковать", "Проводить", "Вести", "Сообщать", "Планировать", "Проверять", "Оценивать", "Делить"}
	benchObjects = []string{"ответственного с каждой стороны", "общий план работ", "ежемесячную встречу партнёров", "общий чат проекта", "отчёт о расходах", "роли в соглашении", "сроки и этапы", "риски проекта", "показатели учреждения", "интересы подопечных", "ресурсы волонтёров", "итоги квартала", "правила связи", "порядок замены координатора"}
	benchTails   = []string{"", "заранее", "каждый месяц", "до начала работы", "письменно", "на сайте", "вместе с НКО", "с руководителем учреждения", "по итогам этапа", "в общей таблице"}
)

// benchCards is a board of n cards in 7 prompts, every live card in the
// ranking, and 1,000 people's five dots given.
func benchCards(b *testing.B, n int) (*State, *scenario.Board, Roster) {
	var prompts []scenario.Prompt
	for i := range 7 {
		prompts = append(prompts, scenario.Prompt{ID: fmt.Sprintf("p%d", i)})
	}
	d := &scenario.Board{Prompts: prompts, CardLimit: 200, TeamCards: 50, Dots: 5, PerCard: 2, Top: 5}
	roster := Roster{}
	var teams []string
	for i := range 40 {
		teams = append(teams, fmt.Sprintf("t%d", i))
	}
	for i := range 1000 {
		roster[fmt.Sprintf("u%d", i)] = Member{Team: teams[i%40], Sector: []string{SectorState, SectorNGO, ""}[i%3]}
	}
	s := New(d, time.Time{})
	for i := range n {
		text := benchVerbs[i%len(benchVerbs)] + " " + benchObjects[(i/len(benchVerbs))%len(benchObjects)] + " " + benchTails[(i*7)%len(benchTails)]
		if i%5 == 0 {
			text += fmt.Sprintf(" (%d)", i) // some cards differ only by a number
		}
		if _, err := s.Write(d, roster, fmt.Sprintf("u%d", i%1000), prompts[i%7].ID, text, time.Time{}); err != nil && err != ErrDuplicate {
			b.Fatal(err)
		}
	}
	for s.Phase != Group {
		if _, err := s.Next(d, roster, teams, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
	return s, d, roster
}

// BenchmarkSuggestions1000 is the server's work for the host's duplicate
// suggestions on a board of 1,000 cards, every card's stems made anew
// (the first view after a restart, or every card edited at once).
func BenchmarkSuggestions1000(b *testing.B) {
	s, _, _ := benchCards(b, 1000)
	b.ReportMetric(float64(len(s.Cards)), "cards")
	b.ResetTimer()
	for range b.N {
		s.sim, s.simOut = nil, nil
		_ = s.Suggestions()
	}
}

// BenchmarkSuggestions1000Warm is the same with the stems kept from the
// view before: what a host view costs after a card came in or changed.
// A view with the board unchanged reuses the suggestions before.
func BenchmarkSuggestions1000Warm(b *testing.B) {
	s, _, _ := benchCards(b, 1000)
	_ = s.Suggestions()
	b.ResetTimer()
	for range b.N {
		s.simOut = nil // the stems kept, the comparison done again
		_ = s.Suggestions()
	}
}

// BenchmarkRanking1000 ranks 1,000 cards, each its own theme, after 1,000
// people gave five dots each.
func BenchmarkRanking1000(b *testing.B) {
	s, d, roster := benchCards(b, 1000)
	var teams []string
	for i := range 40 {
		teams = append(teams, fmt.Sprintf("t%d", i))
	}
	if _, err := s.Next(d, roster, teams, time.Time{}); err != nil { // the vote: every card a theme
		b.Fatal(err)
	}
	for i := range 1000 {
		u := fmt.Sprintf("u%d", i)
		for k := range 5 {
			_ = s.Dot(d, roster, u, s.Cards[(i*7+k*131)%len(s.Cards)].ID, 1)
		}
	}
	b.ReportMetric(float64(len(s.Themes)), "themes")
	b.ResetTimer()
	for range b.N {
		_ = s.Ranking()
	}
}
