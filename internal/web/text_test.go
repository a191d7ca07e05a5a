package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// textYAML has a stage of every kind, so that one room takes every free
// text a client can send: a text answer, a game's reason, a board's cards,
// notes, themes and recommendation fields.
const textYAML = `
id: text-cleaning
title: Чистка текста
language: ru
stages:
  - id: quiz
    kind: quiz
    time_limit: 10m
    questions:
      - id: q1
        type: text
        text: Столица Австралии?
        accept: [Канберра]
  - id: day
    kind: game
    decision: captain
    time_limit: 10m
    meters:
      - {id: trust, name: Доверие, start: 50, band: [40, 60]}
    cases:
      - id: one
        title: Первый
        nodes:
          - id: a
            text: Что делаем?
            choices:
              - {id: wait, text: Ждать, next: b}
              - {id: act, text: Действовать, next: b}
          - id: b
            text: Дальше?
            choices:
              - {id: done, text: Готово, next: end}
        endings:
          - {id: fine, title: Хорошо}
  - id: hack
    kind: board
    attribution: team
    vote: {dots: 3, per_card: 1, own_team: true}
    top: 3
    prompts:
      - {id: p1, question: "Что улучшить?"}
`

// hostileText is one way of sending a text, and what the server must keep
// of it: "" when it must refuse it with bad_text.
type hostileText struct{ what, in, want string }

// overlays are combining marks that compose with no letter, so that the
// cleaned text is easy to predict.
const overlays = "\u0334\u0335\u0336\u0337\u0338"

// hostileTexts are the attacks on one field: a right-to-left override, 50
// combining marks on the first letter and 3 on every other, control and format characters, a text
// of nothing visible and one far over any field's limit (3 KB, which still
// fits a phone's frame). The three accepted ones carry w1, w2 and w3.
func hostileTexts(w1, w2, w3 string) []hostileText {
	var in, want strings.Builder
	marks := 50
	for _, r := range w2 {
		in.WriteRune(r)
		want.WriteRune(r)
		if unicode.IsLetter(r) {
			for k := range marks {
				in.WriteRune([]rune(overlays)[k%len([]rune(overlays))])
			}
			want.WriteString(overlays[:2*2]) // two marks of two bytes each
			marks = 3
		}
	}
	r3 := []rune(w3)
	return []hostileText{
		{"RTL override", "\u202e" + w1 + "\u202c", w1},
		{"zalgo", in.String(), want.String()},
		{"control characters", "\x00" + string(r3[:1]) + "\x07\u200b" + string(r3[1:2]) + "\x1b\ufeff\u2066" + string(r3[2:]) + "\x7f", w3},
		{"nothing visible", "\u202e\u200b\u2066\u00ad\u3164", ""},
		{"3 KB", strings.Repeat("ж", 3<<10/2), ""},
	}
}

// tenKB is a text of 10 KB: over a phone's frame limit, within the host's.
var tenKB = strings.Repeat("ж", 10<<10/2)

// strs calls fn with every string in a decoded JSON value.
func strs(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, e := range v {
			strs(e, fn)
		}
	case map[string]any:
		for k, e := range v {
			fn(k)
			strs(e, fn)
		}
	}
}

func frameStrings(f frame, fn func(string)) {
	var v any
	if json.Unmarshal(f.Data, &v) == nil {
		strs(v, fn)
	}
	fn(f.Message)
}

// shows waits until the latest frame of some type that cl received holds
// want as a whole string.
func shows(cl *client, where, want string) {
	cl.t.Helper()
	cl.waitFor(fmt.Sprintf("%s to show %q", where, want), func(cl *client) bool {
		found := false
		for _, f := range cl.latest {
			frameStrings(f, func(s string) { found = found || s == want })
		}
		return found
	})
}

// hostileRunes describes what in s should never reach a screen: a control
// or format character (but a line break, or the joiners emoji need), more
// than two combining marks in a row, or a run of a 10 KB text.
func hostileRunes(s string) string {
	if strings.Contains(s, strings.Repeat("ж", 300)) {
		return "a run of a 10 KB text"
	}
	marks := 0
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me):
			if marks++; marks > 2 {
				return "more than two combining marks on a letter"
			}
			continue
		case r == '\n', r == '\u200c', r == '\u200d':
		case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co):
			return fmt.Sprintf("%U", r)
		}
		marks = 0
	}
	return ""
}

