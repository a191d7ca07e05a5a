package scenario

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Game is a business game stage: meters that every team carries through a
// sequence of branching cases, played by all teams at the same time.
type Game struct {
	Decision  Decision      `json:"decision"`   // how a team settles on a choice
	TimeLimit time.Duration `json:"time_limit"` // default per node
	Roles     []Role        `json:"roles,omitempty"`
	Meters    []Meter       `json:"meters"`
	Events    []GameEvent   `json:"events,omitempty"` // what the facilitator may inject
	Cases     []Case        `json:"cases"`
}

// Decision is how a team settles on a choice.
type Decision string

// Decision modes.
const (
	// DecideCaptain: the captain's phone confirms the team's choice.
	DecideCaptain Decision = "captain"
	// DecideAny: any member may confirm; at time-out the latest pick counts.
	DecideAny Decision = "any"
	// DecideVote: every member votes; the majority wins once all have voted
	// or time runs out, ties broken by the captain's vote.
	DecideVote Decision = "vote"
)

// Role is a part a team member plays: it receives the role briefs of nodes.
type Role struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Meter is a number every team carries through the game. Band is the range
// where it is healthy; Min and Max, when set, are hard bounds no choice may
// push it past.
type Meter struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Start int    `json:"start"`
	Low   int    `json:"low"`  // band
	High  int    `json:"high"` // band
	Min   *int   `json:"min,omitempty"`
	Max   *int   `json:"max,omitempty"`

	Pos Pos `json:"-"`
}

// GameEvent is something the facilitator may inject into every team's game
// ("a journalist calls"), once per game.
type GameEvent struct {
	ID      string         `json:"id"`
	Title   string         `json:"title"`
	Text    string         `json:"text,omitempty"`
	Effects map[string]int `json:"effects,omitempty"`

	Pos Pos `json:"-"`
}

// Case is one situation of the game day: nodes joined by choices, and the
// endings a team may reach, chosen by its meters when the case ends.
type Case struct {
	ID       string        `json:"id"`
	Title    string        `json:"title"`
	Start    string        `json:"start"`               // first node
	TimeSlot time.Duration `json:"time_slot,omitempty"` // the case's share of the session, if declared
	Nodes    []Node        `json:"nodes"`
	Endings  []Ending      `json:"endings"`

	Pos Pos `json:"-"`
}

// Node is one decision point of a case.
type Node struct {
	ID        string            `json:"id"`
	Text      string            `json:"text"` // Markdown
	Image     string            `json:"image,omitempty"`
	TimeLimit time.Duration     `json:"time_limit"`
	Briefs    map[string]string `json:"briefs,omitempty"` // role id → private text
	Notes     string            `json:"notes,omitempty"`  // for the facilitator only
	Default   string            `json:"default"`          // choice applied when time runs out with no proposal
	Choices   []Choice          `json:"choices"`

	Pos Pos `json:"-"`
}

// End is the Next of a choice that ends the case.
const End = "end"

// Choice is one option of a node.
type Choice struct {
	ID      string         `json:"id"`
	Text    string         `json:"text"`
	If      Condition      `json:"if,omitempty"`
	Once    bool           `json:"once,omitempty"` // may be taken once per game
	Effects map[string]int `json:"effects,omitempty"`
	Outcome string         `json:"outcome,omitempty"` // shown to the team after the choice
	Next    string         `json:"next"`              // a node id of the same case, or End

	Pos       Pos `json:"-"`
	NextPos   Pos `json:"-"`
	EffectPos Pos `json:"-"`
}

// Ending is how a case ends for a team. The first ending whose condition
// holds for the team's meters is the one it reaches.
type Ending struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	Text  string    `json:"text,omitempty"`
	If    Condition `json:"if,omitempty"`

	Pos Pos `json:"-"`
}

// Pos is a place in the scenario file, for problems found after loading.
type Pos struct{ Line, Col int }

// Condition is a conjunction of comparisons of meters with numbers; an
// empty condition always holds.
type Condition []Compare

// Compare is one comparison: meter op value.
type Compare struct {
	Meter string `json:"meter"`
	Op    string `json:"op"` // >=, <=, >, <, ==, !=
	Value int    `json:"value"`
}

