package scenario

import (
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Board is a hackathon board stage: teams write cards to prompts, the
// facilitator reveals and groups them into themes, everyone votes with dots,
// and the top themes become recommendations with structured fields.
type Board struct {
	Prompts     []Prompt                 `json:"prompts"`
	Timers      map[string]time.Duration `json:"timers,omitempty"` // board phase → how long it runs before it moves on by itself
	CardLimit   int                      `json:"card_limit"`       // characters per card
	TeamCards   int                      `json:"team_cards"`       // cards one team may post to one prompt
	Blind       bool                     `json:"blind"`            // during writing a team sees only its own cards
	Attribution Attribution              `json:"attribution"`
	Dots        int                      `json:"dots"`     // votes per person
	PerCard     int                      `json:"per_card"` // votes one person may give one card
	OwnTeam     bool                     `json:"own_team"` // whether people may vote for their own team's cards
	Top         int                      `json:"top"`      // themes that become recommendations
}

// Prompt is one column of a board: a question teams answer with cards, and
// a hint shown under it.
type Prompt struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Hint     string `json:"hint,omitempty"`
}

// Attribution decides whose name a card carries where others see it.
type Attribution string

// Attributions.
const (
	AttrAnonymous Attribution = "anonymous" // nobody but the facilitator knows which team wrote a card
	AttrTeam      Attribution = "team"      // a card shows its team
	AttrNamed     Attribution = "named"     // a card shows its team and its author
)

// Board phases that may carry a timer, in the order they run.
var BoardTimedPhases = []string{"write", "reveal", "group", "vote", "recommend"}

// Board defaults and limits.
const (
	DefaultCardLimit = 200
	MinCardLimit     = 20
	MaxCardLimit     = 500
	DefaultTeamCards = 10
	MaxTeamCards     = 50
	DefaultDots      = 5
	MaxDots          = 20
	DefaultPerCard   = 2
	DefaultTop       = 5
	MaxTop           = 20
	MaxPrompts       = 8
	MinPhaseTimer    = 30 * time.Second
	MaxPhaseTimer    = 2 * time.Hour
	maxPromptLen     = 300
	maxHintLen       = 500
)

var (
	boardStageKeys = []string{"id", "kind", "title", "prompts", "timers", "card_limit", "team_cards", "blind", "attribution", "vote", "top"}
	promptKeys     = []string{"id", "question", "hint"}
	voteKeys       = []string{"dots", "per_card", "own_team"}
)

// board reads the keys of a board stage. kind is the stage's kind value, for
// messages about the stage as a whole. It returns nil when nothing of the
// stage can be played.
func (d *decoder) board(m *mapping, kind *yaml.Node, lang string) *Board {
	d.allow(m, boardStageKeys)
	b := &Board{
		CardLimit:   d.integer(m, "card_limit", DefaultCardLimit, MinCardLimit, MaxCardLimit),
		TeamCards:   d.integer(m, "team_cards", DefaultTeamCards, 1, MaxTeamCards),
		Blind:       d.boolean(m, "blind", true),
		Attribution: d.attribution(m),
		Dots:        DefaultDots,
		PerCard:     DefaultPerCard,
		Top:         d.integer(m, "top", DefaultTop, 1, MaxTop),
	}
	d.boardTimers(m, b)
	if v := m.get("vote"); v != nil {
		if vm := d.mapping(v, "a mapping with dots, per_card and own_team"); vm != nil {
			d.allow(vm, voteKeys)
			b.Dots = d.integer(vm, "dots", DefaultDots, 1, MaxDots)
			b.PerCard = d.integer(vm, "per_card", min(DefaultPerCard, b.Dots), 1, MaxDots)
			if b.PerCard > b.Dots {
				d.addf(vm.get("per_card"), "per_card (%d) must not exceed dots (%d)", b.PerCard, b.Dots)
				b.PerCard = b.Dots
			}
			b.OwnTeam = d.boolean(vm, "own_team", false)
		}
	}
	v := d.require(m, "prompts")
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		d.expected(v, "a list of prompts")
		return nil
	}
	if n := len(v.Content); n == 0 || n > MaxPrompts {
		d.addf(v, "a board stage needs 1 to %d prompts, got %d", MaxPrompts, n)
	}
	seen := make(map[string]int) // prompt id → line
	for _, n := range v.Content {
		pm := d.mapping(n, "a prompt mapping with id, question and hint")
		if pm == nil {
			continue
		}
		d.allow(pm, promptKeys)
		id, idNode := d.id(pm)
		if idNode != nil {
			if line, dup := seen[id]; dup {
				d.addf(idNode, "duplicate prompt id %q in this stage (first at line %d)", id, line)
			} else {
				seen[id] = idNode.Line
			}
		}
		b.Prompts = append(b.Prompts, Prompt{
			ID:       id,
			Question: d.text(pm, "question", true, maxPromptLen),
			Hint:     d.text(pm, "hint", false, maxHintLen),
		})
	}
	if len(b.Prompts) == 0 {
		return nil
	}
	return b
}

func (d *decoder) attribution(m *mapping) Attribution {
	v := m.get("attribution")
	if v == nil {
		return AttrTeam
	}
	s, ok := d.scalarString(v, "an attribution")
	if !ok {
		return AttrTeam
	}
	switch a := Attribution(s); a {
	case AttrAnonymous, AttrTeam, AttrNamed:
		return a
	}
	d.addf(v, "unknown attribution %q; allowed: anonymous, team, named", s)
	return AttrTeam
}

// boardTimers reads the optional timers mapping: phase name → duration.
func (d *decoder) boardTimers(m *mapping, b *Board) {
	v := m.get("timers")
	if v == nil {
		return
	}
	tm := d.mapping(v, "a mapping of phase names to durations, like write: 10m")
	if tm == nil {
		return
	}
	for _, k := range tm.keys {
		if !slices.Contains(BoardTimedPhases, k) {
			d.addf(tm.entries[k].key, "unknown board phase %q; allowed: %s", k, strings.Join(BoardTimedPhases, ", "))
			continue
		}
		if t := d.duration(tm, k, 0, MinPhaseTimer, MaxPhaseTimer); t > 0 {
			if b.Timers == nil {
				b.Timers = map[string]time.Duration{}
			}
			b.Timers[k] = t
		}
	}
}
