package session

import (
	"strings"
	"time"
)

// Views: what each audience is sent, built from the state, who is online
// and the time. What a field is for is documented in docs/protocol.md. The
// host sees everything, the screen what the room may see, a phone what
// every phone may see (PhoneView) and its own part (MeView); each stage
// kind adds its part (stage.view, phone, me).

const (
	maxListedPlayers = 60 // names per team in host and screen views
	maxListedMembers = 24 // names of teammates in a phone's view
	topPlayers       = 10 // players in a phone's leaderboard
	// viewPlayers is how many players the host and screen leaderboards
	// list: the projector shows ten. All of them made the view of a room
	// of 10,000 phones a megabyte, rebuilt every 100 ms while answers came.
	viewPlayers = 100
)

// Presence is what views need to know beyond the state.
type Presence struct {
	Online      func(player string) bool // whether a socket of the player is open; nil: nobody's
	StorageDown bool                     // the store cannot be written: the host is told
	Base        string                   // public base URL of join links
	Watchers    int                      // sockets following the room without a team
}

func (p Presence) online(player string) bool { return p.Online != nil && p.Online(player) }

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
	Relaxed  bool   `json:"relaxed,omitempty"` // no speed points, longer questions
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

type hostInfo struct {
	Correct    []string `json:"correct"`
	Answer     *float64 `json:"answer,omitempty"`    // numeric questions
	Tolerance  float64  `json:"tolerance,omitempty"` // numeric questions
	Accept     []string `json:"accept,omitempty"`    // text questions
	AnsweredBy []string `json:"answered_by"`
}

// View is what the host and the screen see of the room.
type View struct {
	Room        roomInfo      `json:"room"`
	Phase       string        `json:"phase"`
	Stage       *stageInfo    `json:"stage"`
	Teams       []teamInfo    `json:"teams"`
	Players     int           `json:"players"`
	Online      int           `json:"online"`
	Watchers    int           `json:"watchers,omitempty"` // sockets that only watch (docs/protocol.md, "Watching")
	Question    *questionInfo `json:"question"`
	Reveal      *revealInfo   `json:"reveal"`
	Leaderboard *leaderboard  `json:"leaderboard"`
	Host        *hostInfo     `json:"host,omitempty"`
	Storage     string        `json:"storage,omitempty"`     // host only: "unavailable" while the store is down
	Removed     []removedInfo `json:"removed,omitempty"`     // host only: players removed and not let back in
	Game        any           `json:"game,omitempty"`        // a game stage's view for this role
	Board       any           `json:"board,omitempty"`       // a board stage's view for this role
	Day         *dayInfo      `json:"day,omitempty"`         // a scenario of several stage kinds: where the day stands
	Podium      *podiumInfo   `json:"podium,omitempty"`      // once finished, in a room that played a quiz
	ScreenPage  *int          `json:"screen_page,omitempty"` // the projector's page the host turned to on this screen (screen.go)
}

// podiumInfo is how far the host revealed the finished room: 1 the third
// place, 2 the second, 3 the first; 4 in a day its summary.
type podiumInfo struct {
	Revealed int `json:"revealed"`
	Steps    int `json:"steps"`
}

func podiumOf(s *State) *podiumInfo {
	if !s.Finished || s.podiumSteps() == 0 {
		return nil
	}
	return &podiumInfo{Revealed: s.Podium, Steps: s.podiumSteps()}
}

// removedInfo is a removed player in the host's view.
type removedInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Team string `json:"team"`
}

// PhoneState is what every phone sees of the room.
type PhoneState struct {
	Phase       string        `json:"phase"`
	Stage       *stageInfo    `json:"stage"`
	Room        roomInfo      `json:"room"`
	Question    *questionInfo `json:"question"`
	Reveal      *revealInfo   `json:"reveal"`
	Leaderboard *leaderboard  `json:"leaderboard"`
	Game        any           `json:"game,omitempty"`  // what every phone may see of a game stage
	Board       any           `json:"board,omitempty"` // what every phone may see of a board stage
	Day         *dayInfo      `json:"day,omitempty"`   // a scenario of several stage kinds: where the day stands
	Podium      *podiumInfo   `json:"podium,omitempty"`
}

