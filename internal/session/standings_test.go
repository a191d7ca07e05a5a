package session

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
)

// scores is one quiz stage's outcome as standings read it: points and
// correct answers per unit (a player, or a team in team mode), and the
// points of the stage's last question.
type scores struct {
	mode    scenario.TeamMode
	points  map[string]int
	correct map[string]int
	last    map[string]int
}

// member is a player of a standings case: "id/team", with a trailing "!"
// when the host removed them.
type member string

// scored builds a room of three teams, the players given and one quiz stage
// per scores, the last of them current.
func scored(players []member, stages []scores) *State {
	sc := &scenario.Scenario{Title: "S"}
	for i, st := range stages {
		sc.Stages = append(sc.Stages, scenario.Stage{ID: fmt.Sprint("s", i), Kind: scenario.KindQuiz,
			Quiz: &scenario.Quiz{TeamMode: st.mode}})
	}
	if len(sc.Stages) == 0 {
		sc.Stages = []scenario.Stage{{ID: "s", Kind: scenario.KindQuiz, Quiz: &scenario.Quiz{}}}
	}
	s := newState(Config{Scenario: sc, Teams: []string{"One", "Two", "Three"}}, t0)
	for _, m := range players {
		id, team, _ := strings.Cut(strings.TrimSuffix(string(m), "!"), "/")
		s.Players = append(s.Players, &Player{ID: id, Name: strings.ToUpper(id), Team: team, Kicked: strings.HasSuffix(string(m), "!")})
	}
	for i, st := range stages {
		q := quiz.New(st.mode)
		for unit, pts := range st.points {
			q.Scores[unit] = &quiz.Score{Points: pts, Correct: st.correct[unit]}
		}
		if st.last != nil {
			closed := quiz.Closed{Awards: map[string]quiz.Award{}}
			for unit, pts := range st.last {
				closed.Awards[unit] = quiz.Award{Points: pts}
			}
			q.History = append(q.History, closed)
		}
		s.stages = append(s.stages, &quizStage{st: &sc.Stages[i], def: sc.Stages[i].Quiz, q: q})
		s.Stage = i
	}
	s.reindex()
	return s
}

// row prints a standing as "id points rank last correct" ("size" added for
// teams) so that a case reads as a table.
func rows(st []standing, teams bool) []string {
	var out []string
	for _, x := range st {
		r := fmt.Sprintf("%s %d #%d last %d correct %d", x.id, x.points, x.rank, x.last, x.correct)
		if teams {
			r += fmt.Sprintf(" size %d", x.size)
		}
		out = append(out, r)
	}
	return out
}

