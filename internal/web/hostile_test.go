package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/chromedp/chromedp"
)

// cspGuard runs in every document before the page's own scripts. Inline
// handlers and scripts are refused by the Content-Security-Policy; a refusal
// fires securitypolicyviolation, so an empty list means nothing even tried.
const cspGuard = `window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`

// hostileNames are display names that have broken other web apps: markup,
// template syntax, bidi tricks, stacked combining marks, emoji sequences,
// spreadsheet formulas, words too long to wrap and control characters.
var hostileNames = []struct{ what, name string }{
	{"script tag", `<script>window.__pwned=1</script>`},
	{"img onerror", `<img src=x onerror="window.__pwned=1">`},
	{"svg onload", `"><svg onload=window.__pwned=1>`},
	{"javascript URL", `javascript:alert(1)`},
	// {{constructor.constructor('window.__pwned=1')()}} is 50 characters,
	// over the limit; the shape is what matters to a template engine.
	{"template injection", `{{constructor.constructor('pwn()')()}}`},
	{"template literal", "${window.__pwned=1}{{7*7}}"},
	{"closing tags", `</li></ul><h1>BIG</h1>`},
	{"entities", `&lt;b&gt;not bold&lt;/b&gt;&amp;`},
	{"RTL override", "\u202Eevil\u202C"},
	{"RTL file name", "admin\u202Egnp.exe"},
	{"Arabic", "مرحبا بالعالم 123"},
	{"zalgo strike", "Z" + strings.Repeat("\u0336", 30)},
	{"zalgo", zalgo("Zalgo", 8)},
	{"emoji ZWJ", "👩‍👩‍👧‍👦🏳️‍🌈👩🏽‍💻🧑‍🤝‍🧑"},
	{"formula", `=HYPERLINK("http://x")`},
	{"long word", strings.Repeat("W", 40)},
	{"long Cyrillic word", strings.Repeat("Ж", 40)},
	{"controls", "Tab\there\nnew\x00line\r\n"},
	{"zero-width spaces", "\u200b\u200b"},
	{"zero-width joiners", "\u200d\u200c\u200d"},
	{"Hangul filler", "\u3164\u3164"},
	{"braille blank", "\u2800"},
}

// invisible reports whether a name would show as nothing at all.
func invisible(name string) bool {
	return strings.TrimFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("\u200b\u200c\u200d\u2060\u115f\u1160\u3164\uffa0\u2800", r)
	}) == ""
}

// zalgo puts n combining marks on every letter of word.
func zalgo(word string, n int) string {
	var b strings.Builder
	for i, r := range []rune(word) {
		b.WriteRune(r)
		for k := range n {
			b.WriteRune(rune(0x300 + (i*n+k)%0x70))
		}
	}
	return b.String()
}

// pageCheck is what a page reports about scripts that should not have run.
type pageCheck struct {
	Guard    bool     `json:"guard"`    // the cspGuard ran
	Pwned    bool     `json:"pwned"`    // window.__pwned was set
	CSP      []string `json:"csp"`      // security policy violations
	Injected []string `json:"injected"` // elements that markup in a name would make
}

const pageCheckJS = `(() => ({
	guard: Array.isArray(window.__csp),
	pwned: window.__pwned !== undefined,
	csp: window.__csp || [],
	injected: [...document.querySelectorAll('script:not([src]), img[src="x"], svg[onload], [onerror], [onload], h1 h1, li h1, a[href^="javascript:"]')].map(e => e.outerHTML.slice(0, 120)),
}))()`

