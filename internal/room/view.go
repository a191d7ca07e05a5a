package room

import (
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/game"
	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
)

// Views are built on the room's goroutine from its state, one per audience.
// What a field is for is documented in docs/protocol.md.

const (
	maxListedPlayers = 60 // names per team in host and screen views
	maxListedMembers = 24 // names of teammates in a phone's view
	topPlayers       = 10 // players in a phone's leaderboard
	// viewPlayers is how many players the host and screen leaderboards
	// list: the projector shows ten. All of them made the view of a room
	// of 10,000 phones a megabyte, rebuilt every 100 ms while answers came.
	viewPlayers = 100
)

type frameOut struct {
	Type      string `json:"type"`
	Epoch     string `json:"epoch"`
	Seq       uint64 `json:"seq"`
	Time      int64  `json:"time"`
	ID        string `json:"id,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
	Data      any    `json:"data,omitempty"`
}

func (r *Room) encode(f frameOut) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		r.log.Error("encode frame", "type", f.Type, "err", err)
		return nil
	}
	return b
}

func (r *Room) frame(typ string, now time.Time, data any) []byte {
	return r.encode(frameOut{Type: typ, Epoch: r.epoch, Seq: r.seq, Time: now.UnixMilli(), Data: data})
}

func (r *Room) ackFrame(id string, duplicate bool) []byte {
	return r.encode(frameOut{Type: "ack", Epoch: r.epoch, Seq: r.seq, Time: r.clock.Now().UnixMilli(), ID: id, Duplicate: duplicate})
}

func (r *Room) errorFrame(id string, err error, lang string) []byte {
	code := ErrorCode(err)
	return r.encode(frameOut{Type: "error", Epoch: r.epoch, Seq: r.seq, Time: r.clock.Now().UnixMilli(), ID: id,
		Code: code, Message: Message(code, lang)})
}

// flush sends every audience what changed since the last flush. A broadcast
// is encoded once and the same bytes go to every recipient.
func (r *Room) flush() {
	if r.flushTimer != nil {
		r.flushTimer.Stop()
		r.flushTimer = nil
	}
	now := r.clock.Now()
	if r.dirtyView {
		var host, screen []byte
		for c, s := range r.subs {
			switch s.role {
			case RoleHost:
				if host == nil {
					host = r.frame("view", now, r.view(RoleHost, now))
				}
				r.sendTo(c, host)
			case RoleScreen:
				if screen == nil {
					screen = r.frame("view", now, r.view(RoleScreen, now))
				}
				r.sendTo(c, screen)
			}
		}
	}
	if r.dirtyState {
		state := r.frame("state", now, r.phoneState(now))
		for _, conns := range r.byPlayer {
			for c := range conns {
				r.sendTo(c, state)
			}
		}
	}
	if r.dirtyAllMe {
		for p := range r.byPlayer {
			r.dirtyMe[p] = true
		}
	}
	for p := range r.dirtyMe {
		conns := r.byPlayer[p]
		if len(conns) == 0 {
			continue
		}
		me := r.frame("me", now, r.me(p))
		for c := range conns {
			r.sendTo(c, me)
		}
	}
	clear(r.dirtyMe)
	r.dirtyView, r.dirtyState, r.dirtyAllMe, r.urgent = false, false, false, false
}

// View types, as in docs/protocol.md.

type roomInfo struct {
	ID       string `json:"id,omitempty"`
	Code     string `json:"code,omitempty"`
	Title    string `json:"title"`
	Lang     string `json:"lang,omitempty"`
	TeamMode string `json:"team_mode"`
	JoinURL  string `json:"join_url,omitempty"`
	QR       string `json:"qr,omitempty"`
	Stages   int    `json:"stages,omitempty"`
	Locked   bool   `json:"locked"`
}

type stageInfo struct {
	Index int    `json:"index"`
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title,omitempty"`
}

type playerInfo struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Online bool   `json:"online"`
}