// Me is a phone's own view: its player, team and scores, and its part of
// the stage.
type Me struct {
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

// HostView is the host's view: everything, the correct answer while a
// question is open, removed players, and whether the store is down.
func HostView(s *State, p Presence, now time.Time) *View { return view(s, RoleHost, p, now) }

// ScreenView is the projector's view: what the whole room may see.
func ScreenView(s *State, p Presence, now time.Time) *View { return view(s, RoleScreen, p, now) }

func view(s *State, role Role, pr Presence, now time.Time) *View {
	v := &View{
		Room:     roomInfoOf(s, pr, true),
		Phase:    s.Phase(),
		Stage:    stageInfoOf(s),
		Watchers: pr.Watchers,
	}
	// Each team's counts and its first maxListedPlayers names: the view is
	// rebuilt every coalescing delay while answers come, and listing every
	// player only to cut the lists made garbage in proportion to the room.
	teams := make(map[string]*teamInfo, len(s.Teams))
	for _, t := range s.Teams {
		teams[t.ID] = &teamInfo{ID: t.ID, Name: t.Name, Players: []playerInfo{}}
	}
	for _, p := range s.Players {
		if p.Kicked {
			if role == RoleHost && p.barred() && len(v.Removed) < maxListedPlayers {
				v.Removed = append(v.Removed, removedInfo{ID: p.ID, Name: p.Name, Team: p.Team})
			}
			continue
		}
		online := pr.online(p.ID)
		v.Players++
		if online {
			v.Online++
		}
		ti := teams[p.Team]
		if ti == nil {
			continue // no team of the state's: the view lists the state's teams
		}
		ti.Size++
		if online {
			ti.Online++
		}
		if len(ti.Players) < maxListedPlayers {
			ti.Players = append(ti.Players, playerInfo{ID: p.ID, Name: p.Name, Online: online})
		}
	}
	for _, t := range s.Teams {
		v.Teams = append(v.Teams, *teams[t.ID])
	}
	if v.Teams == nil {
		v.Teams = []teamInfo{}
	}
	v.Leaderboard = leaderboardOf(s, viewPlayers)
	if role == RoleHost {
		v.Host = &hostInfo{Correct: []string{}, AnsweredBy: []string{}}
		if pr.StorageDown {
			v.Storage = "unavailable"
		}
	}
	if cur := s.current(); cur != nil {
		cur.view(s, v, role)
	}
	v.Day = dayOf(s)
	v.Podium = podiumOf(s)
	v.ScreenPage = s.screenPageNow()
	return v
}

// PhoneView is what every phone shares: never an answer before its reveal,
// nor a card before it is shown to the room.
func PhoneView(s *State, _ Presence, now time.Time) *PhoneState {
	ps := &PhoneState{
		Phase:       s.Phase(),
		Stage:       stageInfoOf(s),
		Room:        roomInfoOf(s, Presence{}, false),
		Leaderboard: leaderboardOf(s, topPlayers),
	}
	if cur := s.current(); cur != nil {
		cur.phone(s, ps)
	}
	ps.Day = dayOf(s)
	ps.Podium = podiumOf(s)
	return ps
}

// MeView is one player's own view; nil for a player the room does not know.
func MeView(s *State, player string, now time.Time) *Me {
	p := s.byID[player]
	if p == nil {
		return nil
	}
	rk := s.ranking()
	m := &Me{Player: meName{ID: p.ID, Name: p.Name},
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
	if cur := s.current(); cur != nil {
		cur.me(s, p, m)
	}
	return m
}

// MeQuestion is the part of a phone's own view that belongs to the open
// question: the keys of Me an answer changes (Marks.Answered). In team
// mode an answer changes every teammate's team_answer; result is null while
// the question is open, and goes with them so that a phone still holding
// the last question's keeps none. Nothing else of an own view moves before
// the question closes, and closing it sends every phone its whole view.
type MeQuestion struct {
	Answer     *meAnswer `json:"answer"`
	TeamAnswer *meAnswer `json:"team_answer"`
	Result     *meResult `json:"result"`
}

// MeQuestionView is a player's MeQuestion; nil for a player the room does
// not know or when no quiz is the current stage.
func MeQuestionView(s *State, player string) *MeQuestion {
	p, qs := s.byID[player], s.quizNow()
	if p == nil || qs == nil {
		return nil
	}
	var m Me
	qs.me(s, p, &m)
	return &MeQuestion{Answer: m.Answer, TeamAnswer: m.TeamAnswer, Result: m.Result}
}

func roomInfoOf(s *State, pr Presence, full bool) roomInfo {
	c := s.Config
	ri := roomInfo{Title: c.Scenario.Title, TeamMode: string(s.teamMode()), Relaxed: c.Relaxed}
	if full {
		ri.ID, ri.Code, ri.Lang, ri.Stages = c.ID, c.Code, c.Lang, len(c.Scenario.Stages)
		ri.JoinURL = pr.Base + "/j/" + c.Code
		ri.QR = "/api/rooms/" + c.ID + "/qr.png"
		ri.Locked = s.Locked
	}
	return ri
}

func stageInfoOf(s *State) *stageInfo {
	if s.Stage < 0 {
		return nil
	}
	st := s.Config.Scenario.Stages[s.Stage]
	return &stageInfo{Index: s.Stage, ID: st.ID, Kind: string(st.Kind), Title: st.Title}
}

// imageURL is where pages load an image of a scenario: a path relative to
// the scenarios directory is served under /media/; a URL is used as it is.
func imageURL(image string) string {
	if image == "" || strings.HasPrefix(image, "http://") || strings.HasPrefix(image, "https://") {
		return image
	}
	return "/media/" + image
}
