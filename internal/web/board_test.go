package web

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/export"
	"github.com/huddle-live/huddle/internal/session"
)

var updateBoard = flag.Bool("update-board", false, "rewrite testdata/board.* with the current exports")

// boardCardView is what the tests read of a card in any view.
type boardCardView struct {
	ID          string          `json:"id"`
	Prompt      string          `json:"prompt"`
	Text        string          `json:"text"`
	Team        string          `json:"team"`
	Author      string          `json:"author"`
	Theme       string          `json:"theme"`
	Votes       json.RawMessage `json:"votes"`
	Hidden      bool            `json:"hidden"`
	Flagged     bool            `json:"flagged"`
	Reformulate string          `json:"reformulate"`
	Own         bool            `json:"own"`
}

type boardViewT struct {
	Phase   string          `json:"phase"`
	Shown   int             `json:"shown"`
	Cards   []boardCardView `json:"cards"`
	Prompts []struct {
		ID    string `json:"id"`
		Cards int    `json:"cards"`
	} `json:"prompts"`
	Themes []struct {
		ID    string          `json:"id"`
		Name  string          `json:"name"`
		Votes json.RawMessage `json:"votes"`
	} `json:"themes"`
	Recs []struct {
		Theme string   `json:"theme"`
		Teams []string `json:"teams"`
	} `json:"recommendations"`
	Voters int `json:"voters"`
}

type boardMeT struct {
	Cards    []boardCardView `json:"cards"`
	DotsLeft int             `json:"dots_left"`
	Given    map[string]int  `json:"given"`
	Recs     []string        `json:"recommendations"`
	Sector   string          `json:"sector"`
}

func boardOf[T any](cl *client, typ string) (T, bool) {
	var zero T
	v, ok := latestData[struct {
		Board *T `json:"board"`
	}](cl, typ)
	if !ok || v.Board == nil {
		return zero, false
	}
	return *v.Board, true
}

// boardNow is boardOf outside waitFor: it takes the client's lock.
func boardNow[T any](cl *client, typ string) (T, bool) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return boardOf[T](cl, typ)
}

type boardPhone struct {
	cl     *client
	name   string
	team   int // 1-based
	sector string
}

// marker is put in every card text so that a frame can be searched for the
// cards of a team.
func marker(team int) string { return fmt.Sprintf("[t%d]", team) }

var sectors = []string{"state", "ngo", ""}

