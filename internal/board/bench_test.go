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