// refuses sends a command that must be refused with bad_text and a sentence.
func refuses(t *testing.T, cl *client, what, typ string, data map[string]any) {
	t.Helper()
	if f := cl.reply(cl.send(typ, data)); f.Type != "error" || f.Code != "bad_text" || f.Message == "" {
		t.Errorf("%s %s: %s %s %q, want error bad_text with a message", typ, what, f.Type, f.Code, f.Message)
	}
}

// tooBig sends a 10 KB text on a socket of its own with token: a frame over
// the socket's limit closes it with 1009, one within it is refused with
// bad_text.
func tooBig(t *testing.T, base, roomID, token string, host bool, typ string, data map[string]any) {
	t.Helper()
	cl := dial(t, base, roomID, token)
	cl.waitFor("welcome", func(cl *client) bool { _, ok := cl.latest["welcome"]; return ok })
	b, _ := json.Marshal(map[string]any{"id": "big", "type": typ, "data": data})
	limit := readLimit
	if host {
		limit = hostReadLimit
	}
	if len(b) <= limit {
		refuses(t, cl, "10 KB", typ, data)
		cl.close()
		return
	}
	_ = cl.c.Write(context.Background(), websocket.MessageText, b) // the server may close first
	cl.waitFor("close for a 10 KB frame", func(cl *client) bool { return cl.closed != nil })
	if websocket.CloseStatus(cl.closed) != websocket.StatusMessageTooBig {
		t.Errorf("%s with 10 KB: closed with %v, want 1009", typ, cl.closed)
	}
}

