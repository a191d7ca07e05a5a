package session

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/store"
)

// Event types of the room itself; each stage kind adds its own (stage.go).
const (
	evCreated = "created"
	evJoined  = "joined"
	evKicked  = "kicked"
	evStarted = "started"
	evNext    = "next"
	evEnded   = "ended"
	evLocked  = "locked"
	evLinks   = "links" // replaces the host or screen token: the old link stops working
	// evReadmitted lifts a removal: the name and the device of a player the
	// host removed may join again, as a new player.
	evReadmitted = "readmitted"
	// evMoved puts a player in another team. The player's own points stay
	// theirs; a team's standing follows its members from then on.
	evMoved = "moved"
	// evScreenPage turns the projector's current screen to another of its
	// pages (screen.go).
	evScreenPage = "screen.page"
)

type movedData struct {
	Player string `json:"player"`
	Team   string `json:"team"`
}

type lockData struct {
	Locked bool `json:"locked"`
}

type joinedData struct {
	Player    string `json:"player"`
	Name      string `json:"name"`
	Team      string `json:"team"`
	Sector    string `json:"sector,omitempty"`
	TokenHash string `json:"token_hash"`
	// DeviceHash is the hash of the phone's device id; "" when it sent none.
	DeviceHash string `json:"device_hash,omitempty"`
}

type playerData struct {
	Player string `json:"player"`
}

type linksData struct {
	HostHash   string `json:"host_hash,omitempty"`
	ScreenHash string `json:"screen_hash,omitempty"`
}

type noData struct{}

// payload returns a pointer to a new payload of an event type, for its data
// to be decoded into; nil for a type nobody knows.
func payload(typ string) any {
	switch typ {
	case evJoined:
		return &joinedData{}
	case evKicked, evReadmitted:
		return &playerData{}
	case evLocked:
		return &lockData{}
	case evLinks:
		return &linksData{}
	case evMoved:
		return &movedData{}
	case evScreenPage:
		return &screenPage{}
	case evStarted, evNext, evEnded:
		return &noData{}
	}
	if k := kindOf(typ); k != nil {
		return k.payload(typ)
	}
	return nil
}

// Apply changes the state by one stored event, as a restart replays it. The
// live path (Tx.record) goes through the same apply with the payload it
// encoded, so the two cannot differ. An error leaves the state as it was.
func (s *State) Apply(ev store.Event) error {
	d := payload(ev.Type)
	if d == nil {
		return fmt.Errorf("%w: unknown event %q", ErrBadRequest, ev.Type)
	}
	if _, empty := d.(*noData); !empty { // their data was never read
		if err := json.Unmarshal(ev.Data, d); err != nil {
			return err
		}
	}
	return s.apply(ev.Type, ev.At, d)
}

// apply changes the state by one event whose payload d is a pointer of the
// type payload gives.
func (s *State) apply(typ string, at time.Time, d any) error {
	stage := s.Stage
	if err := s.applyEvent(typ, at, d); err != nil {
		return err
	}
	// A quiz moving on within its stage (to the leaderboard, to the next
	// question) scores nothing: the standings stay, and the question opens
	// without ranking every player again first.
	if typ == evNext && s.Stage == stage && !s.Finished && !s.Between && s.quizNow() != nil {
		return nil
	}
	// The standings every phone shares: a join in the lobby adds one
	// player at rank 1; an answer scores nothing until its question
	// closes (ranking them all again per answer was a quarter of the
	// server's work at 5,000 phones); anything else may reorder them.
	switch d := d.(type) {
	case *joinedData:
		if s.ranks != nil && s.Stage < 0 {
			s.ranks.joinLobby(s, d) // a full ranking per join is quadratic in a filling lobby
		} else {
			s.ranks = nil
		}
	case *answeredData:
	default:
		s.ranks = nil
	}
	return nil
}