// TestStandings: players and teams ranked across stages, as leaderboards,
// phones and exports show them.
func TestStandings(t *testing.T) {
	avg, team := scenario.TeamAverage, scenario.TeamShared
	tests := []struct {
		name           string
		players        []member
		stages         []scores
		players2, team []string
	}{
		{
			name:     "a team's points are its members' mean, rounded half up",
			players:  []member{"a/t1", "b/t1", "c/t2"},
			stages:   []scores{{mode: avg, points: map[string]int{"a": 100, "b": 51, "c": 80}, correct: map[string]int{"a": 1, "c": 1}}},
			players2: []string{"a 100 #1 last 0 correct 1", "c 80 #2 last 0 correct 1", "b 51 #3 last 0 correct 0"},
			team:     []string{"t2 80 #1 last 0 correct 1 size 1", "t1 76 #2 last 0 correct 1 size 2", "t3 0 #3 last 0 correct 0 size 0"},
		},
		{
			name:     "equal points share a rank, in order of name",
			players:  []member{"b/t1", "a/t2", "c/t3"},
			stages:   []scores{{mode: avg, points: map[string]int{"a": 50, "b": 50, "c": 10}}},
			players2: []string{"a 50 #1 last 0 correct 0", "b 50 #1 last 0 correct 0", "c 10 #3 last 0 correct 0"},
			team:     []string{"t1 50 #1 last 0 correct 0 size 1", "t2 50 #1 last 0 correct 0 size 1", "t3 10 #3 last 0 correct 0 size 1"},
		},
		{
			name:     "a removed player counts for nothing, in the team's mean too",
			players:  []member{"a/t1", "b/t1!", "c/t2"},
			stages:   []scores{{mode: avg, points: map[string]int{"a": 100, "b": 0, "c": 80}}},
			players2: []string{"a 100 #1 last 0 correct 0", "c 80 #2 last 0 correct 0"},
			team:     []string{"t1 100 #1 last 0 correct 0 size 1", "t2 80 #2 last 0 correct 0 size 1", "t3 0 #3 last 0 correct 0 size 0"},
		},
		{
			name:     "in team mode players do not score alone",
			players:  []member{"a/t1", "b/t2"},
			stages:   []scores{{mode: team, points: map[string]int{"t1": 300, "t2": 200}, last: map[string]int{"t1": 100}}},
			players2: nil,
			team:     []string{"t1 300 #1 last 100 correct 0 size 1", "t2 200 #2 last 0 correct 0 size 1", "t3 0 #3 last 0 correct 0 size 0"},
		},
		{
			name:    "stages add up; players keep only what they scored alone",
			players: []member{"a/t1", "b/t1", "c/t2"},
			stages: []scores{
				{mode: avg, points: map[string]int{"a": 100, "b": 0, "c": 60}, last: map[string]int{"a": 100}},
				{mode: team, points: map[string]int{"t1": 200, "t2": 300}, last: map[string]int{"t2": 300}},
			},
			players2: []string{"a 100 #1 last 0 correct 0", "c 60 #2 last 0 correct 0", "b 0 #3 last 0 correct 0"},
			team:     []string{"t2 360 #1 last 300 correct 0 size 1", "t1 250 #2 last 0 correct 0 size 2", "t3 0 #3 last 0 correct 0 size 0"},
		},
		{
			name:    "last is the last question of the current stage",
			players: []member{"a/t1", "b/t1"},
			stages: []scores{
				{mode: avg, points: map[string]int{"a": 100}, last: map[string]int{"a": 100}},
				{mode: avg, points: map[string]int{"a": 30, "b": 45}, last: map[string]int{"a": 30, "b": 45}},
			},
			players2: []string{"a 130 #1 last 30 correct 0", "b 45 #2 last 45 correct 0"},
			team:     []string{"t1 88 #1 last 38 correct 0 size 2", "t3 0 #2 last 0 correct 0 size 0", "t2 0 #2 last 0 correct 0 size 0"}, // Three before Two
		},
		{
			name:     "in the lobby everyone shares the first rank",
			players:  []member{"b/t1", "a/t2"},
			players2: []string{"a 0 #1 last 0 correct 0", "b 0 #1 last 0 correct 0"},
			team:     []string{"t1 0 #1 last 0 correct 0 size 1", "t3 0 #1 last 0 correct 0 size 0", "t2 0 #1 last 0 correct 0 size 1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scored(tt.players, tt.stages)
			if got := rows(s.playerStandings(), false); !reflect.DeepEqual(got, tt.players2) {
				t.Errorf("players:\ngot  %q\nwant %q", got, tt.players2)
			}
			if got := rows(s.teamStandings(), true); !reflect.DeepEqual(got, tt.team) {
				t.Errorf("teams:\ngot  %q\nwant %q", got, tt.team)
			}
		})
	}
}

