// Package scenario defines the scenario file format: its Go types, loading
// from YAML with strict decoding, and validation that reports every problem
// with its file:line:col at once.
package scenario

import "time"

// Scenario is one scenario file: metadata and an ordered list of stages.
type Scenario struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Language    string   `json:"language"` // "ru" or "en"
	Description string   `json:"description,omitempty"`
	Teams       []string `json:"teams,omitempty"` // default team names; the host may override at room creation
	Stages      []Stage  `json:"stages"`

	// File is the path the scenario was loaded from (not part of the YAML).
	File string `json:"-"`
}

// StageKind names what a stage is.
type StageKind string

// Stage kinds: a quiz, a business game of branching team cases, and a
// hackathon board of cards, themes, votes and recommendations.
const (
	KindQuiz  StageKind = "quiz"
	KindGame  StageKind = "game"
	KindBoard StageKind = "board"
)

// Stage is one part of a scenario. Exactly one of the kind-specific fields is
// set, matching Kind.
type Stage struct {
	ID    string    `json:"id"`
	Kind  StageKind `json:"kind"`
	Title string    `json:"title,omitempty"`

	Quiz  *Quiz  `json:"quiz,omitempty"`
	Game  *Game  `json:"game,omitempty"`
	Board *Board `json:"board,omitempty"`
}

// TeamMode decides how a team's quiz score is made.
type TeamMode string

const (
	// TeamAverage scores every player; a team's score is the average of its
	// members' points, so that team size does not decide the winner.
	TeamAverage TeamMode = "average"
	// TeamShared takes one answer per team: any member answers, the latest
	// answer before the question closes counts, and the team scores it.
	TeamShared TeamMode = "team"
)

// Quiz is a quiz stage: defaults and questions.
type Quiz struct {
	TeamMode    TeamMode      `json:"team_mode"`
	TimeLimit   time.Duration `json:"time_limit"` // default per question
	Points      int           `json:"points"`     // default per question
	SpeedBonus  bool          `json:"speed_bonus"`
	StreakBonus bool          `json:"streak_bonus"`
	Questions   []Question    `json:"questions"`
}

// QuestionType is the kind of answer a question takes.
type QuestionType string

// Question types.
const (
	Single    QuestionType = "single"   // one option is correct
	Multiple  QuestionType = "multiple" // several options are correct; partial credit
	TrueFalse QuestionType = "truefalse"
	Numeric   QuestionType = "numeric" // a number within Tolerance of Answer
	Text      QuestionType = "text"    // a short text matching one of Accept
	Poll      QuestionType = "poll"    // no correct answer, no points
)

// Question is one quiz question. Time limit and points are resolved at load
// time: a question without its own takes the quiz's default.
type Question struct {
	ID          string        `json:"id"`
	Type        QuestionType  `json:"type"`
	Text        string        `json:"text"`
	Image       string        `json:"image,omitempty"`
	TimeLimit   time.Duration `json:"time_limit"`
	Points      int           `json:"points"`
	Explanation string        `json:"explanation,omitempty"`

	// Options for single, multiple, truefalse and poll. For truefalse the
	// loader fills two options ("true", "false") from Correct.
	Options []Option `json:"options,omitempty"`

	// Numeric: the answer and the accepted distance from it.
	Answer    float64 `json:"answer,omitempty"`
	Tolerance float64 `json:"tolerance,omitempty"`

	// Text: accepted answers, compared case- and space-insensitively.
	Accept []string `json:"accept,omitempty"`
}

// Option is one answer option. IDs are "a", "b", "c"… unless the file names them.
type Option struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Correct bool   `json:"correct,omitempty"`
}