func (s *State) applyEvent(typ string, at time.Time, d any) error {
	switch d := d.(type) {
	case *joinedData:
		if s.team(d.Team) == nil || s.byID[d.Player] != nil {
			return ErrBadRequest
		}
		p := &Player{ID: d.Player, Name: d.Name, Team: d.Team, Sector: d.Sector, TokenHash: d.TokenHash, DeviceHash: d.DeviceHash, Joined: at}
		s.Players = append(s.Players, p)
		s.byID[p.ID] = p
		s.indexName(len(s.Players) - 1)
		s.byToken[p.TokenHash] = p
		s.active[p.ID] = p.Team
		s.teamOf[p.Team] = append(s.teamOf[p.Team], p.ID)
		return nil
	case *playerData:
		p := s.byID[d.Player]
		if typ == evReadmitted {
			if p == nil || !p.barred() {
				return ErrNotFound
			}
			p.Readmitted = true
			return nil
		}
		if p == nil || p.Kicked {
			return ErrNotFound
		}
		p.Kicked = true
		delete(s.byToken, p.TokenHash)
		delete(s.active, p.ID)
		// A new slice, not one edited in place: callers may hold the old one.
		s.teamOf[p.Team] = slices.DeleteFunc(slices.Clone(s.teamOf[p.Team]), func(id string) bool { return id == p.ID })
		if cur := s.current(); cur != nil {
			cur.drop(s, p.ID)
		}
		return nil
	case *lockData:
		s.Locked = d.Locked
		return nil
	case *movedData:
		p := s.byID[d.Player]
		if p == nil || p.Kicked {
			return ErrNotFound
		}
		if s.team(d.Team) == nil {
			return ErrNoTeam
		}
		if p.Team == d.Team {
			return ErrDuplicate
		}
		// An answer to an open question counts for the team it was given
		// in: a player moves between questions.
		if qs := s.quizNow(); qs != nil && qs.q.Phase == quiz.Open && !s.Finished && !s.Between {
			return ErrWrongPhase
		}
		old := p.Team
		p.Team = d.Team
		s.active[p.ID] = d.Team
		s.teamOf[old] = slices.DeleteFunc(slices.Clone(s.teamOf[old]), func(id string) bool { return id == p.ID })
		s.teamOf[d.Team] = append(slices.Clone(s.teamOf[d.Team]), p.ID)
		return nil
	case *screenPage:
		if d.Page < -MaxScreenPage || d.Page > MaxScreenPage {
			return ErrBadRequest
		}
		sp := *d
		s.ScreenPage = &sp
		return nil
	case *linksData:
		if d.HostHash == "" && d.ScreenHash == "" {
			return ErrBadRequest
		}
		if d.HostHash != "" {
			s.Config.HostHash = d.HostHash
		}
		if d.ScreenHash != "" {
			s.Config.ScreenHash = d.ScreenHash
		}
		return nil
	case *noData:
		switch typ {
		case evStarted:
			if s.Stage >= 0 || s.Finished {
				return ErrWrongPhase
			}
			return s.enterStage(0, at)
		case evNext:
			return s.next(at)
		case evEnded:
			if s.Finished {
				return ErrFinished
			}
			if cur := s.current(); cur != nil && !s.Between {
				cur.finish(s, at)
			}
			s.Finished, s.Between = true, false
			return nil
		}
	}
	if k := kindOf(typ); k != nil {
		return k.apply(s, typ, at, d)
	}
	return fmt.Errorf("%w: unknown event %q", ErrBadRequest, typ)
}

// next advances the room one step within its stage, then to the next stage,
// then to finished.
func (s *State) next(at time.Time) error {
	cur := s.current()
	if s.Finished && s.Podium < s.podiumSteps() {
		s.Podium++
		return nil
	}
	if s.Finished || cur == nil {
		return ErrWrongPhase
	}
	if s.Between {
		s.Between = false
		return s.enterStage(s.Stage+1, at)
	}
	done, err := cur.next(s, at)
	if err != nil || !done {
		return err
	}
	if stages := s.Config.Scenario.Stages; s.Stage+1 < len(stages) {
		// A day of several kinds pauses between them, so the room sees
		// where it stands; stages of one kind follow each other as they
		// always did.
		if s.Config.Interludes && stages[s.Stage+1].Kind != stages[s.Stage].Kind {
			s.Between = true
			return nil
		}
		return s.enterStage(s.Stage+1, at)
	}
	s.Finished = true
	return nil
}

// podiumSteps is how many times the host's next reveals more of the
// finished room: the third place, the second, the first (teams and top
// players together), and in a day then its summary. A room that scored no
// quiz has none, nor one created before the podium was revealed step by step.
func (s *State) podiumSteps() int {
	if !s.Config.StepPodium || s.lastQuiz() == nil {
		return 0
	}
	if s.Config.Interludes {
		return 4
	}
	return 3
}

// enterStage starts stage i, the one after the last started.
func (s *State) enterStage(i int, at time.Time) error {
	def := &s.Config.Scenario.Stages[i]
	k, ok := kinds[def.Kind]
	if !ok || len(s.stages) != i {
		return fmt.Errorf("%w: stage %q of kind %q cannot be played", ErrBadRequest, def.ID, def.Kind)
	}
	st, err := k.enter(s, def, at)
	if err != nil {
		return err
	}
	s.stages = append(s.stages, st)
	s.Stage = i
	return nil
}

// Deadline is when the current stage next needs the room's timer (an open
// question's end, a team's time at a node, a timed board phase), or the
// zero time.
func (s *State) Deadline() time.Time {
	at, _ := s.timer()
	return at
}

// timer is the deadline the current stage waits for, and what happens when
// it passes.
func (s *State) timer() (time.Time, func(*State, *Tx) error) {
	cur := s.current()
	if s.Finished || s.Between || cur == nil {
		return time.Time{}, nil
	}
	return cur.timer(s)
}