// Holds reports whether the condition holds for the meters.
func (c Condition) Holds(meters map[string]int) bool {
	for _, cmp := range c {
		v := meters[cmp.Meter]
		ok := false
		switch cmp.Op {
		case ">=":
			ok = v >= cmp.Value
		case "<=":
			ok = v <= cmp.Value
		case ">":
			ok = v > cmp.Value
		case "<":
			ok = v < cmp.Value
		case "==":
			ok = v == cmp.Value
		case "!=":
			ok = v != cmp.Value
		}
		if !ok {
			return false
		}
	}
	return true
}

// String writes the condition as in the file.
func (c Condition) String() string {
	parts := make([]string, len(c))
	for i, cmp := range c {
		parts[i] = fmt.Sprintf("%s %s %d", cmp.Meter, cmp.Op, cmp.Value)
	}
	return strings.Join(parts, " and ")
}

// Node returns the node with id, or nil.
func (c *Case) Node(id string) *Node {
	for i := range c.Nodes {
		if c.Nodes[i].ID == id {
			return &c.Nodes[i]
		}
	}
	return nil
}

// Choice returns the choice with id, or nil.
func (n *Node) Choice(id string) *Choice {
	for i := range n.Choices {
		if n.Choices[i].ID == id {
			return &n.Choices[i]
		}
	}
	return nil
}

// Meter returns the meter with id, or nil.
func (g *Game) Meter(id string) *Meter {
	for i := range g.Meters {
		if g.Meters[i].ID == id {
			return &g.Meters[i]
		}
	}
	return nil
}

// Event returns the injectable event with id, or nil.
func (g *Game) Event(id string) *GameEvent {
	for i := range g.Events {
		if g.Events[i].ID == id {
			return &g.Events[i]
		}
	}
	return nil
}

// Game defaults and limits.
const (
	DefaultNodeTime = 3 * time.Minute
	MinNodeTime     = 10 * time.Second
	MaxNodeTime     = 30 * time.Minute
	MaxCaseSlot     = 4 * time.Hour
	maxMeterValue   = 1_000_000
	maxSituationLen = 4000
	maxBriefLen     = 2000
	maxNotesLen     = 2000
	maxOutcomeLen   = 2000
	maxChoiceLen    = 300
	maxGameItems    = 64 // meters, roles, events, cases, nodes per case, choices per node, endings per case
	maxConditions   = 8
	maxPathSearch   = 200_000 // steps of the longest-path and bound searches per case
)

var (
	gameStageKeys = []string{"id", "kind", "title", "decision", "time_limit", "roles", "meters", "events", "cases"}
	roleKeys      = []string{"id", "name"}
	meterKeys     = []string{"id", "name", "start", "band", "min", "max"}
	eventKeys     = []string{"id", "title", "text", "effects"}
	caseKeys      = []string{"id", "title", "start", "time_slot", "nodes", "endings"}
	nodeKeys      = []string{"id", "text", "image", "time_limit", "briefs", "notes", "default", "choices"}
	choiceKeys    = []string{"id", "text", "if", "once", "effects", "outcome", "next"}
	endingKeys    = []string{"id", "title", "text", "if"}
)

func pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{}
	}
	return Pos{n.Line, n.Column}
}

// addAt reports a problem at a position kept from loading.
func (d *decoder) addAt(p Pos, format string, args ...any) {
	d.addf(&yaml.Node{Line: p.Line, Column: p.Col}, format, args...)
}