type teamInfo struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Size    int          `json:"size"`
	Online  int          `json:"online"`
	Players []playerInfo `json:"players"`
}

type optionInfo struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type questionInfo struct {
	Index       int          `json:"index"`
	Count       int          `json:"count"`
	ID          string       `json:"id"`
	Type        string       `json:"type"`
	Text        string       `json:"text"`
	Image       string       `json:"image,omitempty"`
	Options     []optionInfo `json:"options,omitempty"`
	Points      int          `json:"points"`
	TimeLimitMS int64        `json:"time_limit_ms"`
	OpenedAt    int64        `json:"opened_at"`
	Deadline    int64        `json:"deadline"`
	Answered    *int         `json:"answered,omitempty"`
	Expected    *int         `json:"expected,omitempty"`
}

type countInfo struct {
	Option string `json:"option"`
	Count  int    `json:"count"`
}

type textCount struct {
	Text    string `json:"text"`
	Count   int    `json:"count"`
	Correct bool   `json:"correct"`
}

type numberCount struct {
	Value   float64 `json:"value"`
	Count   int     `json:"count"`
	Correct bool    `json:"correct"`
}

type revealInfo struct {
	Question     string        `json:"question"`
	Correct      []string      `json:"correct"`
	Answer       float64       `json:"answer"`
	Tolerance    float64       `json:"tolerance"`
	Accept       []string      `json:"accept"`
	Explanation  string        `json:"explanation,omitempty"`
	ClosedBy     string        `json:"closed_by"`
	Distribution []countInfo   `json:"distribution"`
	Texts        []textCount   `json:"texts"`
	Numbers      []numberCount `json:"numbers"`
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

type hostInfo struct {
	Correct    []string `json:"correct"`
	Answer     *float64 `json:"answer,omitempty"`    // numeric questions
	Tolerance  float64  `json:"tolerance,omitempty"` // numeric questions
	Accept     []string `json:"accept,omitempty"`    // text questions
	AnsweredBy []string `json:"answered_by"`
}

type view struct {
	Room        roomInfo      `json:"room"`
	Phase       string        `json:"phase"`
	Stage       *stageInfo    `json:"stage"`
	Teams       []teamInfo    `json:"teams"`
	Players     int           `json:"players"`
	Online      int           `json:"online"`
	Question    *questionInfo `json:"question"`
	Reveal      *revealInfo   `json:"reveal"`
	Leaderboard *leaderboard  `json:"leaderboard"`
	Host        *hostInfo     `json:"host,omitempty"`
	Storage     string        `json:"storage,omitempty"` // host only: "unavailable" while the store is down
	Game        any           `json:"game,omitempty"`    // a game stage's view for this role
	Board       any           `json:"board,omitempty"`   // a board stage's view for this role
}

type phoneState struct {
	Phase       string        `json:"phase"`
	Stage       *stageInfo    `json:"stage"`
	Room        roomInfo      `json:"room"`
	Question    *questionInfo `json:"question"`
	Reveal      *revealInfo   `json:"reveal"`
	Leaderboard *leaderboard  `json:"leaderboard"`
	Game        any           `json:"game,omitempty"`  // what every phone may see of a game stage
	Board       any           `json:"board,omitempty"` // what every phone may see of a board stage
}

func (r *Room) roomInfo(full bool) roomInfo {
	c := r.st.Config
	ri := roomInfo{Title: c.Scenario.Title, TeamMode: string(r.st.teamMode())}
	if full {
		ri.ID, ri.Code, ri.Lang, ri.Stages = c.ID, c.Code, c.Lang, len(c.Scenario.Stages)
		ri.JoinURL = r.base + "/j/" + c.Code
		ri.QR = "/api/rooms/" + c.ID + "/qr.png"
		ri.Locked = r.st.Locked
	}
	return ri
}

func (r *Room) stageInfo() *stageInfo {
	if r.st.Stage < 0 {
		return nil
	}
	st := r.st.Config.Scenario.Stages[r.st.Stage]
	return &stageInfo{Index: r.st.Stage, ID: st.ID, Kind: string(st.Kind), Title: st.Title}
}

// view builds the host or screen view. Only the host's carries the correct
// answer while a question is open.
func (r *Room) view(role Role, now time.Time) *view {
	v := &view{
		Room:  r.roomInfo(true),
		Phase: r.st.Phase(),
		Stage: r.stageInfo(),
	}
	members := map[string][]playerInfo{}
	for _, p := range r.st.Players {
		if p.Kicked {
			continue
		}
		online := len(r.byPlayer[p.ID]) > 0
		v.Players++
		if online {
			v.Online++
		}
		members[p.Team] = append(members[p.Team], playerInfo{ID: p.ID, Name: p.Name, Online: online})
	}
	for _, t := range r.st.Teams {
		ti := teamInfo{ID: t.ID, Name: t.Name, Size: len(members[t.ID]), Players: []playerInfo{}}
		for _, p := range members[t.ID] {
			if p.Online {
				ti.Online++
			}
		}
		ti.Players = members[t.ID][:min(len(members[t.ID]), maxListedPlayers)]
		if ti.Players == nil {
			ti.Players = []playerInfo{}
		}
		v.Teams = append(v.Teams, ti)
	}
	if v.Teams == nil {
		v.Teams = []teamInfo{}
	}
	v.Question = r.questionInfo(true)
	v.Reveal = r.revealInfo()
	v.Leaderboard = r.leaderboard(viewPlayers)
	if role == RoleHost {
		h := &hostInfo{Correct: []string{}, AnsweredBy: []string{}}
		if q := r.st.question(); q != nil {
			h.Correct = correctOf(q)
			switch q.Type {
			case scenario.Numeric:
				h.Answer, h.Tolerance = &q.Answer, q.Tolerance
			case scenario.Text:
				h.Accept = q.Accept
			}
		}
		if qs := r.st.quiz(); qs != nil && qs.Phase == quiz.Open {
			// Only the players listed in teams: the host page marks those.
			for _, t := range v.Teams {
				for _, p := range t.Players {
					if _, ok := qs.Answers[p.ID]; ok {
						h.AnsweredBy = append(h.AnsweredBy, p.ID)
					}
				}
			}
			slices.Sort(h.AnsweredBy)
		}
		v.Host = h
		if r.storageUnavailable() {
			v.Storage = "unavailable"
		}
	}
	switch r.st.kind() {
	case scenario.KindGame:
		v.Game = r.gameView(role, now)
	case scenario.KindBoard:
		v.Board = r.boardView(role, now)
	}
	return v
}

func (r *Room) phoneState(now time.Time) *phoneState {
	ps := &phoneState{
		Phase:       r.st.Phase(),
		Stage:       r.stageInfo(),
		Room:        r.roomInfo(false),
		Question:    r.questionInfo(false),
		Reveal:      r.revealInfo(),
		Leaderboard: r.leaderboard(topPlayers),
	}
	switch r.st.kind() {
	case scenario.KindGame:
		ps.Game = r.gamePhone(now)
	case scenario.KindBoard:
		ps.Board = r.boardPhone(now)
	}
	return ps
}

// questionInfo describes the current question without its answer.
func (r *Room) questionInfo(counts bool) *questionInfo {
	q, qs := r.st.question(), r.st.quiz()
	if q == nil {
		return nil
	}
	qi := &questionInfo{
		Index: qs.Index, Count: len(r.st.stageDef().Questions), ID: q.ID, Type: string(q.Type),
		Text: q.Text, Image: imageURL(q.Image), Points: q.Points, TimeLimitMS: q.TimeLimit.Milliseconds(),
		OpenedAt: qs.OpenedAt.UnixMilli(), Deadline: qs.Deadline.UnixMilli(),
	}
	for _, o := range q.Options {
		qi.Options = append(qi.Options, optionInfo{ID: o.ID, Text: o.Text})
	}
	if counts && qs.Phase == quiz.Open {
		roster := r.st.roster()
		answered, expected := qs.Answered(roster), len(roster)
		qi.Answered, qi.Expected = &answered, &expected
	}
	return qi
}

// imageURL is where pages load a question's image: a path relative to the
// scenarios directory is served under /media/; a URL is used as it is.
func imageURL(image string) string {
	if image == "" || strings.HasPrefix(image, "http://") || strings.HasPrefix(image, "https://") {
		return image
	}
	return "/media/" + image
}

func correctOf(q *scenario.Question) []string {
	out := []string{}
	for _, o := range q.Options {
		if o.Correct {
			out = append(out, o.ID)
		}
	}
	return out
}

// revealInfo describes the last closed question of the current stage, once
// the stage is past its open phase.
func (r *Room) revealInfo() *revealInfo {
	qs, def := r.st.quiz(), r.st.stageDef()
	if qs == nil || qs.Phase == quiz.Open || qs.Last() == nil {
		return nil
	}
	last := qs.Last()
	q := &def.Questions[last.Index]
	ri := &revealInfo{
		Question: q.ID, Correct: correctOf(q), Answer: q.Answer, Tolerance: q.Tolerance,
		Accept: q.Accept, Explanation: q.Explanation, ClosedBy: last.ClosedBy,
		Distribution: []countInfo{}, Texts: []textCount{}, Numbers: []numberCount{},
	}
	if ri.Accept == nil {
		ri.Accept = []string{}
	}
	// In team mode a team's answer counts once: the one that was scored.
	answers := make([]quiz.Answer, 0, len(last.Answers))
	if r.st.teamMode() == scenario.TeamShared {
		latest := map[string]quiz.Answer{}
		for _, a := range last.Answers {
			if b, ok := latest[a.Team]; !ok || a.At.After(b.At) || (a.At.Equal(b.At) && a.N > b.N) {
				latest[a.Team] = a
			}
		}
		for _, a := range latest {
			answers = append(answers, a)
		}
	} else {
		for _, a := range last.Answers {
			answers = append(answers, a)
		}
	}
	switch q.Type {
	case scenario.Numeric:
		counts := map[float64]int{}
		for _, a := range answers {
			counts[*a.Choice.Number]++
		}
		for v, n := range counts {
			ri.Numbers = append(ri.Numbers, numberCount{Value: v, Count: n, Correct: quiz.Grade(q, quiz.Choice{Number: &v}) == 1})
		}
		sort.Slice(ri.Numbers, func(i, j int) bool {
			a, b := ri.Numbers[i], ri.Numbers[j]
			return a.Count > b.Count || (a.Count == b.Count && a.Value < b.Value)
		})
		ri.Numbers = ri.Numbers[:min(len(ri.Numbers), 10)]
	case scenario.Text:
		counts := map[string]int{}
		shown := map[string]string{}
		for _, a := range answers {
			k := quiz.NormalizeText(a.Choice.Text)
			counts[k]++
			if _, ok := shown[k]; !ok {
				shown[k] = a.Choice.Text
			}
		}
		for k, n := range counts {
			ri.Texts = append(ri.Texts, textCount{Text: shown[k], Count: n, Correct: quiz.Grade(q, quiz.Choice{Text: k}) == 1})
		}
		sort.Slice(ri.Texts, func(i, j int) bool {
			a, b := ri.Texts[i], ri.Texts[j]
			return a.Count > b.Count || (a.Count == b.Count && strings.Compare(a.Text, b.Text) < 0)
		})
		ri.Texts = ri.Texts[:min(len(ri.Texts), 10)]
	default:
		counts := map[string]int{}
		for _, a := range answers {
			for _, o := range a.Choice.Options {
				counts[o]++
			}
		}
		for _, o := range q.Options {
			ri.Distribution = append(ri.Distribution, countInfo{Option: o.ID, Count: counts[o.ID]})
		}
	}
	return ri
}

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
	for _, qs := range s.Quizzes {
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
		for i, qs := range s.Quizzes {
			if qs == nil {
				continue
			}
			if sc := qs.Scores[p.ID]; sc != nil {
				st.points += sc.Points
				st.correct += sc.Correct
			}
			if i == len(s.Quizzes)-1 && qs.Last() != nil {
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
	members := map[string][]string{}
	for _, p := range s.Players {
		if !p.Kicked {
			members[p.Team] = append(members[p.Team], p.ID)
		}
	}
	var out []standing
	for _, t := range s.Teams {
		st := standing{id: t.ID, name: t.Name, size: len(members[t.ID])}
		for i, qs := range s.Quizzes {
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
			} else if n := len(members[t.ID]); n > 0 {
				sum, lastSum := 0, 0
				for _, id := range members[t.ID] {
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
			if i == len(s.Quizzes)-1 {
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
	for _, qs := range s.Quizzes {
		if qs != nil && (qs.Last() != nil || s.Finished) {
			return true
		}
	}
	return false
}

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

// leaderboard is present once something was revealed. top limits players
// (0 = all).
func (r *Room) leaderboard(top int) *leaderboard {
	if !r.st.revealedAny() {
		return nil
	}
	players := r.st.playerStandings()
	teams := r.st.teamStandings()
	lb := &leaderboard{Players: []rankInfo{}, Teams: []rankInfo{}}
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

// Phone's own view.

type meView struct {
	Player     meName      `json:"player"`
	Team       meTeam      `json:"team"`
	Score      meScore     `json:"score"`
	TeamScore  meTeamScore `json:"team_score"`
	Answer     *meAnswer   `json:"answer"`
	TeamAnswer *meAnswer   `json:"team_answer"`
	Result     *meResult   `json:"result"`
	Game       any         `json:"game,omitempty"`  // this player's part of a game stage: the team's node, proposal, role brief
	Board      any         `json:"board,omitempty"` // this player's part of a board stage: the team's cards, votes left
}

type meName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type meTeam struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Size    int      `json:"size"`
	Members []string `json:"members"`
}

type meScore struct {
	Points  int `json:"points"`
	Rank    int `json:"rank"`
	Streak  int `json:"streak"`
	Correct int `json:"correct"`
}

type meTeamScore struct {
	Points int `json:"points"`
	Rank   int `json:"rank"`
}

type meAnswer struct {
	Question string   `json:"question"`
	Options  []string `json:"options,omitempty"`
	Number   *float64 `json:"number,omitempty"`
	Text     string   `json:"text,omitempty"`
	By       string   `json:"by,omitempty"`
}

type meResult struct {
	Question string  `json:"question"`
	Correct  bool    `json:"correct"`
	Fraction float64 `json:"fraction"`
	Points   int     `json:"points"`
	Streak   int     `json:"streak"`
	Poll     bool    `json:"poll,omitempty"`
	Answered bool    `json:"answered"`
}

func (r *Room) me(player string) *meView {
	s := r.st
	p := s.byID[player]
	if p == nil {
		return nil
	}
	rk := r.ranking()
	m := &meView{Player: meName{ID: p.ID, Name: p.Name},
		Team: meTeam{ID: p.Team, Size: rk.sizes[p.Team], Members: rk.members[p.Team]}}
	if t := s.team(p.Team); t != nil {
		m.Team.Name = t.Name
	}
	if st, ok := rk.players[p.ID]; ok {
		m.Score = meScore{Points: st.points, Rank: st.rank, Correct: st.correct}
	}
	if st, ok := rk.teams[p.Team]; ok {
		m.TeamScore = meTeamScore{Points: st.points, Rank: st.rank}
	}
	switch s.kind() {
	case scenario.KindGame:
		m.Game = r.gameMe(p)
	case scenario.KindBoard:
		m.Board = r.boardMe(p)
	}
	qs := s.quiz()
	if qs == nil {
		return m
	}
	unit := qs.Unit(p.ID, p.Team)
	if sc := qs.Scores[unit]; sc != nil {
		m.Score.Streak = sc.Streak
	}
	if qs.Phase == quiz.Open {
		q := s.question()
		if a, ok := qs.Answers[p.ID]; ok {
			m.Answer = answerView(q.ID, a, "")
		}
		if qs.Mode == scenario.TeamShared {
			if a, ok := qs.TeamAnswer(s.roster(), p.Team); ok {
				m.TeamAnswer = answerView(q.ID, a, s.byID[a.Player].Name)
			}
		}
		return m
	}
	if last := qs.Last(); last != nil {
		q := &s.stageDef().Questions[last.Index]
		if a, ok := last.Answers[p.ID]; ok {
			m.Answer = answerView(q.ID, a, "")
		}
		aw := last.Awards[unit]
		m.Result = &meResult{Question: q.ID, Correct: aw.Correct, Fraction: aw.Fraction, Points: aw.Points,
			Streak: aw.Streak, Poll: q.Type == scenario.Poll, Answered: aw.Answered}
	}
	return m
}

// ranking is what every phone's view shares: standings and team lists,
// computed once per change of the state rather than once per phone.
type ranking struct {
	players map[string]standing
	teams   map[string]standing
	members map[string][]string // team → the first names
	sizes   map[string]int
}

func (r *Room) ranking() *ranking {
	if r.ranks != nil {
		return r.ranks
	}
	rk := &ranking{players: map[string]standing{}, teams: map[string]standing{},
		members: map[string][]string{}, sizes: map[string]int{}}
	for _, st := range r.st.playerStandings() {
		rk.players[st.id] = st
	}
	for _, st := range r.st.teamStandings() {
		rk.teams[st.id] = st
	}
	for _, t := range r.st.Teams {
		rk.members[t.ID] = []string{}
	}
	for _, p := range r.st.Players {
		if p.Kicked {
			continue
		}
		rk.sizes[p.Team]++
		if len(rk.members[p.Team]) < maxListedMembers {
			rk.members[p.Team] = append(rk.members[p.Team], p.Name)
		}
	}
	r.ranks = rk
	return rk
}

// joinLobby adds a player who joined before any stage began: everyone has
// 0 points and shares rank 1, so only the newcomer and its team's size and
// list change. The result equals a full ranking (TestRankingJoinLobby).
func (rk *ranking) joinLobby(s *State, d joinedData) {
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

func answerView(question string, a quiz.Answer, by string) *meAnswer {
	return &meAnswer{Question: question, Options: a.Choice.Options, Number: a.Choice.Number, Text: a.Choice.Text, By: by}
}

// ErrorCode maps an error to its protocol code.
func ErrorCode(err error) string {
	if c := boardErrorCode(err); c != "" {
		return c
	}
	switch {
	case errors.Is(err, ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, game.ErrForbidden):
		return "captain_only"
	case errors.Is(err, game.ErrStale):
		return "moved_on"
	case errors.Is(err, game.ErrNotAllowed):
		return "choice_unavailable"
	case errors.Is(err, game.ErrUsed):
		return "event_used"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrGone):
		return "room_gone"
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrNoTeam), errors.Is(err, quiz.ErrUnknownPlayer):
		return "not_found"
	case errors.Is(err, ErrFinished):
		return "room_finished"
	case errors.Is(err, quiz.ErrClosed):
		return "question_closed"
	case errors.Is(err, quiz.ErrAlreadyAnswered):
		return "already_answered"
	case errors.Is(err, quiz.ErrInvalidChoice):
		return "invalid_choice"
	case errors.Is(err, ErrWrongPhase), errors.Is(err, quiz.ErrWrongPhase):
		return "wrong_phase"
	case errors.Is(err, ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, ErrTooManyConns):
		return "too_many_connections"
	case errors.Is(err, ErrLocked):
		return "room_locked"
	case errors.Is(err, ErrNameTaken):
		return "name_taken"
	case errors.Is(err, ErrBadName):
		return "bad_name"
	case errors.Is(err, ErrBadRequest):
		return "bad_request"
	case errors.Is(err, ErrStopped):
		return "unavailable"
	case errors.Is(err, ErrStorage):
		return "storage_unavailable"
	case errors.Is(err, ErrTooManyRooms):
		return "too_many_rooms"
	case errors.Is(err, ErrCrossSite):
		return "cross_site"
	case errors.Is(err, ErrMediaType):
		return "unsupported_media_type"
	}
	return "internal"
}

var messages = map[string][2]string{ // code → {ru, en}
	"unauthorized":         {"Ссылка недействительна. Войдите в комнату заново.", "This link is not valid. Join the room again."},
	"forbidden":            {"Это действие доступно только ведущему.", "Only the facilitator can do this."},
	"not_found":            {"Не найдено.", "Not found."},
	"room_gone":            {"Этой комнаты больше нет: сессия закончилась или ссылка устарела.", "This room is no longer here: the session has ended or the link is out of date."},
	"room_finished":        {"Игра уже завершена.", "The game is over."},
	"question_closed":      {"Вопрос уже закрыт.", "The question is closed."},
	"already_answered":     {"Ответ уже принят.", "Your answer is already in."},
	"invalid_choice":       {"Такой ответ не подходит к вопросу.", "That answer does not fit the question."},
	"wrong_phase":          {"Сейчас это сделать нельзя.", "This is not possible right now."},
	"room_locked":          {"Вход в комнату закрыт ведущим.", "The facilitator has closed the room to new players."},
	"rate_limited":         {"Слишком много попыток. Подождите минуту и попробуйте снова.", "Too many attempts. Wait a minute and try again."},
	"too_many_connections": {"Слишком много открытых вкладок с этим участником. Закройте лишние.", "Too many open tabs for this player. Close the extra ones."},
	"name_taken":           {"Это имя уже занято в комнате — добавьте фамилию или инициал.", "That name is taken in this room — add an initial."},
	"bad_name":             {"Имя должно быть от 1 до 40 символов.", "A name must be 1 to 40 characters."},
	"bad_request":          {"Неверный запрос.", "Bad request."},
	"unavailable":          {"Комната остановлена. Попробуйте через минуту.", "The room is stopped. Try again in a minute."},
	"captain_only":         {"Решение команды подтверждает капитан.", "The team's captain confirms the decision."},
	"moved_on":             {"Команда уже перешла к следующему шагу.", "Your team has already moved on."},
	"choice_unavailable":   {"Этот вариант сейчас недоступен.", "This choice is not available now."},
	"event_used":           {"Это событие уже было.", "This event has already happened."},
	"storage_unavailable":  {"Сервер временно не может сохранять ответы. Попробуйте через минуту.", "The server cannot save answers right now. Try again in a minute."},
	"internal":             {"Что-то пошло не так. Попробуйте ещё раз.", "Something went wrong. Try again."},

	// Refused by the HTTP front before any room is involved.
	"too_many_rooms":         {"С этого адреса создано слишком много комнат. Подождите минуту и попробуйте снова.", "Too many rooms have been created from this address. Wait a minute and try again."},
	"cross_site":             {"Запрос пришёл с другого сайта и отклонён. Откройте страницу huddle и попробуйте снова.", "The request came from another site and was refused. Open the huddle page and try again."},
	"unsupported_media_type": {"Запрос должен быть в формате JSON.", "The request must be JSON."},
}

// Message returns the sentence for an error code in the language ("ru"
// unless "en").
func Message(code, lang string) string {
	m, ok := messages[code]
	if !ok {
		m, ok = boardMessages[code]
	}
	if !ok {
		m = messages["internal"]
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}