// TestBoardOverWebSockets plays the shipped hackathon board with 8 teams of
// 3 phones: write, reveal with moderation, group, vote, recommend and
// export. No phone may ever receive another team's card while writing, nor
// any author, since the board shows teams only.
func TestBoardOverWebSockets(t *testing.T) {
	base := startTestServer(t)
	c := createRoom(t, base, map[string]any{"scenario": "partnership-board", "team_count": 8})
	var info struct {
		Sectors bool `json:"sectors"`
	}
	resp, err := http.Get(base + "/api/join/" + c.Code)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if !info.Sectors {
		t.Fatal("the join info of a board room does not ask for the sector")
	}
	var bad struct{ Error string }
	if code := postJSON(t, base+"/api/join", map[string]string{"code": c.Code, "name": "X", "sector": "city"}, &bad); code != http.StatusBadRequest {
		t.Errorf("join with an unknown sector: %d %+v", code, bad)
	}

	host := dial(t, base, c.Room, c.HostToken)
	screen := dial(t, base, c.Room, c.ScreenToken)
	var phones []*boardPhone
	for team := 1; team <= 8; team++ {
		for j := range 3 {
			p := &boardPhone{name: fmt.Sprintf("Участник %d-%d", team, j), team: team, sector: sectors[(team+j)%3]}
			var jr joined
			body := map[string]string{"code": c.Code, "name": p.name, "team": fmt.Sprintf("t%d", team), "sector": p.sector}
			if code := postJSON(t, base+"/api/join", body, &jr); code != http.StatusCreated {
				t.Fatalf("join: %d %+v", code, jr)
			}
			p.cl = dial(t, base, c.Room, jr.Token)
			phones = append(phones, p)
		}
	}
	for _, p := range phones {
		p.cl.waitFor("me", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
	}
	host.do("start", nil)
	prompts := []string{"agreements", "roles", "setbacks", "trust", "interests", "planning", "contact"}

	// Write: every phone posts one card, one after another so that the
	// cards' order (and so the golden files) does not depend on timing.
	for i, p := range phones {
		text := fmt.Sprintf("%s Идея %d команды %d", marker(p.team), i%3+1, p.team)
		if i == 4 {
			text = marker(p.team) + " Бля, опять отчёты"
		}
		p.cl.do("board.card", map[string]any{"prompt": prompts[i%3], "text": text})
	}
	// The team limit: three cards to one prompt.
	p0 := phones[0]
	p0.cl.do("board.card", map[string]any{"prompt": "agreements", "text": marker(1) + " Вторая"})
	p0.cl.do("board.card", map[string]any{"prompt": "agreements", "text": marker(1) + " Третья"})
	if f := p0.cl.reply(p0.cl.send("board.card", map[string]any{"prompt": "agreements", "text": marker(1) + " Четвёртая"})); f.Code != "card_limit" {
		t.Errorf("a fourth card to one prompt: %+v", f)
	}
	if f := p0.cl.reply(p0.cl.send("board.card", map[string]any{"prompt": "agreements", "text": strings.Repeat("я", 201)})); f.Code != "bad_text" {
		t.Errorf("a card over the limit: %+v", f)
	}
	p0.cl.waitFor("own cards", func(cl *client) bool {
		m, ok := boardOf[boardMeT](cl, "me")
		return ok && len(m.Cards) == 5
	})
	p0me, _ := boardNow[boardMeT](p0.cl, "me")
	var extra []string
	for _, c := range p0me.Cards {
		if strings.Contains(c.Text, "Вторая") || strings.Contains(c.Text, "Третья") {
			extra = append(extra, c.ID)
		}
	}
	for _, id := range extra {
		phones[1].cl.do("board.delete", map[string]any{"card": id}) // a teammate tidies up
	}
	if f := phones[3].cl.reply(phones[3].cl.send("board.delete", map[string]any{"card": p0me.Cards[0].ID})); f.Code != "not_your_team" {
		t.Errorf("another team deleted a card: %+v", f)
	}
	host.waitFor("flagged card", func(cl *client) bool {
		v, ok := boardOf[boardViewT](cl, "view")
		if !ok {
			return false
		}
		for _, c := range v.Cards {
			if c.Flagged && len(v.Cards) == 24 {
				return true
			}
		}
		return false
	})
	// The screen while writing: counts, no cards.
	screen.waitFor("counts", func(cl *client) bool {
		v, ok := boardOf[boardViewT](cl, "view")
		return ok && v.Phase == "write" && len(v.Cards) == 0 && v.Prompts[0].Cards == 8
	})
	// Everything any phone received while writing, checked once writing ends.
	written := make([]int, len(phones))
	for i, p := range phones {
		p.cl.mu.Lock()
		written[i] = len(p.cl.all)
		p.cl.mu.Unlock()
	}
	for i, p := range phones {
		p.cl.mu.Lock()
		for _, f := range p.cl.all[:written[i]] {
			for team := 1; team <= 8; team++ {
				if team != p.team && bytes.Contains(f.Data, []byte(marker(team))) {
					t.Errorf("phone of team %d received a card of team %d while writing: %s", p.team, team, f.Data)
				}
			}
		}
		p.cl.mu.Unlock()
	}

	// Reveal, prompt by prompt, with moderation.
	host.do("next", nil)
	screen.waitFor("first prompt", func(cl *client) bool {
		v, ok := boardOf[boardViewT](cl, "view")
		if !ok || v.Phase != "reveal" || v.Shown != 1 {
			return false
		}
		for _, c := range v.Cards {
			if c.Prompt != "agreements" {
				t.Errorf("card of a prompt not revealed yet: %+v", c)
			}
		}
		return len(v.Cards) == 8
	})
	hv, _ := boardNow[boardViewT](host, "view")
	byText := map[string]boardCardView{}
	for _, c := range hv.Cards {
		byText[c.Text] = c
	}
	rude := ""
	for _, c := range hv.Cards {
		if c.Flagged {
			rude = c.ID
		}
	}
	host.do("board.hide", map[string]any{"card": rude, "hidden": true})
	dup, orig := byText[marker(4)+" Идея 1 команды 4"], byText[marker(3)+" Идея 1 команды 3"]
	host.do("board.merge", map[string]any{"card": dup.ID, "into": orig.ID})
	vague := byText[marker(2)+" Идея 3 команды 2"]
	host.do("board.reformulate", map[string]any{"card": vague.ID, "note": "Что именно сделать?"})
	if f := phones[0].cl.reply(phones[0].cl.send("board.hide", map[string]any{"card": vague.ID, "hidden": true})); f.Code != "forbidden" {
		t.Errorf("a phone hid a card: %+v", f)
	}
	// The card goes back to team 2, with the note.
	t2 := phones[3]
	t2.cl.waitFor("card back", func(cl *client) bool {
		m, ok := boardOf[boardMeT](cl, "me")
		if !ok {
			return false
		}
		for _, c := range m.Cards {
			if c.ID == vague.ID && c.Reformulate == "Что именно сделать?" {
				return true
			}
		}
		return false
	})
	if f := phones[0].cl.reply(phones[0].cl.send("board.edit", map[string]any{"card": vague.ID, "text": "чужая правка"})); f.Code != "not_your_team" {
		t.Errorf("another team rewrote the card: %+v", f)
	}
	t2.cl.do("board.edit", map[string]any{"card": vague.ID, "text": marker(2) + " Назначить координатора с каждой стороны"})
	for range 6 {
		host.do("next", nil)
	}
	screen.waitFor("every prompt", func(cl *client) bool {
		v, ok := boardOf[boardViewT](cl, "view")
		return ok && v.Shown == 7 && len(v.Cards) == 22 // 24, less the hidden and the merged
	})

	// Group: two themes from the host.
	host.do("next", nil)
	host.do("board.theme", map[string]any{"name": "Договор и роли", "card": orig.ID})
	hv, _ = boardNow[boardViewT](host, "view")
	host.waitFor("theme", func(cl *client) bool {
		v, ok := boardOf[boardViewT](cl, "view")
		hv = v
		return ok && len(v.Themes) == 1
	})
	theme := hv.Themes[0].ID
	host.do("board.place", map[string]any{"card": byText[marker(5)+" Идея 1 команды 5"].ID, "theme": theme})
	host.do("board.place", map[string]any{"card": vague.ID, "theme": theme})
	host.do("board.theme", map[string]any{"name": "Связь", "card": byText[marker(6)+" Идея 3 команды 6"].ID})

	// Vote: five dots each, two at most per card, not for one's own team.
	host.do("next", nil)
	screen.waitFor("vote", func(cl *client) bool {
		v, ok := boardOf[boardViewT](cl, "view")
		return ok && v.Phase == "vote"
	})
	var cards []boardCardView
	sv, _ := boardNow[boardViewT](screen, "view")
	cards = sv.Cards
	teamCards := map[int][]string{}
	for _, c := range cards {
		var team int
		fmt.Sscanf(c.Text, "[t%d]", &team)
		teamCards[team] = append(teamCards[team], c.ID)
	}
	for i, p := range phones {
		next := teamCards[p.team%8+1]
		after := teamCards[(p.team+1)%8+1]
		j := i % 3
		p.cl.do("board.dots", map[string]any{"card": next[j%len(next)], "dots": 2})
		p.cl.do("board.dots", map[string]any{"card": next[(j+1)%len(next)], "dots": 2})
		p.cl.do("board.dots", map[string]any{"card": after[j%len(after)], "dots": 1})
	}
	own := phones[0]
	if f := own.cl.reply(own.cl.send("board.dots", map[string]any{"card": teamCards[1][0], "dots": 1})); f.Code != "own_team" {
		t.Errorf("a vote for one's own team: %+v", f)
	}
	if f := own.cl.reply(own.cl.send("board.dots", map[string]any{"card": teamCards[5][0], "dots": 1})); f.Code != "no_dots" {
		t.Errorf("a sixth dot: %+v", f)
	}
	if f := own.cl.reply(own.cl.send("board.dots", map[string]any{"card": teamCards[2][0], "dots": 3})); f.Code != "card_cap" {
		t.Errorf("three dots on one card: %+v", f)
	}
	screen.waitFor("every voter", func(cl *client) bool {
		v, ok := boardOf[boardViewT](cl, "view")
		return ok && v.Voters == 24
	})
	for _, cl := range append([]*client{screen, host}, phones[0].cl) {
		typ := "view"
		if cl == phones[0].cl {
			typ = "state"
		}
		v, _ := boardNow[boardViewT](cl, typ)
		for _, c := range v.Cards {
			if c.Votes != nil {
				t.Fatalf("votes shown during the vote: %+v", c)
			}
		}
	}
	host.do("next", nil)
	screen.waitFor("results", func(cl *client) bool {
		v, ok := boardOf[boardViewT](cl, "view")
		return ok && v.Phase == "results" && len(v.Themes) > 0 && v.Themes[0].Votes != nil
	})

	// Recommend: each team fills in the recommendation dealt to it.
	host.do("next", nil)
	for i, p := range phones {
		if i%3 != 0 {
			continue
		}
		p.cl.waitFor("recommendation", func(cl *client) bool {
			m, ok := boardOf[boardMeT](cl, "me")
			return ok && len(m.Recs) == 1
		})
		m, _ := boardNow[boardMeT](p.cl, "me")
		resp := []string{"state", "ngo", "both"}[p.team%3]
		p.cl.do("board.fill", map[string]any{"theme": m.Recs[0], "action": fmt.Sprintf("Действие от команды %d", p.team),
			"responsible": resp, "deadline": "=1+1", "risk": fmt.Sprintf("Риск по версии команды %d", p.team)})
	}
	host.do("next", nil)

	// No phone ever received an author.
	for _, p := range append(phones, &boardPhone{cl: screen}) {
		p.cl.mu.Lock()
		for _, f := range p.cl.all {
			if bytes.Contains(f.Data, []byte(`"author"`)) {
				t.Errorf("an author reached a phone or the screen: %s", f.Data)
			}
		}
		p.cl.mu.Unlock()
	}

	// Exports match the golden files, once the room's id, code and date
	// are set aside.
	get := func(path string) []byte {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	q := "?token=" + c.HostToken
	md := get("/api/rooms/" + c.Room + "/board.md" + q)
	md = regexp.MustCompile(`хакатона, \d+ [а-я]+ \d{4}`).ReplaceAll(md, []byte("хакатона, DATE"))
	boardGolden(t, "board.md", md)
	boardGolden(t, "board.csv", get("/api/rooms/"+c.Room+"/board.csv"+q))
	var res session.BoardResults
	if err := json.Unmarshal(get("/api/rooms/"+c.Room+"/board.json"+q), &res); err != nil {
		t.Fatal(err)
	}
	res.Room.ID, res.Room.Code, res.Room.Created = "ROOM", "CODE", time.Time{}
	for _, b := range res.Boards {
		for _, rec := range b.Recommendations {
			for i := range rec.Drafts {
				rec.Drafts[i].At = time.Time{}
			}
		}
	}
	var js bytes.Buffer
	if err := export.BoardJSON(&js, &res); err != nil {
		t.Fatal(err)
	}
	boardGolden(t, "board.json", js.Bytes())
	if docx := get("/api/rooms/" + c.Room + "/board.docx" + q); !bytes.HasPrefix(docx, []byte("PK")) {
		t.Error("the DOCX is not a zip file")
	}
	page := get("/print/" + c.Room + q)
	if !bytes.Contains(page, []byte("Договор и роли")) {
		t.Error("the printable page lacks the recommendations")
	}
	for _, path := range []string{"/print/" + c.Room, "/print/" + c.Room + "?token=" + c.ScreenToken, "/api/rooms/" + c.Room + "/board.md?token=0123456789abcdef0123456789abcdef"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without the host token: %d", path, resp.StatusCode)
		}
	}
}

func boardGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateBoard {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestBoardOverWebSockets -update-board)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file:\n%s", name, got)
	}
}