// TestFreeTextCleaned sends every free text a client can send, each
// attacked the way a hostile phone or a careless host would, over real
// WebSockets through a room with a quiz, a game and a board: text answers,
// a game's reasons, cards, card edits, notes, themes, theme names and
// recommendation fields. The server keeps each cleaned like a name or
// refuses it with bad_text; the projector groups answers after cleaning;
// and nothing hostile reaches any frame of the host, the screen or a phone,
// nor any export.
func TestFreeTextCleaned(t *testing.T) {
	sc, err := scenario.Parse("text.yaml", []byte(textYAML))
	if err != nil {
		t.Fatal(err)
	}
	e := startEnv(t, store.NewMemory(), []*scenario.Scenario{sc})
	base := e.url
	c := createRoom(t, base, map[string]any{"scenario": "text-cleaning", "team_count": 2})
	// Joined in order: the first of each team is its captain.
	names := []string{"Анна", "Борис", "Вера", "Глеб", "Дина", "Егор"}
	var joins []joined
	var phones []*client
	for i, n := range names {
		j := joinRoom(t, base, c.Code, n, fmt.Sprintf("t%d", i/3+1))
		joins = append(joins, j)
		phones = append(phones, dial(t, base, c.Room, j.Token))
	}
	host := dial(t, base, c.Room, c.HostToken)
	screen := dial(t, base, c.Room, c.ScreenToken)
	for _, p := range phones {
		p.waitFor("me", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
	}
	phase := func(cl *client, want string) {
		t.Helper()
		typ := "view"
		if cl != host && cl != screen {
			typ = "state"
		}
		cl.waitFor("phase "+want, func(cl *client) bool {
			v, ok := latestData[struct{ Phase string }](cl, typ)
			return ok && v.Phase == want
		})
	}
	// next moves the room on until the host's view is in phase want. A view
	// that changes the phase is sent before the ack of the next that made it.
	next := func(want string) {
		t.Helper()
		for range 4 {
			host.do("next", nil)
			host.mu.Lock()
			v, _ := latestData[struct{ Phase string }](host, "view")
			host.mu.Unlock()
			if v.Phase == want {
				return
			}
		}
		t.Fatalf("no phase %q after 4 nexts", want)
	}

	{ // Text answers.
		host.do("start", nil)
		phase(phones[0], "question")
		answer := func(text string) map[string]any { return map[string]any{"question": "q1", "text": text} }
		// Anna, Boris and Vera send the accepted attacks; Gleb the refused ones.
		for i, h := range hostileTexts("Канберра", "Сидней", "Канберра") {
			p := phones[min(i, 3)]
			if h.want == "" {
				refuses(t, p, h.what, "answer", answer(h.in))
				continue
			}
			p.do("answer", answer(h.in))
			shows(p, names[i]+"'s phone", h.want)
		}
		tooBig(t, base, c.Room, joins[3].Token, false, "answer", answer(tenKB))
		// Variants that differ only in what cleaning removes, and in case.
		phones[3].do("answer", answer("канберра"))
		phones[4].do("answer", answer("Кан\u200bбер\u2060ра"))
		phones[5].do("answer", answer("КАНБЕРРА "))

		// The question closes itself once everyone has answered; the
		// projector's most common answers group the cleaned texts.
		type counted struct {
			Text  string
			Count int
		}
		var got []counted
		screen.waitFor("the reveal", func(cl *client) bool {
			v, ok := latestData[struct {
				Phase  string
				Reveal *struct{ Texts []counted }
			}](cl, "view")
			if ok && v.Phase == "reveal" && v.Reveal != nil {
				got = v.Reveal.Texts
			}
			return got != nil
		})
		zalgo := hostileTexts("Канберра", "Сидней", "Канберра")[1].want
		if want := []counted{{"Канберра", 5}, {zalgo, 1}}; !slices.Equal(got, want) {
			t.Errorf("most common answers on the projector: %v, want %v", got, want)
		}
	}

	{ // A game's reasons.
		next("game")
		pick := func(why string) map[string]any { return map[string]any{"node": "a", "choice": "act", "why": why} }
		anna := phones[0]
		cases := hostileTexts("Потому что один", "Потому что два", "Потому что три")
		for _, h := range append(cases[1:], cases[0]) { // the RTL one last: it is the reason that stays
			if h.want == "" {
				refuses(t, anna, h.what, "game.pick", pick(h.in))
				continue
			}
			anna.do("game.pick", pick(h.in))
			shows(host, "the host", h.want)
			shows(phones[1], "a teammate's phone", h.want)
		}
		tooBig(t, base, c.Room, joins[0].Token, false, "game.pick", pick(tenKB))
		phones[3].do("game.pick", map[string]any{"node": "a", "choice": "wait", "why": " \t "}) // blank: no reason
		for _, p := range []*client{anna, phones[3]} {
			p.do("game.confirm", map[string]any{"node": "a"})
			p.waitFor("node b", func(cl *client) bool {
				m, ok := latestData[gameMeFrame](cl, "me")
				return ok && m.Game != nil && m.Game.Node != nil && m.Game.Node.ID == "b"
			})
			p.do("game.pick", map[string]any{"node": "b", "choice": "done"})
			p.do("game.confirm", map[string]any{"node": "b"})
		}
		next("debrief")
		shows(screen, "the projector's debrief", cases[0].want)
	}

	{ // A board's cards, notes, themes and recommendations.
		next("write")
		boris, vera, dina := phones[1], phones[2], phones[4]
		card := func(text string) map[string]any { return map[string]any{"prompt": "p1", "text": text} }
		cards := hostileTexts("Идея один", "Идея два", "Идея три")
		for _, h := range cards {
			if h.want == "" {
				refuses(t, boris, h.what, "board.card", card(h.in))
				continue
			}
			boris.do("board.card", card(h.in))
			shows(boris, "the writer's phone", h.want)
			shows(vera, "a teammate's phone", h.want)
			shows(host, "the host", h.want)
		}
		tooBig(t, base, c.Room, joins[1].Token, false, "board.card", card(tenKB))
		dina.do("board.card", card("Идея другой команды"))
		var ids []string // Boris's three cards, then Dina's
		host.waitFor("four cards", func(cl *client) bool {
			v, ok := boardOf[boardViewT](cl, "view")
			if !ok || len(v.Cards) != 4 {
				return false
			}
			ids = nil
			for _, w := range []string{cards[0].want, cards[1].want, cards[2].want, "Идея другой команды"} {
				for _, c := range v.Cards {
					if c.Text == w {
						ids = append(ids, c.ID)
					}
				}
			}
			return len(ids) == 4
		})

		// The host sends Boris's cards back with notes; Vera rewrites them.
		next("reveal")
		note := func(card, text string) map[string]any { return map[string]any{"card": card, "note": text} }
		notes := hostileTexts("Уточните один", "Уточните два", "Уточните три")
		for i, h := range notes {
			if h.want == "" {
				refuses(t, host, h.what, "board.reformulate", note(ids[0], h.in))
				continue
			}
			host.do("board.reformulate", note(ids[i], h.in))
			shows(vera, "the team's phone", h.want)
		}
		tooBig(t, base, c.Room, c.HostToken, true, "board.reformulate", note(ids[0], tenKB))
		edit := func(card, text string) map[string]any { return map[string]any{"card": card, "text": text} }
		edits := hostileTexts("Договор один", "Договор два", "Договор три")
		for i, h := range edits {
			if h.want == "" {
				refuses(t, vera, h.what, "board.edit", edit(ids[0], h.in))
				continue
			}
			vera.do("board.edit", edit(ids[i], h.in))
			shows(boris, "a teammate's phone", h.want)
			shows(host, "the host", h.want)
		}
		tooBig(t, base, c.Room, joins[2].Token, false, "board.edit", edit(ids[0], tenKB))

		// Themes and their names, from the host.
		next("group")
		theme := func(name, card string) map[string]any { return map[string]any{"name": name, "card": card} }
		themes := hostileTexts("Связь один", "Связь два", "Связь три")
		for i, h := range themes {
			if h.want == "" {
				refuses(t, host, h.what, "board.theme", theme(h.in, ""))
				continue
			}
			host.do("board.theme", theme(h.in, ids[i]))
			shows(host, "the host", h.want)
			shows(screen, "the projector", h.want)
		}
		tooBig(t, base, c.Room, c.HostToken, true, "board.theme", theme(tenKB, ""))
		hv, _ := boardNow[boardViewT](host, "view")
		var first string
		for _, th := range hv.Themes {
			if th.Name == themes[0].want {
				first = th.ID
			}
		}
		rename := func(name string) map[string]any { return map[string]any{"theme": first, "name": name} }
		renames := hostileTexts("Роли один", "Роли два", "Роли три")
		for _, h := range renames {
			if h.want == "" {
				refuses(t, host, h.what, "board.rename", rename(h.in))
				continue
			}
			host.do("board.rename", rename(h.in))
			shows(screen, "the projector", h.want)
		}
		tooBig(t, base, c.Room, c.HostToken, true, "board.rename", rename(tenKB))

		// Everyone votes, then teams fill in their recommendations.
		next("vote")
		for _, p := range phones {
			for _, id := range ids[:3] {
				p.do("board.dots", map[string]any{"card": id, "dots": 1})
			}
		}
		next("results")
		next("recommend")
		var rec string
		boris.waitFor("a recommendation", func(cl *client) bool {
			m, ok := boardOf[boardMeT](cl, "me")
			if ok && len(m.Recs) > 0 {
				rec = m.Recs[0]
			}
			return rec != ""
		})
		for _, field := range []string{"action", "deadline", "risk"} {
			fill := func(text string) map[string]any { return map[string]any{"theme": rec, field: text} }
			for _, h := range hostileTexts(field+" один", field+" два", field+" три") {
				if h.want == "" {
					refuses(t, boris, field+" "+h.what, "board.fill", fill(h.in))
					continue
				}
				boris.do("board.fill", fill(h.in))
				shows(boris, "the team's phone", h.want)
				shows(host, "the host", h.want)
			}
			tooBig(t, base, c.Room, joins[1].Token, false, "board.fill", fill(tenKB))
		}
		next("final")
	}

	// Nothing hostile in any frame anyone received, nor in any export; the
	// exports carry the cleaned texts.
	for i, cl := range append([]*client{host, screen}, phones...) {
		who := "host"
		switch {
		case cl == screen:
			who = "screen"
		case i >= 2:
			who = names[i-2] + "'s phone"
		}
		cl.mu.Lock()
		for _, f := range cl.all {
			frameStrings(f, func(s string) {
				if bad := hostileRunes(s); bad != "" {
					t.Errorf("%s received %q in a %s frame: %s", who, s, f.Type, bad)
				}
			})
		}
		cl.mu.Unlock()
	}
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(base + "/api/rooms/" + c.Room + path + "?token=" + c.HostToken)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return strings.TrimPrefix(string(b), "\ufeff")
	}
	exports := map[string]string{}
	for _, p := range []string{"/export.json", "/export.csv", "/board.json", "/board.csv", "/board.md"} {
		exports[p] = get(p)
		if bad := hostileRunes(exports[p]); bad != "" {
			t.Errorf("%s holds %s", p, bad)
		}
	}
	zalgo := func(w string) string { return hostileTexts("", w, "abc")[1].want }
	for p, wants := range map[string][]string{
		"/export.json": {"Канберра", zalgo("Сидней"), "Потому что один"},
		"/export.csv":  {"Канберра", zalgo("Сидней")},
		"/board.json": {"Договор один", zalgo("Договор два"), "Договор три", "Роли три", zalgo("Связь два"), "Связь три",
			"action три", "deadline три", "risk три"},
		"/board.csv": {"action три", "deadline три", "risk три", "Договор один"},
	} {
		for _, w := range wants {
			if !strings.Contains(exports[p], w) {
				t.Errorf("%s lacks %q", p, w)
			}
		}
	}
}