// game reads the keys of a game stage. kind is the stage's kind value, for
// messages about the stage as a whole. It returns nil when nothing of the
// stage can be played.
func (d *decoder) game(m *mapping, kind *yaml.Node, lang string) *Game {
	d.allow(m, gameStageKeys)
	g := &Game{
		Decision:  d.decision(m),
		TimeLimit: d.duration(m, "time_limit", DefaultNodeTime, MinNodeTime, MaxNodeTime),
	}
	g.Roles = d.roles(m)
	g.Meters = d.meters(m)
	meterIDs := make(map[string]bool, len(g.Meters))
	for _, mt := range g.Meters {
		meterIDs[mt.ID] = true
	}
	roleIDs := make(map[string]bool, len(g.Roles))
	for _, r := range g.Roles {
		roleIDs[r.ID] = true
	}
	g.Events = d.events(m, meterIDs)
	v := d.require(m, "cases")
	if v == nil {
		return nil
	}
	items, ok := d.list(v, "a list of cases", "a game stage needs at least one case")
	if !ok {
		return nil
	}
	seen := map[string]int{}
	for _, n := range items {
		if c, ok := d.gameCase(n, g, meterIDs, roleIDs, seen); ok {
			g.Cases = append(g.Cases, c)
		}
	}
	for i := range g.Cases {
		d.checkCase(g, &g.Cases[i])
	}
	d.checkBounds(g)
	return g
}

// list checks that v is a non-empty list of at most maxGameItems entries.
func (d *decoder) list(v *yaml.Node, what, empty string) ([]*yaml.Node, bool) {
	if v.Kind != yaml.SequenceNode {
		d.expected(v, what)
		return nil, false
	}
	switch n := len(v.Content); {
	case n == 0:
		d.addf(v, "%s", empty)
		return nil, false
	case n > maxGameItems:
		d.addf(v, "at most %d entries allowed here, got %d", maxGameItems, n)
		return v.Content[:maxGameItems], true
	}
	return v.Content, true
}

func (d *decoder) decision(m *mapping) Decision {
	v := m.get("decision")
	if v == nil {
		return DecideCaptain
	}
	s, ok := d.scalarString(v, "a decision mode")
	if !ok {
		return DecideCaptain
	}
	switch Decision(s) {
	case DecideCaptain, DecideAny, DecideVote:
		return Decision(s)
	}
	d.addf(v, "unknown decision %q; allowed: captain, any, vote", s)
	return DecideCaptain
}

// uniqueID reads the id of an entry and reports a repeat within seen.
func (d *decoder) uniqueID(m *mapping, what string, seen map[string]int) (string, *yaml.Node) {
	id, idNode := d.id(m)
	if idNode != nil {
		if line, dup := seen[id]; dup {
			d.addf(idNode, "duplicate %s id %q (first at line %d)", what, id, line)
			return "", nil
		}
		seen[id] = idNode.Line
	}
	return id, idNode
}

func (d *decoder) roles(m *mapping) []Role {
	v := m.get("roles")
	if v == nil {
		return nil
	}
	items, _ := d.list(v, "a list of roles", "roles must not be empty; leave the key out instead")
	var out []Role
	seen := map[string]int{}
	for _, n := range items {
		rm := d.mapping(n, "a role mapping")
		if rm == nil {
			continue
		}
		d.allow(rm, roleKeys)
		id, _ := d.uniqueID(rm, "role", seen)
		name := d.text(rm, "name", true, maxTitleLen)
		if id != "" {
			out = append(out, Role{ID: id, Name: name})
		}
	}
	return out
}

func (d *decoder) meters(m *mapping) []Meter {
	v := d.require(m, "meters")
	if v == nil {
		return nil
	}
	items, _ := d.list(v, "a list of meters", "a game needs at least one meter")
	var out []Meter
	seen := map[string]int{}
	for _, n := range items {
		mm := d.mapping(n, "a meter mapping")
		if mm == nil {
			continue
		}
		d.allow(mm, meterKeys)
		mt := Meter{Pos: pos(n)}
		var idNode *yaml.Node
		mt.ID, idNode = d.uniqueID(mm, "meter", seen)
		mt.Name = d.text(mm, "name", true, maxTitleLen)
		if sv := d.require(mm, "start"); sv != nil {
			mt.Start, _ = d.whole(sv)
		}
		bandOK := false
		if bv := d.require(mm, "band"); bv != nil {
			if bv.Kind != yaml.SequenceNode || len(bv.Content) != 2 {
				d.addf(bv, "band must be two numbers [low, high], got %s", describe(bv))
			} else {
				lo, ok1 := d.whole(bv.Content[0])
				hi, ok2 := d.whole(bv.Content[1])
				if ok1 && ok2 {
					if lo >= hi {
						d.addf(bv, "band low %d must be below high %d", lo, hi)
					} else {
						mt.Low, mt.High, bandOK = lo, hi, true
					}
				}
			}
		}
		for _, key := range []string{"min", "max"} {
			bv := mm.get(key)
			if bv == nil {
				continue
			}
			if x, ok := d.whole(bv); ok {
				xx := x
				if key == "min" {
					mt.Min = &xx
				} else {
					mt.Max = &xx
				}
			}
		}
		switch {
		case mt.Min != nil && mt.Start < *mt.Min, mt.Max != nil && mt.Start > *mt.Max:
			d.addf(mm.get("start"), "start %d is outside the meter's min and max", mt.Start)
		case bandOK && mt.Min != nil && mt.Low < *mt.Min, bandOK && mt.Max != nil && mt.High > *mt.Max:
			d.addf(mm.get("band"), "band [%d, %d] is outside the meter's min and max", mt.Low, mt.High)
		}
		if idNode != nil {
			out = append(out, mt)
		}
	}
	return out
}

