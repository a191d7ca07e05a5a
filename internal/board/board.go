// Package board is the engine of a hackathon board stage: teams write cards
// to prompts, the facilitator reveals, moderates and groups them into themes,
// everyone votes with dots, and the top themes become recommendations with
// structured fields. It is pure: no goroutines, no clock reads; every change
// takes the time it happens at.
package board

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/huddle-live/huddle/internal/scenario"
)

// Phase is where a board stage stands.
type Phase string

// Phases, in the order they run. Results is the vote phase once closed: only
// then are the votes shown.
const (
	Write     Phase = "write"
	Reveal    Phase = "reveal"
	Group     Phase = "group"
	Vote      Phase = "vote"
	Results   Phase = "results"
	Recommend Phase = "recommend"
	Final     Phase = "final"
)

var order = []Phase{Write, Reveal, Group, Vote, Results, Recommend, Final}

// Sectors a participant may belong to.
const (
	SectorState = "state" // a state institution
	SectorNGO   = "ngo"   // a non-profit organisation
)

// Who is responsible for a recommendation.
const (
	ResponsibleState = "state"
	ResponsibleNGO   = "ngo"
	ResponsibleBoth  = "both"
)

// Errors of board commands.
var (
	ErrWrongPhase = errors.New("board: not possible in this phase")
	ErrNotFound   = errors.New("board: no such card, theme or recommendation")
	ErrNotAllowed = errors.New("board: not allowed for this team")
	ErrTooLong    = errors.New("board: text too long")
	ErrEmpty      = errors.New("board: text empty")
	ErrTooMany    = errors.New("board: the team's card limit for this prompt is reached")
	ErrNoDots     = errors.New("board: no dots left")
	ErrCardCap    = errors.New("board: this card has all the dots one person may give it")
	ErrOwnTeam    = errors.New("board: votes for one's own team's cards are not allowed")
	ErrBadValue   = errors.New("board: invalid value")
	ErrDuplicate  = errors.New("board: already there")
	ErrFinal      = errors.New("board: the recommendation is final")
)

// Member is what the engine needs to know of a participant.
type Member struct {
	Team   string
	Sector string // SectorState, SectorNGO or ""
}

// Roster maps every active participant to their team and sector.
type Roster map[string]Member

// Card is one team's answer to a prompt.
type Card struct {
	ID          string    `json:"id"`
	Prompt      string    `json:"prompt"`
	Team        string    `json:"team"`
	Author      string    `json:"author"` // player id
	Text        string    `json:"text"`
	Earlier     []string  `json:"earlier,omitempty"` // texts before each reformulation
	At          time.Time `json:"at"`
	Hidden      bool      `json:"hidden,omitempty"`
	Flagged     bool      `json:"flagged,omitempty"`     // the word filter found a rude word: the facilitator decides
	MergedInto  string    `json:"merged_into,omitempty"` // a duplicate, shown under that card
	Reformulate string    `json:"reformulate,omitempty"` // the facilitator's request: the card is back with its team
	Theme       string    `json:"theme,omitempty"`
}

// Live reports whether a card takes part in the board: not hidden, not
// merged into another and not back with its team.
func (c *Card) Live() bool { return !c.Hidden && c.MergedInto == "" && c.Reformulate == "" }

// Theme is a named group of cards.
type Theme struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Cards []string `json:"cards"`
}

// Recommendation is a theme turned into a proposal with structured fields.
// Each team dealt to it writes a draft; the recommendation's own fields
// follow the latest team save until the facilitator edits them or takes a
// team's draft, and are locked from teams once the facilitator finalises it.
type Recommendation struct {
	Theme       string   `json:"theme"`
	Rank        int      `json:"rank"`
	Votes       Tally    `json:"votes"`
	Teams       []string `json:"teams"` // teams who fill it in
	Action      string   `json:"action"`
	Responsible string   `json:"responsible"` // ResponsibleState, ResponsibleNGO, ResponsibleBoth or ""
	Deadline    string   `json:"deadline"`
	Risk        string   `json:"risk"`
	EditedBy    string   `json:"edited_by,omitempty"` // player id of the last edit
	ByHost      bool     `json:"by_host,omitempty"`   // the facilitator edited it: team saves go to their drafts only
	Final       bool     `json:"final,omitempty"`     // the facilitator finalised it
	Drafts      []*Draft `json:"drafts,omitempty"`    // one per team that saved
}

