package web

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// The shipped business game, played over real WebSockets.

type gameMeFrame struct {
	Game *struct {
		Node *struct {
			ID      string `json:"id"`
			Choices []struct {
				ID string `json:"id"`
			} `json:"choices"`
		} `json:"node"`
		Roles []struct {
			ID    string `json:"id"`
			Brief string `json:"brief"`
		} `json:"roles"`
		Captain bool `json:"captain"`
		Meters  []struct {
			ID    string `json:"id"`
			Value int    `json:"value"`
		} `json:"meters"`
		Ending *struct {
			Title string `json:"title"`
		} `json:"ending"`
		Last *struct {
			Choice string `json:"choice"`
			By     string `json:"by"`
		} `json:"last"`
	} `json:"game"`
}

type gameHostFrame struct {
	Phase string `json:"phase"`
	Game  *struct {
		Phase string `json:"phase"`
		Case  *struct {
			Index int `json:"index"`
		} `json:"case"`
		Teams []struct {
			ID     string         `json:"id"`
			Node   string         `json:"node"`
			Done   bool           `json:"done"`
			Meters map[string]int `json:"meters"`
		} `json:"teams"`
		Debrief *struct {
			Teams []struct {
				ID      string         `json:"id"`
				Rank    int            `json:"rank"`
				Balance float64        `json:"balance"`
				Meters  map[string]int `json:"meters"`
				Path    []struct {
					Case   string `json:"case"`
					Node   string `json:"node"`
					Choice string `json:"choice"`
					Why    string `json:"why"`
					By     string `json:"by"`
				} `json:"path"`
				Endings []struct {
					ID string `json:"id"`
				} `json:"endings"`
			} `json:"teams"`
		} `json:"debrief"`
	} `json:"game"`
}

// ngoTeam is one team of phones following a script of choices.
type ngoTeam struct {
	id     string
	phones []*phone
	script []string // choice ids, in the order the team takes them
	split  int      // phones from this index on vote for another choice
	why    string

	// reference, computed from the scenario by the test
	meters map[string]int
	path   []string // node/choice
	ending string
}

// ngoRoom is the shipped game being played.
type ngoRoom struct {
	t      *testing.T
	base   string
	room   created
	def    *scenario.Game
	host   *client
	screen *client
	teams  []*ngoTeam
}

func shippedGame(t *testing.T, id string) *scenario.Scenario {
	for _, sc := range shippedScenarios(t) {
		if sc.ID == id {
			return sc
		}
	}
	t.Fatalf("no shipped scenario %q", id)
	return nil
}

// newNGORoom creates a room of the shipped Russian game with teams of size
// phones each, joined in order so that roles are known.
func newNGORoom(t *testing.T, base string, scripts [][]string, size int) *ngoRoom {
	sc := shippedGame(t, "ngo-day")
	g := &ngoRoom{t: t, base: base, def: sc.Stages[0].Game}
	g.room = createRoom(t, base, map[string]any{"scenario": "ngo-day", "team_count": len(scripts), "lang": "ru"})
	g.host = dial(t, base, g.room.Room, g.room.HostToken)
	g.screen = dial(t, base, g.room.Room, g.room.ScreenToken)
	for i, script := range scripts {
		// Most teams vote 3:1 (2:1); every other even team ties 2:2, which
		// its captain, the first phone, breaks.
		split := size - 1
		if size%2 == 0 && i%2 == 1 {
			split = size / 2
		}
		tm := &ngoTeam{id: fmt.Sprintf("t%d", i+1), script: script, split: split, why: fmt.Sprintf("причина команды %d", i+1)}
		tm.meters = map[string]int{}
		for _, mt := range g.def.Meters {
			tm.meters[mt.ID] = mt.Start
		}
		for j := range size {
			name := fmt.Sprintf("Команда %d игрок %d", i+1, j+1)
			tm.phones = append(tm.phones, &phone{name: name, joined: joinRoom(t, base, g.room.Code, name, tm.id)})
		}
		g.teams = append(g.teams, tm)
	}
	g.connect()
	g.host.do("start", nil)
	return g
}