// whole reads a whole number within ±maxMeterValue.
func (d *decoder) whole(v *yaml.Node) (int, bool) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
		d.expected(v, "a whole number")
		return 0, false
	}
	var i int
	if err := v.Decode(&i); err != nil || i < -maxMeterValue || i > maxMeterValue {
		d.addf(v, "expected a whole number between %d and %d, got %s", -maxMeterValue, maxMeterValue, shown(v.Value))
		return 0, false
	}
	return i, true
}

// effects reads a mapping of meter id → change.
func (d *decoder) effects(m *mapping, meters map[string]bool) map[string]int {
	v := m.get("effects")
	if v == nil {
		return nil
	}
	em := d.mapping(v, "a mapping of meter: change, like {budget: -10, trust: 5}")
	if em == nil {
		return nil
	}
	out := map[string]int{}
	for _, k := range em.keys {
		e := em.entries[k]
		if !meters[k] {
			d.addf(e.key, "effect on unknown meter %q; meters: %s", k, strings.Join(sortedKeys(meters), ", "))
			continue
		}
		if x, ok := d.whole(e.val); ok {
			out[k] = x
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// condition reads "trust >= 30 and budget < 50".
func (d *decoder) condition(m *mapping, meters map[string]bool) Condition {
	v := m.get("if")
	if v == nil {
		return nil
	}
	s, ok := d.scalarString(v, "a condition like trust >= 30")
	if !ok {
		return nil
	}
	var out Condition
	parts := strings.Split(s, " and ")
	if len(parts) > maxConditions {
		d.addf(v, "a condition takes at most %d comparisons", maxConditions)
		return nil
	}
	for _, part := range parts {
		f := strings.Fields(part)
		if len(f) != 3 || !slices.Contains([]string{">=", "<=", ">", "<", "==", "!="}, f[1]) {
			d.addf(v, "condition %q must read like \"trust >= 30\" (meter, one of >= <= > < == !=, whole number), joined by \"and\"", part)
			return nil
		}
		n, err := strconv.Atoi(f[2])
		if err != nil || n < -maxMeterValue || n > maxMeterValue {
			d.addf(v, "condition %q must compare with a whole number", part)
			return nil
		}
		if !meters[f[0]] {
			d.addf(v, "condition names unknown meter %q; meters: %s", f[0], strings.Join(sortedKeys(meters), ", "))
			return nil
		}
		out = append(out, Compare{Meter: f[0], Op: f[1], Value: n})
	}
	return out
}

func (d *decoder) events(m *mapping, meters map[string]bool) []GameEvent {
	v := m.get("events")
	if v == nil {
		return nil
	}
	items, _ := d.list(v, "a list of events", "events must not be empty; leave the key out instead")
	var out []GameEvent
	seen := map[string]int{}
	for _, n := range items {
		em := d.mapping(n, "an event mapping")
		if em == nil {
			continue
		}
		d.allow(em, eventKeys)
		ev := GameEvent{Pos: pos(n)}
		var idNode *yaml.Node
		ev.ID, idNode = d.uniqueID(em, "event", seen)
		ev.Title = d.text(em, "title", true, maxTitleLen)
		ev.Text = d.text(em, "text", false, maxOutcomeLen)
		ev.Effects = d.effects(em, meters)
		if idNode != nil {
			out = append(out, ev)
		}
	}
	return out
}

func (d *decoder) gameCase(n *yaml.Node, g *Game, meters, roles map[string]bool, seen map[string]int) (Case, bool) {
	c := Case{Pos: pos(n)}
	cm := d.mapping(n, "a case mapping")
	if cm == nil {
		return c, false
	}
	d.allow(cm, caseKeys)
	var idNode *yaml.Node
	c.ID, idNode = d.uniqueID(cm, "case", seen)
	c.Title = d.text(cm, "title", true, maxTitleLen)
	c.TimeSlot = d.duration(cm, "time_slot", 0, MinNodeTime, MaxCaseSlot)
	v := d.require(cm, "nodes")
	if v == nil {
		return c, false
	}
	items, ok := d.list(v, "a list of nodes", "a case needs at least one node")
	if !ok {
		return c, false
	}
	seenN := map[string]int{}
	for _, nn := range items {
		if node, ok := d.gameNode(nn, g, meters, roles, seenN); ok {
			c.Nodes = append(c.Nodes, node)
		}
	}
	if sv := cm.get("start"); sv != nil {
		if s, ok := d.scalarString(sv, "a node id"); ok {
			c.Start = s
			if _, found := seenN[s]; !found {
				d.addf(sv, "start names missing node %q", s)
			}
		}
	} else if len(c.Nodes) > 0 {
		c.Start = c.Nodes[0].ID
	}
	// Jumps to missing nodes.
	for _, node := range c.Nodes {
		for _, ch := range node.Choices {
			if _, found := seenN[ch.Next]; ch.Next != End && ch.Next != "" && !found {
				d.addAt(ch.NextPos, "next names missing node %q in case %q; use a node id of this case or %q", ch.Next, c.ID, End)
			}
		}
	}
	if ev := d.require(cm, "endings"); ev != nil {
		items, _ := d.list(ev, "a list of endings", "a case needs at least one ending")
		seenE := map[string]int{}
		for _, en := range items {
			em := d.mapping(en, "an ending mapping")
			if em == nil {
				continue
			}
			d.allow(em, endingKeys)
			e := Ending{Pos: pos(en)}
			var eid *yaml.Node
			e.ID, eid = d.uniqueID(em, "ending", seenE)
			e.Title = d.text(em, "title", true, maxTitleLen)
			e.Text = d.text(em, "text", false, maxOutcomeLen)
			e.If = d.condition(em, meters)
			if eid != nil {
				c.Endings = append(c.Endings, e)
			}
		}
		if n := len(c.Endings); n > 0 && len(c.Endings[n-1].If) > 0 {
			d.addAt(c.Endings[n-1].Pos, "the last ending of case %q needs no \"if\": it is reached when no other ending matches", c.ID)
		}
	}
	return c, idNode != nil
}

func (d *decoder) gameNode(n *yaml.Node, g *Game, meters, roles map[string]bool, seen map[string]int) (Node, bool) {
	node := Node{Pos: pos(n)}
	nm := d.mapping(n, "a node mapping")
	if nm == nil {
		return node, false
	}
	d.allow(nm, nodeKeys)
	var idNode *yaml.Node
	node.ID, idNode = d.uniqueID(nm, "node", seen)
	if node.ID == End {
		d.addf(idNode, "%q is reserved for the end of a case; name the node otherwise", End)
	}
	node.Text = d.text(nm, "text", true, maxSituationLen)
	node.Image = d.image(nm)
	node.TimeLimit = d.duration(nm, "time_limit", g.TimeLimit, MinNodeTime, MaxNodeTime)
	node.Notes = d.text(nm, "notes", false, maxNotesLen)
	if bv := nm.get("briefs"); bv != nil {
		if bm := d.mapping(bv, "a mapping of role: private text"); bm != nil {
			node.Briefs = map[string]string{}
			for _, k := range bm.keys {
				e := bm.entries[k]
				if !roles[k] {
					d.addf(e.key, "brief for unknown role %q; roles: %s", k, strings.Join(sortedKeys(roles), ", "))
					continue
				}
				s, ok := d.scalarString(e.val, "a brief text")
				if !ok {
					continue
				}
				d.checkText(e.val, "brief", s, true, maxBriefLen)
				node.Briefs[k] = s
			}
		}
	}
	cv := d.require(nm, "choices")
	if cv == nil {
		return node, idNode != nil
	}
	if cv.Kind == yaml.SequenceNode && len(cv.Content) == 0 {
		d.addf(cv, "node %q is a dead end: it has no choices; end a case with a choice whose next is %q", node.ID, End)
		return node, idNode != nil
	}
	items, _ := d.list(cv, "a list of choices", "")
	seenC := map[string]int{}
	for i, cn := range items {
		cm := d.mapping(cn, "a choice mapping")
		if cm == nil {
			continue
		}
		d.allow(cm, choiceKeys)
		ch := Choice{ID: autoOptionID(i), Pos: pos(cn)}
		if iv := cm.get("id"); iv != nil {
			if s, ok := d.scalarString(iv, "an id"); ok && d.checkID(iv, s) {
				ch.ID = s
			}
		}
		if line, dup := seenC[ch.ID]; dup {
			d.addf(cn, "duplicate choice id %q (first at line %d)", ch.ID, line)
			continue
		}
		seenC[ch.ID] = cn.Line
		ch.Text = d.text(cm, "text", true, maxChoiceLen)
		ch.If = d.condition(cm, meters)
		ch.Once = d.boolean(cm, "once", false)
		ch.Effects = d.effects(cm, meters)
		ch.EffectPos = pos(cm.get("effects"))
		ch.Outcome = d.text(cm, "outcome", false, maxOutcomeLen)
		if nv := d.require(cm, "next"); nv != nil {
			if s, ok := d.scalarString(nv, "a node id or end"); ok {
				ch.Next, ch.NextPos = s, pos(nv)
				if s == "" {
					d.addf(nv, "next must name a node of this case or %q", End)
				}
			}
		}
		node.Choices = append(node.Choices, ch)
	}
	if dv := nm.get("default"); dv != nil {
		if s, ok := d.scalarString(dv, "a choice id"); ok {
			node.Default = s
			switch ch := node.Choice(s); {
			case ch == nil:
				d.addf(dv, "default names missing choice %q", s)
			case len(ch.If) > 0 || ch.Once:
				d.addf(dv, "the default choice must always be available: no \"if\" and no \"once\"")
			}
		}
	} else {
		for _, ch := range node.Choices {
			if len(ch.If) == 0 && !ch.Once {
				node.Default = ch.ID
				break
			}
		}
		if node.Default == "" && len(node.Choices) > 0 {
			d.addf(cv, "node %q needs a choice without \"if\" and \"once\" to apply when time runs out", node.ID)
		}
	}
	return node, idNode != nil
}

// checkCase reports nodes no choice leads to, and a longest path that does
// not fit the case's time slot.
func (d *decoder) checkCase(g *Game, c *Case) {
	if c.Start == "" || c.Node(c.Start) == nil {
		return
	}
	reached := map[string]bool{c.Start: true}
	queue := []string{c.Start}
	for len(queue) > 0 {
		n := c.Node(queue[0])
		queue = queue[1:]
		for _, ch := range n.Choices {
			if ch.Next != End && c.Node(ch.Next) != nil && !reached[ch.Next] {
				reached[ch.Next] = true
				queue = append(queue, ch.Next)
			}
		}
	}
	for _, n := range c.Nodes {
		if !reached[n.ID] {
			d.addAt(n.Pos, "node %q of case %q is unreachable: no choice leads to it from %q", n.ID, c.ID, c.Start)
		}
	}
	if c.TimeSlot > 0 {
		longest, path, complete := longestPath(c)
		if !complete {
			d.addAt(c.Pos, "case %q has too many paths to check its time slot", c.ID)
		} else if longest > c.TimeSlot {
			d.addAt(c.Pos, "case %q does not fit its time slot of %s: its longest path %s takes %s", c.ID,
				shortDuration(c.TimeSlot), strings.Join(path, " → "), shortDuration(longest))
		}
	}
}

// longestPath is the slowest way through a case that visits no node twice:
// the sum of node time limits.
func longestPath(c *Case) (time.Duration, []string, bool) {
	var (
		best     time.Duration
		bestPath []string
		steps    int
		on       = map[string]bool{}
		path     []string
	)
	var walk func(id string, sum time.Duration) bool
	walk = func(id string, sum time.Duration) bool {
		if steps++; steps > maxPathSearch {
			return false
		}
		n := c.Node(id)
		on[id] = true
		path = append(path, id)
		sum += n.TimeLimit
		if sum > best {
			best, bestPath = sum, slices.Clone(path)
		}
		for _, ch := range n.Choices {
			if ch.Next != End && c.Node(ch.Next) != nil && !on[ch.Next] {
				if !walk(ch.Next, sum) {
					return false
				}
			}
		}
		on[id] = false
		path = path[:len(path)-1]
		return true
	}
	ok := walk(c.Start, 0)
	return best, bestPath, ok
}

// checkBounds reports meters that choices and events could push past their
// min or max. Meters carry over from case to case, so the extremes add up:
// each case contributes its largest rise and largest fall over paths that
// take no choice twice, and every event may be injected once.
func (d *decoder) checkBounds(g *Game) {
	for _, mt := range g.Meters {
		if mt.Min == nil && mt.Max == nil {
			continue
		}
		up, down := 0, 0
		for _, ev := range g.Events {
			if x := ev.Effects[mt.ID]; x > 0 {
				up += x
			} else {
				down += x
			}
		}
		complete := true
		for i := range g.Cases {
			hi, lo, ok := extremes(&g.Cases[i], mt.ID)
			up, down, complete = up+hi, down+lo, complete && ok
		}
		if !complete {
			d.addAt(mt.Pos, "meter %q: the cases have too many paths to check its bounds", mt.ID)
			continue
		}
		if mt.Max != nil && mt.Start+up > *mt.Max {
			d.addAt(mt.Pos, "effects can push meter %q to %d, past its max %d", mt.ID, mt.Start+up, *mt.Max)
		}
		if mt.Min != nil && mt.Start+down < *mt.Min {
			d.addAt(mt.Pos, "effects can push meter %q to %d, past its min %d", mt.ID, mt.Start+down, *mt.Min)
		}
	}
}

// extremes is the largest total rise and fall of a meter along any path of
// a case that takes no choice twice, counted at every point of the path.
func extremes(c *Case, meter string) (hi, lo int, ok bool) {
	steps := 0
	used := map[*Choice]bool{}
	var walk func(id string, sum int) bool
	walk = func(id string, sum int) bool {
		if steps++; steps > maxPathSearch {
			return false
		}
		n := c.Node(id)
		if n == nil {
			return true
		}
		for i := range n.Choices {
			ch := &n.Choices[i]
			if used[ch] {
				continue
			}
			s := sum + ch.Effects[meter]
			hi, lo = max(hi, s), min(lo, s)
			if ch.Next == End {
				continue
			}
			used[ch] = true
			if !walk(ch.Next, s) {
				return false
			}
			used[ch] = false
		}
		return true
	}
	ok = walk(c.Start, 0)
	return hi, lo, ok
}

// BalanceScore rates how balanced a team's meters are, from 0 to 100: each
// meter's distance from the middle of its band, in half-bands (0 at the
// middle, 1 at either edge of the band), averaged over the meters; the
// score is 100 − 50 × that average, never below 0. A team with every meter
// at the middle of its band scores 100, one with every meter at a band edge
// scores 50.
func (g *Game) BalanceScore(meters map[string]int) float64 {
	if len(g.Meters) == 0 {
		return 0
	}
	sum := 0.0
	for _, mt := range g.Meters {
		mid := float64(mt.Low+mt.High) / 2
		half := float64(mt.High-mt.Low) / 2
		sum += math.Abs(float64(meters[mt.ID])-mid) / half
	}
	score := 100 - 50*sum/float64(len(g.Meters))
	return math.Max(0, math.Round(score*10)/10)
}

// InBand reports whether v is within the meter's band.
func (mt *Meter) InBand(v int) bool { return v >= mt.Low && v <= mt.High }