// Draft is one team's version of a recommendation.
type Draft struct {
	Team        string    `json:"team"`
	Action      string    `json:"action"`
	Responsible string    `json:"responsible"`
	Deadline    string    `json:"deadline"`
	Risk        string    `json:"risk"`
	By          string    `json:"by"` // player id of the latest save
	At          time.Time `json:"at"`
}

// Draft returns team's draft of the recommendation, or nil.
func (r *Recommendation) Draft(team string) *Draft {
	for _, d := range r.Drafts {
		if d.Team == team {
			return d
		}
	}
	return nil
}

// Tally counts dots, in all and by the voters' sector.
type Tally struct {
	Total int `json:"total"`
	State int `json:"state"`
	NGO   int `json:"ngo"`
	Other int `json:"other"` // voters who gave no sector
}

func (t *Tally) add(sector string, n int) {
	t.Total += n
	switch sector {
	case SectorState:
		t.State += n
	case SectorNGO:
		t.NGO += n
	default:
		t.Other += n
	}
}

// Both reports whether both sectors back the item.
func (t Tally) Both() bool { return t.State > 0 && t.NGO > 0 }

// Ballot is the dots one participant gave one card.
type Ballot struct {
	Voter  string `json:"voter"`
	Sector string `json:"sector"` // the voter's sector when voting
	Card   string `json:"card"`
	Dots   int    `json:"dots"`
}

// State is the live state of one board stage.
type State struct {
	Phase     Phase             `json:"phase"`
	PhaseAt   time.Time         `json:"phase_at"`
	Deadline  time.Time         `json:"deadline,omitzero"`
	Shown     int               `json:"shown"` // prompts revealed on the projector
	Cards     []*Card           `json:"cards"`
	Themes    []*Theme          `json:"themes"`
	Votes     []Ballot          `json:"votes"`
	Recs      []*Recommendation `json:"recommendations"`
	NextID    int               `json:"next_id"`
	Page      int               `json:"page,omitempty"`      // the projector's page in this phase
	Undo      []Step            `json:"undo,omitempty"`      // grouping steps to take back, latest last
	Dismissed []string          `json:"dismissed,omitempty"` // pairs of cards the facilitator said are not duplicates

	sim    map[string]*features // duplicate detection's work per card, made again from the texts after a restart
	simSum uint64               // what the latest suggestions were made of
	simOut []Suggestion         // the latest suggestions
}

// New starts a board stage in its write phase.
func New(def *scenario.Board, at time.Time) *State {
	s := &State{Cards: []*Card{}, Themes: []*Theme{}, Votes: []Ballot{}, Recs: []*Recommendation{}}
	s.enter(def, Write, at)
	return s
}

func (s *State) enter(def *scenario.Board, p Phase, at time.Time) {
	s.Phase, s.PhaseAt, s.Deadline, s.Page = p, at, time.Time{}, 0
	if !s.moderating() {
		s.Undo = nil // votes hang on the themes from now on
	}
	if t := def.Timers[string(p)]; t > 0 {
		s.Deadline = at.Add(t)
	}
}

func (s *State) newID(prefix string) string {
	s.NextID++
	return fmt.Sprintf("%s%d", prefix, s.NextID)
}