// layoutJS lists what sticks out of a window %d pixels wide: the page, a
// name outside the window or wider than its container.
const layoutJS = `(() => {
	const out = [];
	const W = %d;
	const sw = document.documentElement.scrollWidth;
	if (sw > W) out.push('page is ' + sw + 'px wide in a ' + W + 'px window');
	// A name on a podium may not push the podium down off the screen.
	for (const [sel, lines] of [['.podium-name', 2], ['.p-podium-name', 3]]) {
		for (const el of document.querySelectorAll(sel)) {
			const h = el.getBoundingClientRect().height, lh = parseFloat(getComputedStyle(el).lineHeight);
			if (h > lines * lh + 1) out.push(sel + ' "' + el.textContent.slice(0, 20) + '" is ' + Math.round(h / lh) + ' lines tall, want at most ' + lines);
		}
	}
	const names = '.chip, .team-card-name, .lb-name, .lb-team-tag, .top-value, .podium-name, .h-team-name, .h-player-name, .p-me-name, .p-me-team, [data-testid="my-team"], .p-team-row-name, .p-podium-name, .p-stat-sub, .p-your-answer b';
	for (const el of document.querySelectorAll(names)) {
		if (!el.getClientRects().length) continue;
		const r = el.getBoundingClientRect();
		const p = el.parentElement.getBoundingClientRect();
		const what = el.className + ' "' + el.textContent.slice(0, 20) + '"';
		if (r.left < -1 || r.right > W + 1) out.push(what + ' leaves the window: ' + Math.round(r.left) + '..' + Math.round(r.right));
		else if (r.left < p.left - 1 || r.right > p.right + 1) out.push(what + ' overflows its container: ' + Math.round(r.right) + ' > ' + Math.round(p.right));
	}
	return out;
})()`