// TestDownloadNames: every export, the board's and the quiz's, is named
// after the room's title and date with its real extension: an ASCII name
// for old browsers and the Russian one per RFC 6266, so that Word and
// Excel open it with a double click.
func TestDownloadNames(t *testing.T) {
	base := startTestServer(t)
	c := createRoom(t, base, map[string]any{"scenario": "partnership-board"})
	day := `\d{4}-\d{2}-\d{2}`
	utf := url.PathEscape("Эффективное партнёрство - рекомендации ")
	var paths []string
	for _, ext := range []string{"docx", "md", "csv", "json"} {
		paths = append(paths, "/api/rooms/"+c.Room+"/board."+ext)
	}
	for _, ext := range []string{"xlsx", "csv", "json"} {
		paths = append(paths, "/api/rooms/"+c.Room+"/export."+ext)
	}
	for _, path := range paths {
		resp, err := http.Get(base + path + "?token=" + c.HostToken)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
			continue
		}
		e := path[strings.LastIndex(path, ".")+1:]
		want := regexp.MustCompile(`^attachment; filename="Effektivnoe partnerstvo - rekomendatsii ` + day + `\.` + e +
			`"; filename\*=UTF-8''` + regexp.QuoteMeta(utf) + day + `\.` + e + `$`)
		if got := resp.Header.Get("Content-Disposition"); !want.MatchString(got) {
			t.Errorf("GET %s: Content-Disposition %q, want %s", path, got, want)
		}
	}
}