func (g *ngoRoom) connect() {
	for _, tm := range g.teams {
		for _, p := range tm.phones {
			p.cl = dial(g.t, g.base, p.joined.Room, p.joined.Token)
		}
	}
}

// reference plays a team's script on the scenario itself: meters, path and
// ending, independently of the engine.
func (g *ngoRoom) reference(tm *ngoTeam, c *scenario.Case, steps int) {
	node := c.Start
	for _, id := range tm.script[:steps] {
		n := c.Node(node)
		ch := n.Choice(id)
		if ch == nil || !ch.If.Holds(tm.meters) {
			g.t.Fatalf("script of %s: %s/%s is not available", tm.id, node, id)
		}
		for k, v := range ch.Effects {
			tm.meters[k] += v
		}
		tm.path = append(tm.path, node+"/"+id)
		node = ch.Next
	}
	if node == scenario.End {
		for _, e := range c.Endings {
			if e.If.Holds(tm.meters) {
				tm.ending = e.ID
				break
			}
		}
	}
}

// meAt waits until a phone's me shows the team at node (or done, for "").
func meAt(p *phone, node string) gameMeFrame {
	var out gameMeFrame
	p.cl.waitFor("node "+node, func(cl *client) bool {
		m, ok := latestData[gameMeFrame](cl, "me")
		if !ok || m.Game == nil {
			return false
		}
		out = m
		if node == "" {
			return m.Game.Node == nil && m.Game.Ending != nil
		}
		return m.Game.Node != nil && m.Game.Node.ID == node
	})
	return out
}

// step has every phone of the team vote: the script's choice, except the
// phones from split on, which vote for another available choice.
func (g *ngoRoom) step(tm *ngoTeam, c *scenario.Case, node, choice string) {
	m := meAt(tm.phones[0], node)
	other := choice
	for _, ch := range m.Game.Node.Choices {
		if ch.ID != choice {
			other = ch.ID
			break
		}
	}
	for i, p := range tm.phones {
		vote := choice
		if i >= tm.split {
			vote = other
		}
		p.cl.do("game.pick", map[string]any{"node": node, "choice": vote, "why": tm.why})
	}
}

// playCase plays the first steps of each team's script on case c.
func (g *ngoRoom) playCase(c *scenario.Case, steps int) {
	for _, tm := range g.teams {
		node := c.Start
		for _, id := range tm.script[:steps] {
			g.step(tm, c, node, id)
			node = c.Node(node).Choice(id).Next
		}
		g.reference(tm, c, steps)
		want := node
		if want == scenario.End {
			want = ""
		}
		for _, p := range tm.phones {
			meAt(p, want)
		}
	}
}

// check compares every team's path and meters on the host view with the
// reference.
func (g *ngoRoom) check() {
	for _, tm := range g.teams {
		g.host.waitFor("host view of "+tm.id, func(cl *client) bool {
			v, ok := latestData[gameHostFrame](cl, "view")
			if !ok || v.Game == nil {
				return false
			}
			for _, vt := range v.Game.Teams {
				if vt.ID == tm.id {
					return reflect.DeepEqual(vt.Meters, tm.meters)
				}
			}
			return false
		})
	}
}

// scripts are six strategies through the first case, "Жалоба семьи".
var complaintScripts = [][]string{
	{"call", "partner", "update"},        // people first, ask the partner
	{"comment", "wait", "silent"},        // by the book
	{"check", "call", "rent", "open"},    // read first (a once-only loop), then act
	{"delete", "fine", "open"},           // press the supplier
	{"call", "rent", "open"},             // pay for speed
	{"check", "comment", "wait", "open"}, // read first, then formal
}