// Card returns the card with id, or nil.
func (s *State) Card(id string) *Card {
	for _, c := range s.Cards {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// Theme returns the theme with id, or nil.
func (s *State) Theme(id string) *Theme {
	for _, t := range s.Themes {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Next moves the board one step on: during reveal one more prompt, then
// the next phase. done is true when the stage is over.
func (s *State) Next(def *scenario.Board, roster Roster, teams []string, at time.Time) (done bool, err error) {
	switch s.Phase {
	case Write:
		s.enter(def, Reveal, at)
		s.Shown = 1
	case Reveal:
		if s.Shown < len(def.Prompts) {
			s.Shown++
			s.Page = 0
			return false, nil
		}
		s.enter(def, Group, at)
	case Group:
		s.themeLoose()
		s.enter(def, Vote, at)
	case Vote:
		s.enter(def, Results, at)
	case Results:
		s.recommend(def, roster, teams)
		s.enter(def, Recommend, at)
	case Recommend:
		for _, r := range s.Recs {
			r.Final = true
		}
		s.enter(def, Final, at)
	case Final:
		return true, nil
	default:
		return false, ErrWrongPhase
	}
	return false, nil
}

// TimeUp ends a timed phase when its deadline passes: the same step as the
// facilitator's next, taken once for the phase it was set for. During
// reveal it shows every remaining prompt at once.
func (s *State) TimeUp(def *scenario.Board, roster Roster, teams []string, phase Phase, at time.Time) error {
	if s.Phase != phase || s.Deadline.IsZero() || at.Before(s.Deadline) {
		return ErrWrongPhase
	}
	if s.Phase == Reveal {
		s.Shown = len(def.Prompts)
	}
	_, err := s.Next(def, roster, teams, at)
	return err
}

// CheckText trims a card or field text and checks its length in characters.
func CheckText(text string, limit int, required bool) (string, error) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0 && required:
		return "", ErrEmpty
	case n > limit:
		return "", ErrTooLong
	}
	return text, nil
}

// Write adds a card from a player. The text is expected clean (see
// room.CleanText); Write checks its length and flags rude words.
func (s *State) Write(def *scenario.Board, roster Roster, player, prompt, text string, at time.Time) (*Card, error) {
	if s.Phase != Write {
		return nil, ErrWrongPhase
	}
	m, ok := roster[player]
	if !ok {
		return nil, ErrNotAllowed
	}
	if !slices.ContainsFunc(def.Prompts, func(p scenario.Prompt) bool { return p.ID == prompt }) {
		return nil, ErrNotFound
	}
	text, err := CheckText(text, def.CardLimit, true)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, c := range s.Cards {
		if c.Team == m.Team && c.Prompt == prompt {
			if c.Text == text {
				return c, ErrDuplicate // sent again after a reconnect, or twice by two teammates
			}
			n++
		}
	}
	if n >= def.TeamCards {
		return nil, ErrTooMany
	}
	c := &Card{ID: s.newID("c"), Prompt: prompt, Team: m.Team, Author: player, Text: text, At: at, Flagged: Rude(text)}
	s.Cards = append(s.Cards, c)
	return c, nil
}

// Edit changes the text of a card: its own team may edit it while writing,
// and a card sent back for reformulation until the vote opens.
func (s *State) Edit(def *scenario.Board, roster Roster, player, card, text string) error {
	c := s.Card(card)
	if c == nil {
		return ErrNotFound
	}
	m, ok := roster[player]
	if !ok || m.Team != c.Team {
		return ErrNotAllowed
	}
	back := c.Reformulate != ""
	if !(s.Phase == Write || back && (s.Phase == Reveal || s.Phase == Group)) {
		return ErrWrongPhase
	}
	text, err := CheckText(text, def.CardLimit, true)
	if err != nil {
		return err
	}
	if back {
		c.Earlier = append(c.Earlier, c.Text)
		c.Reformulate = ""
	}
	c.Text, c.Flagged = text, Rude(text)
	return nil
}

// Delete removes one of a team's cards while writing.
func (s *State) Delete(roster Roster, player, card string) error {
	if s.Phase != Write {
		return ErrWrongPhase
	}
	c := s.Card(card)
	if c == nil {
		return ErrNotFound
	}
	if m, ok := roster[player]; !ok || m.Team != c.Team {
		return ErrNotAllowed
	}
	s.Cards = slices.DeleteFunc(s.Cards, func(x *Card) bool { return x == c })
	return nil
}

// moderating reports whether the facilitator may hide, merge or send back
// cards: from writing until the vote opens.
func (s *State) moderating() bool {
	return s.Phase == Write || s.Phase == Reveal || s.Phase == Group
}

// Hide hides a card from everyone but the facilitator, or restores it.
// Hidden during the vote, a card's dots go back to their voters.
func (s *State) Hide(card string, hidden bool) error {
	if s.Phase == Recommend || s.Phase == Final {
		return ErrWrongPhase
	}
	c := s.Card(card)
	if c == nil {
		return ErrNotFound
	}
	if c.Hidden == hidden {
		return ErrDuplicate
	}
	return s.step(func() error { s.hide(c, hidden); return nil })
}

func (s *State) hide(c *Card, hidden bool) {
	c.Hidden = hidden
	if hidden {
		s.unTheme(c)
		if s.Phase == Vote { // the voters get their dots back to give elsewhere
			s.Votes = slices.DeleteFunc(s.Votes, func(v Ballot) bool { return v.Card == c.ID })
		}
	} else if PhaseIndex(s.Phase) >= PhaseIndex(Vote) {
		s.themeLoose() // back on the board after themes were settled: a theme of its own
	}
}

// Merge shows card under into: a duplicate. Cards merged into under move
// with it; a card cannot be merged into itself or into a merged card.
func (s *State) Merge(card, into string) error {
	if !s.moderating() {
		return ErrWrongPhase
	}
	c, t := s.Card(card), s.Card(into)
	if c == nil || t == nil {
		return ErrNotFound
	}
	if c == t || t.MergedInto != "" || c.MergedInto != "" {
		return ErrBadValue
	}
	return s.step(func() error { s.merge(c, t); return nil })
}

func (s *State) merge(c, into *Card) {
	for _, x := range s.Cards {
		if x.MergedInto == c.ID {
			x.MergedInto = into.ID
		}
	}
	c.MergedInto = into.ID
	s.unTheme(c)
}

// Unmerge shows a merged card on its own again.
func (s *State) Unmerge(card string) error {
	if !s.moderating() {
		return ErrWrongPhase
	}
	c := s.Card(card)
	if c == nil || c.MergedInto == "" {
		return ErrNotFound
	}
	return s.step(func() error { c.MergedInto = ""; return nil })
}

// AskReformulate sends a card back to its team with the facilitator's note.
// Until the team rewrites it, the card is off the projector.
func (s *State) AskReformulate(card, note string) error {
	if !s.moderating() {
		return ErrWrongPhase
	}
	c := s.Card(card)
	if c == nil {
		return ErrNotFound
	}
	if c.MergedInto != "" {
		return ErrBadValue
	}
	if note == "" {
		note = "?"
	}
	return s.step(func() error {
		c.Reformulate = note
		s.unTheme(c)
		return nil
	})
}

// unTheme takes a card out of its theme; a theme it leaves empty goes.
func (s *State) unTheme(c *Card) {
	if c.Theme == "" {
		return
	}
	if t := s.Theme(c.Theme); t != nil {
		t.Cards = slices.DeleteFunc(t.Cards, func(id string) bool { return id == c.ID })
		if len(t.Cards) == 0 {
			s.Themes = slices.DeleteFunc(s.Themes, func(x *Theme) bool { return x == t })
		}
	}
	c.Theme = ""
}

// NewTheme makes a theme, with card in it unless card is "".
func (s *State) NewTheme(name, card string) (*Theme, error) {
	if s.Phase != Reveal && s.Phase != Group {
		return nil, ErrWrongPhase
	}
	var c *Card
	if card != "" {
		if c = s.Card(card); c == nil {
			return nil, ErrNotFound
		}
		if !c.Live() {
			return nil, ErrBadValue
		}
	}
	for _, t := range s.Themes {
		if strings.EqualFold(t.Name, name) {
			return t, ErrDuplicate // the same request again, or a name already in use
		}
	}
	t := &Theme{ID: s.newID("t"), Name: name, Cards: []string{}}
	err := s.step(func() error {
		s.Themes = append(s.Themes, t)
		if c != nil {
			return s.place(c, t.ID)
		}
		return nil
	})
	return t, err
}

// RenameTheme names a theme anew.
func (s *State) RenameTheme(id, name string) error {
	if s.Phase == Final {
		return ErrWrongPhase
	}
	t := s.Theme(id)
	if t == nil {
		return ErrNotFound
	}
	if t.Name == name {
		return ErrDuplicate
	}
	return s.step(func() error { t.Name = name; return nil })
}

// Place puts a live card into a theme, or takes it out of any with theme "".
// An emptied theme is removed.
func (s *State) Place(card, theme string) error {
	if s.Phase != Reveal && s.Phase != Group {
		return ErrWrongPhase
	}
	c := s.Card(card)
	if c == nil || (theme != "" && s.Theme(theme) == nil) {
		return ErrNotFound
	}
	if !c.Live() {
		return ErrBadValue
	}
	if c.Theme == theme {
		return ErrDuplicate
	}
	return s.step(func() error { return s.place(c, theme) })
}

// place moves a live card into theme ("": out of any); the theme it leaves
// goes if it is left empty.
func (s *State) place(c *Card, theme string) error {
	if theme == c.Theme {
		return nil
	}
	s.unTheme(c)
	if theme != "" {
		t := s.Theme(theme)
		if t == nil {
			return ErrNotFound
		}
		t.Cards = append(t.Cards, c.ID)
		c.Theme = t.ID
	}
	return nil
}

// themeLoose gives every live card outside a theme a theme of its own,
// named by its text, so that everything on the board can be voted into a
// recommendation.
func (s *State) themeLoose() {
	for _, c := range s.Cards {
		if c.Live() && c.Theme == "" {
			t := &Theme{ID: s.newID("t"), Name: c.Text, Cards: []string{c.ID}}
			s.Themes = append(s.Themes, t)
			c.Theme = t.ID
		}
	}
	// Themes left empty by moderation have nothing to vote for.
	s.Themes = slices.DeleteFunc(s.Themes, func(t *Theme) bool { return len(t.Cards) == 0 })
}

// Left returns how many dots a player has not given yet.
func (s *State) Left(def *scenario.Board, player string) int {
	used := 0
	for _, v := range s.Votes {
		if v.Voter == player {
			used += v.Dots
		}
	}
	return def.Dots - used
}

// Given returns the dots a player gave a card.
func (s *State) Given(player, card string) int {
	for _, v := range s.Votes {
		if v.Voter == player && v.Card == card {
			return v.Dots
		}
	}
	return 0
}

// Dot gives (delta 1) or takes back (delta -1) one dot of a player's on a
// card.
func (s *State) Dot(def *scenario.Board, roster Roster, player, card string, delta int) error {
	if delta != 1 && delta != -1 {
		return ErrBadValue
	}
	return s.SetDots(def, roster, player, card, s.Given(player, card)+delta)
}

// SetDots sets the dots a player gives a card to n. Setting the same number
// twice changes nothing, so a command sent again after a reconnect is
// harmless. Every limit of the scenario is checked here.
func (s *State) SetDots(def *scenario.Board, roster Roster, player, card string, n int) error {
	if s.Phase != Vote {
		return ErrWrongPhase
	}
	m, ok := roster[player]
	if !ok {
		return ErrNotAllowed
	}
	c := s.Card(card)
	if c == nil || !c.Live() {
		return ErrNotFound
	}
	cur := s.Given(player, card)
	switch {
	case n < 0:
		return ErrBadValue
	case n <= cur:
	case !def.OwnTeam && c.Team == m.Team:
		return ErrOwnTeam
	case n > def.PerCard:
		return ErrCardCap
	case n-cur > s.Left(def, player):
		return ErrNoDots
	}
	i := slices.IndexFunc(s.Votes, func(v Ballot) bool { return v.Voter == player && v.Card == card })
	switch {
	case i < 0 && n > 0:
		s.Votes = append(s.Votes, Ballot{Voter: player, Sector: m.Sector, Card: card, Dots: n})
	case i >= 0 && n == 0:
		s.Votes = slices.Delete(s.Votes, i, i+1)
	case i >= 0:
		s.Votes[i].Dots = n
	}
	return nil
}

// DropVoter takes back every dot of a participant the facilitator removed
// from the room while the vote is open; once closed, the count stands.
func (s *State) DropVoter(player string) {
	if s.Phase != Vote {
		return
	}
	s.Votes = slices.DeleteFunc(s.Votes, func(v Ballot) bool { return v.Voter == player })
}

// VotesOpen reports whether results must stay hidden.
func (s *State) VotesOpen() bool {
	return s.Phase == Write || s.Phase == Reveal || s.Phase == Group || s.Phase == Vote
}

// CardTally counts the dots of each live card; a hidden card's dots do not
// count.
func (s *State) CardTally() map[string]Tally {
	live := make(map[string]bool, len(s.Cards))
	for _, c := range s.Cards {
		live[c.ID] = c.Live()
	}
	out := map[string]Tally{}
	for _, v := range s.Votes {
		if live[v.Card] {
			t := out[v.Card]
			t.add(v.Sector, v.Dots)
			out[v.Card] = t
		}
	}
	return out
}

// Ranked is one theme with its place and votes.
type Ranked struct {
	Theme  *Theme
	Votes  Tally
	Voters int // people who gave it at least one dot
	Rank   int
}

// Ranking orders themes by dots; equal dots share a place (1, 2, 2, 4).
// Within a place, broader support comes first: backed by both sectors, then
// by more people, then the theme made first.
func (s *State) Ranking() []Ranked {
	live := make(map[string]bool, len(s.Cards))
	for _, c := range s.Cards {
		live[c.ID] = c.Live()
	}
	themeOf := map[string]int{} // card → index in out
	out := make([]Ranked, 0, len(s.Themes))
	for i, t := range s.Themes {
		out = append(out, Ranked{Theme: t})
		for _, id := range t.Cards {
			themeOf[id] = i
		}
	}
	voters := make([]map[string]bool, len(out))
	for _, v := range s.Votes {
		i, ok := themeOf[v.Card]
		if !ok || !live[v.Card] || v.Dots <= 0 {
			continue
		}
		out[i].Votes.add(v.Sector, v.Dots)
		if voters[i] == nil {
			voters[i] = map[string]bool{}
		}
		voters[i][v.Voter] = true
	}
	for i := range out {
		out[i].Voters = len(voters[i])
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Votes.Total != b.Votes.Total {
			return a.Votes.Total > b.Votes.Total
		}
		if a.Votes.Both() != b.Votes.Both() {
			return a.Votes.Both()
		}
		return a.Voters > b.Voters
	})
	for i := range out {
		if i > 0 && out[i].Votes.Total == out[i-1].Votes.Total {
			out[i].Rank = out[i-1].Rank
		} else {
			out[i].Rank = i + 1
		}
	}
	return out
}

// recommend turns the first N themes of the ranking that got at least one
// dot into recommendations; a tie at the last place is decided by the
// ranking's order (broader support first). Teams present are dealt to
// recommendations in turn, so that every team works on one.
func (s *State) recommend(def *scenario.Board, roster Roster, teams []string) {
	s.Recs = s.Recs[:0]
	for _, r := range s.Ranking() {
		if len(s.Recs) == def.Top || r.Votes.Total == 0 {
			break
		}
		s.Recs = append(s.Recs, &Recommendation{Theme: r.Theme.ID, Rank: r.Rank, Votes: r.Votes, Teams: []string{}})
	}
	if len(s.Recs) == 0 {
		return
	}
	present := map[string]bool{}
	for _, m := range roster {
		present[m.Team] = true
	}
	i := 0
	for _, t := range teams {
		if present[t] {
			rec := s.Recs[i%len(s.Recs)]
			rec.Teams = append(rec.Teams, t)
			i++
		}
	}
}

// Rec returns the recommendation made of theme, or nil.
func (s *State) Rec(theme string) *Recommendation {
	for _, r := range s.Recs {
		if r.Theme == theme {
			return r
		}
	}
	return nil
}

// Fields are the structured fields of a recommendation, as one edit sets
// them; a nil field is left as it is.
type Fields struct {
	Action      *string `json:"action,omitempty"`
	Responsible *string `json:"responsible,omitempty"`
	Deadline    *string `json:"deadline,omitempty"`
	Risk        *string `json:"risk,omitempty"`
}

// Field length limits, in characters.
const (
	MaxActionLen   = 600
	MaxDeadlineLen = 80
	MaxRiskLen     = 400
)

// Fill sets fields of a recommendation. host is true for the facilitator,
// who may fill any, finalised or not; a player fills the ones dealt to
// their team until they are final. A player's save is the team's draft,
// and also the recommendation's fields unless the facilitator has taken
// them over.
func (s *State) Fill(roster Roster, player string, host bool, theme string, f Fields, at time.Time) error {
	if s.Phase != Recommend {
		return ErrWrongPhase
	}
	r := s.Rec(theme)
	if r == nil {
		return ErrNotFound
	}
	var team string
	if !host {
		m, ok := roster[player]
		if !ok || !slices.Contains(r.Teams, m.Team) {
			return ErrNotAllowed
		}
		if r.Final {
			return ErrFinal
		}
		team = m.Team
	}
	var v fieldValues
	var err error
	if f.Action != nil {
		if v.action, err = CheckText(*f.Action, MaxActionLen, false); err != nil {
			return err
		}
	}
	if f.Deadline != nil {
		if v.deadline, err = CheckText(*f.Deadline, MaxDeadlineLen, false); err != nil {
			return err
		}
	}
	if f.Risk != nil {
		if v.risk, err = CheckText(*f.Risk, MaxRiskLen, false); err != nil {
			return err
		}
	}
	if f.Responsible != nil {
		switch *f.Responsible {
		case "", ResponsibleState, ResponsibleNGO, ResponsibleBoth:
		default:
			return ErrBadValue
		}
	}
	set := func(action, responsible, deadline, risk *string) {
		if f.Action != nil {
			*action = v.action
		}
		if f.Responsible != nil {
			*responsible = *f.Responsible
		}
		if f.Deadline != nil {
			*deadline = v.deadline
		}
		if f.Risk != nil {
			*risk = v.risk
		}
	}
	if host {
		set(&r.Action, &r.Responsible, &r.Deadline, &r.Risk)
		r.ByHost, r.EditedBy = true, ""
		return nil
	}
	d := r.Draft(team)
	if d == nil {
		d = &Draft{Team: team}
		r.Drafts = append(r.Drafts, d)
	}
	set(&d.Action, &d.Responsible, &d.Deadline, &d.Risk)
	d.By, d.At = player, at
	if !r.ByHost {
		set(&r.Action, &r.Responsible, &r.Deadline, &r.Risk)
		r.EditedBy = player
	}
	return nil
}

type fieldValues struct{ action, deadline, risk string }

// Adopt makes a team's draft the recommendation's text; the facilitator
// edits on from there.
func (s *State) Adopt(theme, team string) error {
	if s.Phase != Recommend {
		return ErrWrongPhase
	}
	r := s.Rec(theme)
	if r == nil {
		return ErrNotFound
	}
	d := r.Draft(team)
	if d == nil {
		return ErrNotFound
	}
	r.Action, r.Responsible, r.Deadline, r.Risk = d.Action, d.Responsible, d.Deadline, d.Risk
	r.ByHost, r.EditedBy = true, ""
	return nil
}

// Finalise locks a recommendation against the teams' edits, or opens it
// again. Moving on to the final phase finalises every one.
func (s *State) Finalise(theme string, final bool) error {
	if s.Phase != Recommend {
		return ErrWrongPhase
	}
	r := s.Rec(theme)
	if r == nil {
		return ErrNotFound
	}
	if r.Final == final {
		return ErrDuplicate
	}
	r.Final = final
	return nil
}

// PhaseIndex is a phase's place in the order phases run, -1 if unknown.
func PhaseIndex(p Phase) int { return slices.Index(order, p) }