// TimeUp records what the deadlines that have passed by tx.At bring: in a
// game, teams that reached their nodes together share one deadline, so
// each gets its own event.
func (s *State) TimeUp(tx *Tx) error {
	for range len(s.Teams) + 1 {
		at, fire := s.timer()
		if fire == nil || at.IsZero() || tx.At.Before(at) {
			return nil
		}
		if err := fire(s, tx); err != nil {
			return err
		}
	}
	return nil
}

// Tx is one change of the state under way: a command, a join or a timer.
// The room makes one for each, at the time it happens, and logs the events
// it holds afterwards, even when the change failed part way: what was
// recorded was applied.
type Tx struct {
	At     time.Time     // when the change happens
	Events []store.Event // what was applied, encoded for the log; Seq is the room's to give
	Marks  *Marks        // which audiences must hear of it; the room's, kept across changes
	Moved  bool          // the room's phase, stage or step changed: worth a snapshot
	Kicked []string      // players removed: the room tells their sockets and closes them
}

// record applies a new event to the state and keeps it, encoded, for the
// log. Live and replay share apply: Apply decodes what record encodes, so
// a payload must survive JSON unchanged (FuzzCommand checks).
func (tx *Tx) record(s *State, typ string, d any) error {
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	phase, stage, step := s.Phase(), s.Stage, s.step()
	if err := s.apply(typ, tx.At, d); err != nil {
		return err
	}
	tx.Events = append(tx.Events, store.Event{At: tx.At, Type: typ, Data: raw})
	if s.Phase() != phase || s.Stage != stage || s.step() != step {
		tx.Moved = true
		switch {
		case s.Stage != stage:
			tx.Marks.everything()
		case phonesStay(phase, s.Phase()):
			tx.Marks.View, tx.Marks.Urgent = true, true
		case ownStays(phase, s.Phase()):
			tx.Marks.View, tx.Marks.State, tx.Marks.Urgent = true, true, true
		default:
			tx.Marks.everything()
		}
	}
	return nil
}

// ownStays reports whether a change of phase leaves every phone's own part
// as it matters: the next question of a quiz opening after a reveal or a
// leaderboard. The own part then differs only by the last question's
// answer and result, which the phone shows only for that question; the
// question goes out as the same bytes to every phone, with no own part to
// build and encode for each.
func ownStays(from, to string) bool {
	return (from == string(quiz.Reveal) || from == string(quiz.Leaderboard)) && to == string(quiz.Open)
}

// phonesStay reports whether a change of phase leaves the phones as they
// are: from a question's reveal to the leaderboard. A phone's reveal frame
// already carries its result, its standing and the leaderboard, and it
// keeps showing them; only the host and the projector move on. A phone
// that connects meanwhile gets the leaderboard's state as any other.
func phonesStay(from, to string) bool {
	return from == string(quiz.Reveal) && to == string(quiz.Leaderboard)
}

// Marks say which audiences a change concerns; the room sends those views
// at its next flush and clears the marks.
type Marks struct {
	View  bool            // the host's and the screen's
	State bool            // what every phone shares
	AllMe bool            // every phone's own
	Me    map[string]bool // these players' own
	// Answered are the players in Me whose own view changed only in the
	// open question's part (MeQuestion): an answer of theirs or, in team
	// mode, of a teammate. The ack of such a player's command carries that
	// part alone.
	Answered map[string]bool
	Urgent   bool // at once, not within the coalescing delay
}

func (m *Marks) everything() { m.View, m.State, m.AllMe, m.Urgent = true, true, true, true }

// player marks one player's own view.
func (m *Marks) player(id string) {
	if m.Me == nil {
		m.Me = map[string]bool{}
	}
	m.Me[id] = true
	delete(m.Answered, id)
}

// answered marks one player's own view as changed in the open question's
// part: answered unless something else of it changed since the last flush.
func (m *Marks) answered(id string) {
	if m.Me == nil {
		m.Me = map[string]bool{}
	}
	if m.Me[id] && !m.Answered[id] {
		return // more than the question's part waits to be sent
	}
	if m.Answered == nil {
		m.Answered = map[string]bool{}
	}
	m.Me[id], m.Answered[id] = true, true
}

// Forget drops one player's own view from the marks: it has been sent.
func (m *Marks) Forget(id string) {
	delete(m.Me, id)
	delete(m.Answered, id)
}

// team marks the own view of every member of a team, removed ones too.
func (m *Marks) team(s *State, team string) {
	for _, p := range s.Players {
		if p.Team == team {
			m.player(p.ID)
		}
	}
}

// Dirty reports whether anything is marked.
func (m *Marks) Dirty() bool { return m.View || m.State || m.AllMe || len(m.Me) > 0 }

// Clear forgets every mark.
func (m *Marks) Clear() {
	clear(m.Me)
	clear(m.Answered)
	m.View, m.State, m.AllMe, m.Urgent = false, false, false, false
}