func TestGameOverWebSockets(t *testing.T) {
	base := startTestServer(t)
	g := newNGORoom(t, base, complaintScripts, 4)
	c := &g.def.Cases[0]

	// Reconnect a phone mid-case: it rejoins its team's current node.
	tm := g.teams[2]
	g.step(tm, c, "post", "check")
	meAt(tm.phones[0], "post")
	tm.phones[3].cl.close()
	tm.phones[3].cl = dial(t, base, tm.phones[3].joined.Room, tm.phones[3].joined.Token)
	if m := meAt(tm.phones[3], "post"); m.Game.Last == nil || m.Game.Last.Choice == "" {
		t.Errorf("a reconnected phone misses the team's last outcome: %+v", m.Game)
	}
	tm.script = tm.script[1:]
	g.reference(tm, c, 0)
	tm.path = append(tm.path, "post/check")
	tm.meters["energy"] -= 5

	var steps []int
	for _, tm := range g.teams {
		steps = append(steps, len(tm.script))
	}
	for i, tm := range g.teams {
		node := c.Start
		if i == 2 {
			node = "post"
		}
		for _, id := range tm.script[:steps[i]] {
			g.step(tm, c, node, id)
			node = c.Node(node).Choice(id).Next
		}
		path := tm.path
		tm.path = nil
		g.reference(tm, c, steps[i])
		tm.path = append(path, tm.path...)
		for _, p := range tm.phones {
			m := meAt(p, "")
			got := map[string]int{}
			for _, mt := range m.Game.Meters {
				got[mt.ID] = mt.Value
			}
			if !reflect.DeepEqual(got, tm.meters) {
				t.Errorf("%s %s: meters %v, want %v", tm.id, p.name, got, tm.meters)
			}
		}
	}
	g.check()

	// Role briefs reach only their holders: roles go round the members in
	// join order, so in the first case member i holds role i.
	for _, tm := range g.teams {
		visited := map[string]bool{}
		for _, step := range tm.path {
			visited[strings.Split(step, "/")[0]] = true
		}
		for ri, role := range g.def.Roles {
			for _, n := range c.Nodes {
				brief := n.Briefs[role.ID]
				if brief == "" {
					continue
				}
				needle := brief[:min(len(brief), 60)]
				for pi, p := range tm.phones {
					has := framesContain(p.cl, needle)
					if pi == ri && visited[n.ID] && !has {
						t.Errorf("%s: the %s never got the brief of node %s", tm.id, role.ID, n.ID)
					}
					if pi != ri && has {
						t.Errorf("%s: %s (not the %s) got the brief of node %s", tm.id, p.name, role.ID, n.ID)
					}
				}
			}
		}
	}
	for _, n := range c.Nodes {
		for _, brief := range n.Briefs {
			if framesContain(g.screen, brief[:min(len(brief), 60)]) {
				t.Errorf("the screen got a role brief of node %s", n.ID)
			}
		}
		if n.Notes != "" && framesContain(g.screen, n.Notes[:min(len(n.Notes), 60)]) {
			t.Errorf("the screen got the facilitator notes of node %s", n.ID)
		}
	}

	// The projector shows progress, not choices, until the debrief.
	for _, n := range c.Nodes {
		for _, ch := range n.Choices {
			if framesContain(g.screen, `"`+ch.Text+`"`) {
				t.Errorf("the screen saw choice %q before the debrief", ch.Text)
			}
		}
	}

	// The host moves everyone through the remaining cases to the debrief.
	for range len(g.def.Cases) {
		g.host.do("next", nil)
	}
	var v gameHostFrame
	g.host.waitFor("debrief", func(cl *client) bool {
		var ok bool
		v, ok = latestData[gameHostFrame](cl, "view")
		return ok && v.Game != nil && v.Game.Phase == "debrief" && v.Game.Debrief != nil
	})
	g.checkDebrief(v, c)
	g.checkExport(c)
	g.screen.waitFor("debrief on the projector", func(cl *client) bool {
		sv, ok := latestData[gameHostFrame](cl, "view")
		return ok && sv.Game != nil && sv.Game.Debrief != nil && len(sv.Game.Debrief.Teams) == len(g.teams)
	})
}