func TestDivRound(t *testing.T) {
	for _, tt := range []struct{ a, b, want int }{
		{0, 5, 0}, {1, 2, 1}, {3, 2, 2}, {151, 2, 76}, {4, 3, 1}, {5, 3, 2}, {100, 1, 100}, {299, 3, 100},
	} {
		if got := divRound(tt.a, tt.b); got != tt.want {
			t.Errorf("divRound(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestLeaderboard: nothing to show before a reveal; then teams nobody
// joined are left out and players are cut to the top asked for.
func TestLeaderboard(t *testing.T) {
	s := scored([]member{"a/t1", "b/t1", "c/t2"}, []scores{{mode: scenario.TeamAverage, points: map[string]int{"a": 10, "b": 20, "c": 30}}})
	if lb := leaderboardOf(s, 2); lb != nil {
		t.Fatalf("a leaderboard before any reveal: %+v", lb)
	}
	s.stages[0].(*quizStage).q.History = []quiz.Closed{{}}
	lb := leaderboardOf(s, 2)
	if len(lb.Players) != 2 || lb.Players[0].ID != "c" || lb.Players[1].ID != "b" {
		t.Errorf("players %+v, want c and b", lb.Players)
	}
	if len(lb.Teams) != 2 || lb.Teams[0].ID != "t2" || lb.Teams[1].Points != 15 {
		t.Errorf("teams %+v, want t2 then t1 at 15, and no t3", lb.Teams)
	}
}

// TestRankingJoinLobby: the ranking the state keeps, updated by joins in
// the lobby, equals one computed from scratch; any other event drops it.
func TestRankingJoinLobby(t *testing.T) {
	for _, mode := range []string{"", "    team_mode: team\n"} {
		p := newPlay(t, strings.Replace(quizYAML, "    time_limit: 10s\n", mode+"    time_limit: 10s\n", 1), 3)
		for i, name := range []string{"Anna", "Boris", "Vera", "Gleb"} {
			p.join(name, "")
			if i == 1 {
				_ = p.s.ranking() // a phone attached: from now on joins update it
			}
		}
		kept := p.s.ranks
		if kept == nil {
			t.Fatal("a join in the lobby dropped the ranking")
		}
		p.s.ranks = nil
		fresh := p.s.ranking()
		if kept.byRank != nil || kept.teamsByRank != nil {
			t.Fatal("a join in the lobby kept the standings in their old order")
		}
		// The leaderboards rank anew then; the maps are kept up to date.
		withoutOrder := *fresh
		withoutOrder.byRank, withoutOrder.teamsByRank = nil, nil
		if !reflect.DeepEqual(kept, &withoutOrder) {
			t.Fatalf("kept %+v\nfresh %+v", kept, fresh)
		}
		p.host("start", nil)
		if p.s.ranks != nil {
			t.Fatal("the ranking survived the start")
		}
	}
}

// TestJoinMarksListedTeammates: teammates get a new "me" while the names
// they are shown grow, and not once the list is full.
func TestJoinMarksListedTeammates(t *testing.T) {
	p := newPlay(t, quizYAML, 2)
	first := p.join("p0", "t1")
	for i := 1; i < maxListedMembers; i++ {
		p.marks.Clear()
		p.join(fmt.Sprint("p", i), "t1")
		if !p.marks.Me[first] || !p.marks.View {
			t.Fatalf("join %d: marks %+v, want the first member's own view and the host's", i, p.marks)
		}
	}
	p.marks.Clear()
	p.join("late", "t1")
	if len(p.marks.Me) != 0 || !p.marks.View {
		t.Fatalf("a join past the listed %d marked %v", maxListedMembers, p.marks.Me)
	}
}

// TestTimeUpEveryTeam: teams that reached their nodes at the same moment
// share a deadline; one TimeUp moves every one of them on.
func TestTimeUpEveryTeam(t *testing.T) {
	p := newPlay(t, gameYAML, 3)
	for _, n := range []string{"Anna", "Boris", "Vera"} {
		p.join(n, "")
	}
	p.host("start", nil)
	if d := p.s.Deadline(); !d.Equal(t0.Add(30 * time.Second)) {
		t.Fatalf("deadline %v", d)
	}
	p.wait(30 * time.Second)
	for _, id := range []string{"t1", "t2", "t3"} {
		if tm := p.s.gameNow().g.Teams[id]; tm.Node != "b" {
			t.Errorf("team %s at %q after the deadline", id, tm.Node)
		}
	}
}

// TestRankingKeptThroughNext: a quiz's "next" within its stage (to the
// leaderboard, to the next question) keeps the ranking, which equals a
// full computation; the stage's end drops it.
func TestRankingKeptThroughNext(t *testing.T) {
	for _, mode := range []string{"", "    team_mode: team\n"} {
		p := newPlay(t, strings.Replace(quizYAML, "    time_limit: 10s\n", mode+"    time_limit: 10s\n", 1), 2)
		for _, name := range []string{"Anna", "Boris", "Vera"} {
			p.join(name, "")
		}
		p.host("start", nil)
		p.player("Anna", "answer", map[string]any{"question": "q1", "options": []string{"a"}})
		p.player("Boris", "answer", map[string]any{"question": "q1", "options": []string{"b"}})
		p.host("close", nil)
		_ = p.s.ranking()
		for step := range 2 { // → leaderboard, → q2
			kept := p.s.ranks
			p.host("next", nil)
			if p.s.ranks != kept {
				t.Fatalf("next %d (%s) dropped the ranking", step, p.s.Phase())
			}
			p.s.ranks = nil
			if fresh := p.s.ranking(); !reflect.DeepEqual(kept, fresh) {
				t.Fatalf("next %d: kept %+v\nfresh %+v", step, kept, fresh)
			}
		}
		p.player("Vera", "answer", map[string]any{"question": "q2", "number": 42})
		p.host("close", nil)
		p.host("next", nil)
		_ = p.s.ranking()
		p.host("next", nil) // the end of the quiz
		if p.s.ranks != nil {
			t.Fatalf("the ranking survived the end of the stage (%s)", p.s.Phase())
		}
	}
}