// TestHostileStrings shows hostile display names (players and teams) and
// hostile text answers on the projector, the host remote and a phone in
// Chromium, and checks that they appear as text, run nothing, trip no
// Content-Security-Policy report and break no layout. The server may clean
// a name or refuse it with a typed error; a 10 KB name must be refused.
// Screenshots go where TestBrowserQuiz puts them.
func TestHostileStrings(t *testing.T) {
	execPath := chromiumPath(t)
	base := startTestServer(t)

	// Hostile team names, each within 40 characters.
	longTeam := strings.Repeat("Щ", 40)
	c := createRoom(t, base, map[string]any{
		"scenario": "partnership-quiz", "team_mode": "average", "team_count": 4,
		"teams": []string{
			`<script>window.__pwned=1</script>`,
			`"><img src=x onerror=window.__pwned=1>`,
			longTeam,
			"Z" + strings.Repeat("\u0336", 8) + " \u202Eevil\u202C 🏳️‍🌈",
		},
	})
	var info struct {
		Title string `json:"title"`
		Teams []struct{ ID, Name string }
	}
	getJSON(t, base+"/api/join/"+c.Code, &info)
	longTeamID := ""
	for _, tm := range info.Teams {
		t.Logf("team %s stored as %q", tm.ID, tm.Name)
		if tm.Name == longTeam {
			longTeamID = tm.ID
		}
	}
	if len(info.Teams) != 4 || longTeamID == "" {
		t.Fatalf("teams = %+v, want the 4 hostile names", info.Teams)
	}

	// A 10 KB name is refused with a typed error before it reaches anyone.
	var e struct{ Error, Message string }
	if status := postJSON(t, base+"/api/join", map[string]string{"code": c.Code, "name": strings.Repeat("A", 10<<10)}, &e); status != http.StatusBadRequest || e.Error != "bad_name" || e.Message == "" {
		t.Errorf("10 KB name: %d %+v, want 400 bad_name with a message", status, e)
	}

	// Join everyone over the API. The server may clean a name (control and
	// bidi characters, stacked marks) or refuse it, but only with a typed
	// error. The phone in Chromium joins the team with the longest name.
	type player struct {
		what, sent string
		joined
	}
	var players []player
	var phone *player
	for _, hn := range hostileNames {
		team := ""
		if hn.what == "img onerror" {
			team = longTeamID
		}
		var j struct {
			joined
			Message string `json:"message"`
		}
		status := postJSON(t, base+"/api/join", map[string]string{"code": c.Code, "name": hn.name, "team": team}, &j)
		switch {
		case status == http.StatusCreated && j.Token != "":
			players = append(players, player{hn.what, hn.name, j.joined})
		case status == http.StatusBadRequest && j.Error == "bad_name", status == http.StatusConflict && j.Error == "name_taken":
			t.Logf("%s %q refused: %d %s (%s)", hn.what, hn.name, status, j.Error, j.Message)
		default:
			t.Errorf("join as %s %q: %d %+v, want 201, or 400 bad_name / 409 name_taken", hn.what, hn.name, status, j)
		}
	}
	if len(players) < 8 {
		t.Fatalf("only %d hostile names joined, want at least 8", len(players))
	}
	for i := range players {
		if players[i].what == "img onerror" {
			phone = &players[i]
		}
	}
	if phone == nil {
		phone = &players[0]
	}

	// Everyone but the Chromium phone is online over a WebSocket.
	phones := map[string]*client{}
	for _, p := range players {
		if p.Player == phone.Player {
			continue
		}
		cl := dial(t, base, c.Room, p.Token)
		cl.waitFor(p.what+" me", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
		phones[p.Player] = cl
	}
	host := dial(t, base, c.Room, c.HostToken)
	v := waitView(host, "everyone in the lobby", func(v hostileView) bool {
		return v.Phase == "lobby" && v.Players == len(players) && v.Online == len(players)-1
	})
	stored := map[string]string{} // player id → name as the server keeps it
	var names []string
	for _, tm := range v.Teams {
		for _, p := range tm.Players {
			stored[p.ID] = p.Name
			names = append(names, p.Name)
		}
	}
	for _, p := range players {
		t.Logf("%-18s sent %-45q stored %q", p.what, p.sent, stored[p.Player])
		if invisible(stored[p.Player]) {
			t.Errorf("server accepted an invisible name: %s %q is stored as %q", p.what, p.sent, stored[p.Player])
		}
	}

	b := newBrowser(t, execPath)
	widths := map[context.Context]int64{}
	// Every tab carries the CSP guard for every document it loads.
	newTab := func(width, height int64, phone bool) context.Context {
		t.Helper()
		tab := b.tab(width, height, phone, cspGuard)
		widths[tab] = width
		return tab
	}
	safe := func(tab context.Context, where string) {
		t.Helper()
		pc, err := chromedp.Run(tab, chromedp.Evaluate[pageCheck](pageCheckJS))
		if err != nil {
			t.Fatalf("%s: check scripts: %v", where, err)
		}
		if !pc.Guard {
			t.Fatalf("%s: the CSP listener is not installed", where)
		}
		if pc.Pwned {
			t.Errorf("%s: a hostile string ran a script (window.__pwned is set)", where)
		}
		if len(pc.CSP) > 0 {
			t.Errorf("%s: Content-Security-Policy violations: %q", where, pc.CSP)
		}
		if len(pc.Injected) > 0 {
			t.Errorf("%s: markup from a hostile string became elements: %q", where, pc.Injected)
		}
	}
	// fits checks that nothing is wider than the window or its box.
	fits := func(tab context.Context, where string) {
		t.Helper()
		bad, err := chromedp.Run(tab, chromedp.Evaluate[[]string](fmt.Sprintf(layoutJS, widths[tab])))
		if err != nil {
			t.Fatalf("%s: check layout: %v", where, err)
		}
		for _, b := range bad {
			t.Errorf("%s: %s", where, b)
		}
	}
	// shows waits until sel matches as many elements as there are names,
	// checks that nothing ran, then that each name is the text of one.
	shows := func(tab context.Context, where, sel string, want []string) {
		t.Helper()
		b.waitFor(tab, fmt.Sprintf("%d names on the %s", len(want), where),
			fmt.Sprintf(`document.querySelectorAll(%s).length >= %d`, jsString(sel), len(want)))
		safe(tab, where)
		missing, err := chromedp.Run(tab, chromedp.Evaluate[[]string](fmt.Sprintf(
			`(() => { const got = [...document.querySelectorAll(%s)].map(e => e.textContent); return %s.filter(n => !got.includes(n)); })()`,
			jsString(sel), jsValue(want))))
		if err != nil {
			t.Fatalf("%s: read names: %v", where, err)
		}
		if len(missing) > 0 {
			t.Errorf("%s: names not shown as their text: %q", where, missing)
		}
	}

	// The projector's lobby lists every name as text.
	projector := newTab(1920, 1080, false)
	b.do(projector, "open the projector",
		chromedp.Navigate(base+"/screen/"+c.Room+"#h="+c.HostToken),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="lobby-player"]`)),
	)
	shows(projector, "projector lobby", `[data-testid="lobby-player"]`, names)
	for _, s := range []string{"<script>", "<img src=x onerror=", "<svg onload=", "{{", "&lt;b&gt;", "</h1>"} {
		if !b.evalBool(projector, fmt.Sprintf(`document.body.innerText.includes(%s)`, jsString(s))) {
			t.Errorf("projector lobby: %q is not shown as text", s)
		}
	}
	fits(projector, "projector lobby")
	b.screenshot(projector, "projector-hostile-lobby-1920x1080.png")

	// The host remote lists every player with a kick button.
	remote := newTab(390, 844, true)
	b.do(remote, "open the host remote",
		chromedp.Navigate(base+"/host/"+c.Room+"#h="+c.HostToken),
		chromedp.WaitVisible(chromedp.CSS(`.h-player-name`)),
	)
	shows(remote, "host remote", `.h-player-name`, names)
	fits(remote, "host remote")
	b.screenshot(remote, "host-hostile-lobby-390x844.png")

	// The phone resumes the joined player from localStorage, the way
	// play.js keeps it after joining.
	mobile := newTab(390, 844, true)
	rec, _ := json.Marshal(map[string]string{
		"room": c.Room, "token": phone.Token, "player": phone.Player, "team": phone.Team,
		"code": c.Code, "name": phone.sent, "title": info.Title,
	})
	roomJS, _ := json.Marshal(c.Room)
	b.do(mobile, "seed the phone's localStorage",
		chromedp.Navigate(base+"/healthz"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem(%s, %s); localStorage.setItem('huddle.player.last', %s)`,
			jsString("huddle.player."+c.Room), jsString(string(rec)), jsString(string(roomJS)))),
	)
	b.do(mobile, "open the phone",
		chromedp.Navigate(base+"/play"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="p-lobby"]`)),
	)
	var mates []string
	for _, tm := range v.Teams {
		if tm.ID == phone.Team {
			for _, p := range tm.Players {
				mates = append(mates, p.Name)
			}
		}
	}
	shows(mobile, "phone lobby", `.p-team-card .chip`, mates)
	if got := b.evalString(mobile, `document.querySelector('[data-testid="me-name"]').textContent`); got != stored[phone.Player] {
		t.Errorf("the phone's own name is %q, want %q", got, stored[phone.Player])
	}
	if got := b.evalString(mobile, `document.querySelector('[data-testid="my-team"]').textContent`); got != longTeam {
		t.Errorf("the phone's team is %q, want %q", got, longTeam)
	}
	fits(mobile, "phone lobby")
	b.screenshot(mobile, "phone-hostile-lobby-390x844.png")

	// Play up to the first text question; players answer it with hostile
	// strings, and the projector shows the answers at the reveal.
	host.do("start", nil)
	var q *hostileQuestion
	for range 10 {
		v = waitView(host, "a question", func(v hostileView) bool { return v.Phase == "question" && v.Question != nil })
		if v.Question.Type == "text" {
			q = v.Question
			break
		}
		host.do("close", nil)
		waitView(host, "the reveal", func(v hostileView) bool { return v.Phase == "reveal" })
		host.do("next", nil)
		waitView(host, "the leaderboard", func(v hostileView) bool { return v.Phase == "leaderboard" })
		host.do("next", nil)
	}
	if q == nil {
		t.Fatal("no text question in the first 10 questions of partnership-quiz")
	}
	answered := 0
	for _, p := range players {
		cl := phones[p.Player]
		if cl == nil {
			continue
		}
		f := cl.reply(cl.send("answer", map[string]any{"question": q.ID, "text": p.sent}))
		if f.Type == "ack" {
			answered++
		} else {
			t.Logf("answer %q refused: %s %s", p.sent, f.Code, f.Message)
		}
	}
	if answered == 0 {
		t.Fatal("no hostile text answer was accepted")
	}
	const typed = `<img src=x onerror=window.__pwned=1>`
	b.do(mobile, "the phone answers the text question",
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="p-question"][data-question=%q]`, q.ID))),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="answer-input"]`), typed),
		chromedp.Click(chromedp.CSS(`[data-testid="answer-submit"]`)),
	)
	// The last answer closes the question by itself, and the phone may
	// already show the result instead.
	b.waitFor(mobile, "the phone's answer acknowledged", `(() => {
		const s = document.querySelector('[data-testid="answer-status"]');
		return (s && s.dataset.state === 'ok') || !!document.querySelector('[data-testid="p-reveal"]');
	})()`)
	safe(mobile, "phone question")
	fits(mobile, "phone question")

	if f := host.reply(host.send("close", nil)); f.Type != "ack" && f.Code != "question_closed" && f.Code != "wrong_phase" {
		t.Fatalf("close: %s %s", f.Code, f.Message)
	}
	b.do(projector, "the reveal on the projector",
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="phase-reveal"][data-question=%q]`, q.ID))),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="top-answers"]`)),
	)
	b.waitFor(projector, "a hostile answer shown as text",
		`[...document.querySelectorAll('.top-value')].some(e => e.textContent.includes('<'))`)
	safe(projector, "projector reveal")
	fits(projector, "projector reveal")
	b.screenshot(projector, "projector-hostile-reveal-1920x1080.png")
	b.do(mobile, "the result on the phone", chromedp.WaitVisible(chromedp.CSS(`[data-testid="p-reveal"]`)))
	if got := b.evalString(mobile, `(document.querySelector('.p-your-answer b') || {}).textContent`); got != typed {
		t.Errorf("the phone shows its answer as %q, want the text %q", got, typed)
	}
	safe(mobile, "phone reveal")
	fits(mobile, "phone reveal")

	// The leaderboard names players on the projector and on the phone.
	host.do("next", nil)
	b.do(projector, "the leaderboard on the projector",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="phase-leaderboard"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="lb-player-name"]`)),
	)
	b.waitFor(projector, "only stored names on the leaderboard", fmt.Sprintf(
		`[...document.querySelectorAll('[data-testid="lb-player-name"]')].every(e => %s.includes(e.textContent))`, jsValue(names)))
	safe(projector, "projector leaderboard")
	fits(projector, "projector leaderboard")
	b.screenshot(projector, "projector-hostile-leaderboard-1920x1080.png")
	// A phone keeps its reveal through the leaderboard; reloaded, it is
	// shown the leaderboard itself.
	b.do(mobile, "the leaderboard on the reloaded phone", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="p-leaderboard"]`)))
	safe(mobile, "phone leaderboard")
	fits(mobile, "phone leaderboard")
	b.screenshot(mobile, "phone-hostile-leaderboard-390x844.png")
	safe(remote, "host remote after the reveal")
	fits(remote, "host remote after the reveal")
	b.screenshot(remote, "host-hostile-leaderboard-390x844.png")

	// The podium names the teams.
	host.do("end", nil)
	b.do(projector, "the podium on the projector", chromedp.WaitVisible(chromedp.CSS(`[data-testid="podium"]`)))
	safe(projector, "projector podium")
	fits(projector, "projector podium")
	b.screenshot(projector, "projector-hostile-podium-1920x1080.png")
	b.do(mobile, "the end on the phone", chromedp.WaitVisible(chromedp.CSS(`[data-testid="p-finished"]`)))
	safe(mobile, "phone podium")
	fits(mobile, "phone podium")
	b.screenshot(mobile, "phone-hostile-podium-390x844.png")
}

// hostileView is the part of the host's view this test reads.
type hostileView struct {
	Phase    string           `json:"phase"`
	Players  int              `json:"players"`
	Online   int              `json:"online"`
	Question *hostileQuestion `json:"question"`
	Teams    []struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Players []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"players"`
	} `json:"teams"`
}

type hostileQuestion struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// waitView waits for a host or screen view that satisfies ok and returns it.
func waitView(cl *client, what string, ok func(hostileView) bool) hostileView {
	cl.t.Helper()
	var v hostileView
	cl.waitFor(what, func(cl *client) bool {
		var got bool
		v, got = latestData[hostileView](cl, "view")
		return got && ok(v)
	})
	return v
}

func getJSON(t testing.TB, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// jsValue writes v as a JavaScript literal: JSON is valid JavaScript, and
// encoding/json escapes U+2028 and U+2029 too.
func jsValue(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsString(s string) string { return jsValue(s) }