// checkDebrief compares the debrief's paths, endings and ranking with the
// reference and the documented balance score.
func (g *ngoRoom) checkDebrief(v gameHostFrame, c *scenario.Case) {
	t := g.t
	type ranked struct {
		id      string
		balance float64
	}
	var want []ranked
	for _, tm := range g.teams {
		sum := 0.0
		for _, mt := range g.def.Meters {
			mid, half := float64(mt.Low+mt.High)/2, float64(mt.High-mt.Low)/2
			sum += math.Abs(float64(tm.meters[mt.ID])-mid) / half
		}
		b := math.Max(0, math.Round((100-50*sum/float64(len(g.def.Meters)))*10)/10)
		want = append(want, ranked{tm.id, b})
		var got []string
		var whys []string
		for _, dt := range v.Game.Debrief.Teams {
			if dt.ID != tm.id {
				continue
			}
			if dt.Balance != b {
				t.Errorf("%s: balance %v, want %v", tm.id, dt.Balance, b)
			}
			for _, st := range dt.Path {
				if st.Case == c.ID && st.By == "team" {
					got = append(got, st.Node+"/"+st.Choice)
					whys = append(whys, st.Why)
				}
			}
			if len(dt.Endings) == 0 || dt.Endings[0].ID != tm.ending {
				t.Errorf("%s: endings %+v, want %s first", tm.id, dt.Endings, tm.ending)
			}
		}
		if !reflect.DeepEqual(got, tm.path) {
			t.Errorf("%s: path %v, want %v", tm.id, got, tm.path)
		}
		for _, w := range whys {
			if w != tm.why {
				t.Errorf("%s: reason %q, want %q", tm.id, w, tm.why)
			}
		}
	}
	sort.SliceStable(want, func(i, j int) bool { return want[i].balance > want[j].balance })
	var gotOrder []float64
	for _, dt := range v.Game.Debrief.Teams {
		gotOrder = append(gotOrder, dt.Balance)
	}
	if !slices.IsSortedFunc(gotOrder, func(a, b float64) int { return int(math.Round((b - a) * 10)) }) || len(gotOrder) != len(want) {
		t.Errorf("ranking %v is not by balance", gotOrder)
	}
}

// framesContain reports whether any frame a client received contains s.
func framesContain(cl *client, s string) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for _, f := range cl.all {
		if strings.Contains(string(f.Data), s) {
			return true
		}
	}
	return false
}

func TestGameRestartResumes(t *testing.T) {
	stores := reopenableStores()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			open := open(t)
			st1 := open()
			e1 := startEnv(t, st1, shippedScenarios(t))
			g := newNGORoom(t, e1.url, complaintScripts[:3], 3)
			c := &g.def.Cases[0]
			g.playCase(c, 1)
			g.check()
			var before gameHostFrame
			g.host.data("view", &before)
			e1.stop()
			if err := st1.Close(); err != nil {
				t.Fatal(err)
			}

			st2 := open()
			t.Cleanup(func() { st2.Close() })
			e2 := startEnv(t, st2, nil)
			g.base = e2.url
			g.host = dial(t, e2.url, g.room.Room, g.room.HostToken)
			g.screen = dial(t, e2.url, g.room.Room, g.room.ScreenToken)
			g.connect()
			var after gameHostFrame
			g.host.waitFor("view after restart", func(cl *client) bool {
				var ok bool
				after, ok = latestData[gameHostFrame](cl, "view")
				return ok && after.Game != nil
			})
			if !reflect.DeepEqual(before.Game.Teams, after.Game.Teams) {
				t.Fatalf("replayed game differs from the live one:\nlive   %+v\nreplay %+v", before.Game.Teams, after.Game.Teams)
			}
			// Play the rest of the case on the restored room.
			for _, tm := range g.teams {
				node := c.Node(c.Start).Choice(tm.script[0]).Next
				for _, id := range tm.script[1:] {
					g.step(tm, c, node, id)
					node = c.Node(node).Choice(id).Next
				}
				for k := range tm.meters {
					tm.meters[k] = g.def.Meter(k).Start
				}
				tm.path = nil
				g.reference(tm, c, len(tm.script))
				meAt(tm.phones[0], "")
			}
			g.check()
		})
	}
}

