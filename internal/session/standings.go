package session

import (
	"sort"

	"github.com/huddle-live/huddle/internal/scenario"
)

// Standings across stages: every stage that scores (a quiz) adds its points
// to the players' and the teams' totals. They make the leaderboards, each
// phone's rank and the exported results.

// standing is a computed ranking entry.
type standing struct {
	id, name, team string
	points, last   int
	correct        int
	rank           int
	size           int // active members, for teams
}

// playerStandings ranks active players by the points they won in stages
// played in average mode; nil when every stage so far was in team mode,
// where players do not score alone.
func (s *State) playerStandings() []standing {
	individual := false
	for _, st := range s.stages {
		qs := st.scores()
		individual = individual || (qs != nil && qs.Mode != scenario.TeamShared)
	}
	if !individual && (s.lastQuiz() != nil || s.teamMode() == scenario.TeamShared) {
		return nil
	}
	var out []standing
	for _, p := range s.Players {
		if p.Kicked {
			continue
		}
		st := standing{id: p.ID, name: p.Name, team: p.Team}
		for i, stg := range s.stages {
			qs := stg.scores()
			if qs == nil {
				continue
			}
			if sc := qs.Scores[p.ID]; sc != nil {
				st.points += sc.Points
				st.correct += sc.Correct
			}
			if i == len(s.stages)-1 && qs.Last() != nil {
				st.last = qs.Last().Awards[p.ID].Points
			}
		}
		out = append(out, st)
	}
	rank(out)
	return out
}

// teamStandings ranks teams. Each stage adds to a team: in average mode the
// mean of its active members' points in that stage (rounded), in team mode
// the team's own points.
func (s *State) teamStandings() []standing {
	var out []standing
	for _, t := range s.Teams {
		members := s.members(t.ID)
		st := standing{id: t.ID, name: t.Name, size: len(members)}
		for i, stg := range s.stages {
			qs := stg.scores()
			if qs == nil {
				continue
			}
			points, correct, last := 0, 0, 0
			if qs.Mode == scenario.TeamShared {
				if sc := qs.Scores[t.ID]; sc != nil {
					points, correct = sc.Points, sc.Correct
				}
				if l := qs.Last(); l != nil {
					last = l.Awards[t.ID].Points
				}
			} else if n := len(members); n > 0 {
				sum, lastSum := 0, 0
				for _, id := range members {
					if sc := qs.Scores[id]; sc != nil {
						sum += sc.Points
						correct += sc.Correct
					}
					if l := qs.Last(); l != nil {
						lastSum += l.Awards[id].Points
					}
				}
				points, last = divRound(sum, n), divRound(lastSum, n)
			}
			st.points += points
			st.correct += correct
			if i == len(s.stages)-1 {
				st.last = last
			}
		}
		out = append(out, st)
	}
	rank(out)
	return out
}

// revealedAny reports whether a leaderboard has anything to show: a quiz
// answer was revealed, or the room finished after a quiz.
func (s *State) revealedAny() bool {
	for _, st := range s.stages {
		if qs := st.scores(); qs != nil && (qs.Last() != nil || s.Finished) {
			return true
		}
	}
	return false
}

// divRound divides rounding half up: a team's mean points.
func divRound(a, b int) int { return (2*a + b) / (2 * b) }

// rank sorts by points, then name, and gives equal points the same rank.
func rank(s []standing) {
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].points != s[j].points {
			return s[i].points > s[j].points
		}
		return s[i].name < s[j].name
	})
	for i := range s {
		if i > 0 && s[i].points == s[i-1].points {
			s[i].rank = s[i-1].rank
		} else {
			s[i].rank = i + 1
		}
	}
}

type rankInfo struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Team   string `json:"team,omitempty"`
	Points int    `json:"points"`
	Rank   int    `json:"rank"`
	Last   int    `json:"last"`
}

type leaderboard struct {
	Players []rankInfo `json:"players"`
	Teams   []rankInfo `json:"teams"`
}

// leaderboardOf is present once something was revealed. top limits players
// (0 = all).
func leaderboardOf(s *State, top int) *leaderboard {
	if !s.revealedAny() {
		return nil
	}
	lb := &leaderboard{Players: []rankInfo{}, Teams: []rankInfo{}}
	players, teams := s.ranking().byRank, s.ranking().teamsByRank
	if players == nil {
		players, teams = s.playerStandings(), s.teamStandings()
	}
	for i, p := range players {
		if top > 0 && i >= top {
			break
		}
		lb.Players = append(lb.Players, rankInfo{ID: p.id, Name: p.name, Team: p.team, Points: p.points, Rank: p.rank, Last: p.last})
	}
	for _, t := range teams {
		if t.size == 0 {
			continue // a team nobody joined is no contender
		}
		lb.Teams = append(lb.Teams, rankInfo{ID: t.id, Name: t.name, Points: t.points, Rank: t.rank, Last: t.last})
	}
	return lb
}

// ranking is what every phone's own view shares: standings and team lists,
// computed once per change of the state rather than once per phone. The
// state keeps it until an event changes it (apply), and a join in the lobby
// updates it in place.
type ranking struct {
	players map[string]standing
	teams   map[string]standing
	members map[string][]string // team → the first names
	sizes   map[string]int
	// The standings in order, for the leaderboards of every view: ranking
	// them for each view and each phone that connected took most of a
	// restarted server's time while 5,000 phones came back. nil when a join
	// in the lobby changed the maps alone.
	byRank, teamsByRank []standing
}

// ranking returns the kept ranking, computing it if an event dropped it.
func (s *State) ranking() *ranking {
	if s.ranks != nil {
		return s.ranks
	}
	rk := &ranking{players: map[string]standing{}, teams: map[string]standing{},
		members: map[string][]string{}, sizes: map[string]int{}}
	rk.byRank, rk.teamsByRank = s.playerStandings(), s.teamStandings()
	for _, st := range rk.byRank {
		rk.players[st.id] = st
	}
	for _, st := range rk.teamsByRank {
		rk.teams[st.id] = st
	}
	for _, t := range s.Teams {
		rk.members[t.ID] = []string{}
	}
	for _, p := range s.Players {
		if p.Kicked {
			continue
		}
		rk.sizes[p.Team]++
		if len(rk.members[p.Team]) < maxListedMembers {
			rk.members[p.Team] = append(rk.members[p.Team], p.Name)
		}
	}
	s.ranks = rk
	return rk
}

// joinLobby adds a player who joined before any stage began: everyone has
// 0 points and shares rank 1, so only the newcomer and its team's size and
// list change. The result equals a full ranking (TestRankingJoinLobby).
func (rk *ranking) joinLobby(s *State, d *joinedData) {
	rk.byRank, rk.teamsByRank = nil, nil
	if s.teamMode() != scenario.TeamShared {
		rk.players[d.Player] = standing{id: d.Player, name: d.Name, team: d.Team, rank: 1}
	}
	t := rk.teams[d.Team]
	t.size++
	rk.teams[d.Team] = t
	rk.sizes[d.Team]++
	if len(rk.members[d.Team]) < maxListedMembers {
		rk.members[d.Team] = append(rk.members[d.Team], d.Name)
	}
}