// gameRoleMatrix is TestRoleMatrix for the game commands: who may send
// each one in a running game. The team member is their team's captain;
// the other team's player may not touch the first team's captaincy.
func gameRoleMatrix(t *testing.T) {
	e := startEnvWith(t, store.NewMemory(), shippedScenarios(t), manyRooms)
	commands := map[string]func(member, other joined) any{
		"game.pick":    func(joined, joined) any { return map[string]string{"node": "post", "choice": "call"} },
		"game.confirm": func(joined, joined) any { return map[string]string{"node": "post"} },
		"game.captain": func(m, _ joined) any { return map[string]string{"team": "t1", "player": m.Player} },
		"game.pause":   func(joined, joined) any { return map[string]bool{"paused": true} },
		"game.extend":  func(joined, joined) any { return map[string]int{"seconds": 60} },
		"game.inject":  func(joined, joined) any { return map[string]string{"event": "journalist"} },
		"next":         func(joined, joined) any { return nil },
	}
	allowed := map[string][]string{
		"host":        {"game.captain", "game.pause", "game.extend", "game.inject", "next"},
		"screen":      {},
		"watcher":     {},
		"team member": {"game.pick", "game.confirm", "game.captain"},
		"other team":  {"game.pick", "game.confirm"},
	}
	for role, ok := range allowed {
		for cmd, data := range commands {
			t.Run("game/"+role+"/"+cmd, func(t *testing.T) {
				c := createRoom(t, e.url, map[string]any{"scenario": "ngo-day", "team_count": 2})
				member := joinRoom(t, e.url, c.Code, "Анна", "t1")
				other := joinRoom(t, e.url, c.Code, "Борис", "t2")
				host := dial(t, e.url, c.Room, c.HostToken)
				host.do("start", nil)
				token := map[string]string{"host": c.HostToken, "screen": c.ScreenToken,
					"team member": member.Token, "other team": other.Token}[role]
				cl := host
				switch role {
				case "host":
				case "watcher":
					cl = dialWatcher(t, e.url, c.Room)
				default:
					cl = dial(t, e.url, c.Room, token)
				}
				f := cl.reply(cl.send(cmd, data(member, other)))
				if slices.Contains(ok, cmd) {
					if f.Type != "ack" && f.Code != "wrong_phase" {
						t.Errorf("%s may %s, got %s %s", role, cmd, f.Code, f.Message)
					}
				} else if f.Type != "error" || f.Code != "forbidden" {
					t.Errorf("%s must not %s, got %s %s", role, cmd, f.Type, f.Code)
				}
			})
		}
	}
}

// checkExport reads the room's JSON and CSV exports: every team's path,
// reasons and final meters are in them.
func (g *ngoRoom) checkExport(c *scenario.Case) {
	t := g.t
	resp, err := http.Get(g.base + "/api/rooms/" + g.room.Room + "/export.json?token=" + g.room.HostToken)
	if err != nil {
		t.Fatal(err)
	}
	var res session.Results
	err = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if err != nil || len(res.Games) != 1 {
		t.Fatalf("export.json: %v, %d games", err, len(res.Games))
	}
	for _, tm := range g.teams {
		var got []string
		for _, gt := range res.Games[0].Teams {
			if gt.ID != tm.id {
				continue
			}
			if !reflect.DeepEqual(gt.Meters, tm.meters) {
				t.Errorf("export: %s meters %v, want %v", tm.id, gt.Meters, tm.meters)
			}
			for _, st := range gt.Path {
				if st.Case == c.ID && st.By == "team" {
					got = append(got, st.Node+"/"+st.Choice)
					if st.Why != tm.why {
						t.Errorf("export: %s reason %q, want %q", tm.id, st.Why, tm.why)
					}
				}
			}
		}
		if !reflect.DeepEqual(got, tm.path) {
			t.Errorf("export: %s path %v, want %v", tm.id, got, tm.path)
		}
	}
	resp, err = http.Get(g.base + "/api/rooms/" + g.room.Room + "/export.csv?token=" + g.room.HostToken)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), g.teams[0].why) {
		t.Errorf("export.csv lacks the teams' reasons:\n%s", body)
	}
}
