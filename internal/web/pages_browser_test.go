package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/static"
)

// coursePages are the pages TestBrowserCourse serves: the embedded ones.
var coursePages fs.FS = static.FS

// netGuard sees every request the course's tabs make. The venue may have
// no internet: a request to any host but this machine fails the test, and
// is refused so that the page shows what it would show offline.
type netGuard struct {
	mu      sync.Mutex
	seen    int
	foreign []string
}

// watch intercepts every request of tab from now on (Fetch domain).
func (g *netGuard) watch(t *testing.T, tab context.Context) {
	t.Helper()
	events := chromedp.Events(tab, fetch.RequestPaused)
	if _, err := chromedp.Call(tab, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		t.Fatalf("intercept requests: %v", err)
	}
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			local := isLocal(ev.Request.URL)
			g.mu.Lock()
			g.seen++
			if !local {
				g.foreign = append(g.foreign, ev.Request.URL)
			}
			g.mu.Unlock()
			if local {
				_, _ = chromedp.Call(tab, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			} else {
				_, _ = chromedp.Call(tab, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
			}
		}
	}()
}

func (g *netGuard) report() (int, []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.seen, slices.Clone(g.foreign)
}

// isLocal reports whether a request stays on this machine: a loopback
// address, or no network at all (data:, blob:).
func isLocal(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "blob":
		return true
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// brokenWordsJS lists the names on the page with a word drawn on more
// than one line: broken inside the word. A name of several words may wrap
// between them; each word keeps to one line (or ends in an ellipsis).
const brokenWordsJS = `(() => {
	const out = [];
	const names = '.team-choice-name, .p-me-team, .p-team-card h2, .team-card-name, .lb-name, .h-team-name, .h-player-name, ' +
		'.p-team-row-name, .p-podium-name, .podium-name, .g-rank-name, .chip';
	for (const el of document.querySelectorAll(names)) {
		if (!el.getClientRects().length) continue;
		const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			for (const m of n.textContent.matchAll(/\S+/g)) {
				const r = document.createRange();
				r.setStart(n, m.index);
				r.setEnd(n, m.index + m[0].length);
				const lines = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
				if (lines.size > 1) out.push(m[0] + ' in «' + el.textContent.trim() + '»');
			}
		}
	}
	return out.join(', ');
})()`

// noDialogs makes confirm() and alert() in a tab answer "no" and leave a
// trace, so that a test sees a dialog a key opened instead of hanging on it.
const noDialogs = `window.__dialogs = []; window.confirm = (m) => { window.__dialogs.push(String(m)); return false; }; window.alert = (m) => { window.__dialogs.push(String(m)); };`

// settledJS holds when only endless animations run (and the countdown's
// ticks, which run until the question closes), and the projector's screen,
// if fitted, was fitted at the window's present size (a resize refits it a
// moment later).
const settledJS = `document.getAnimations().every(a => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity ||
	(a.effect.target && a.effect.target.closest && a.effect.target.closest('.timer, .answered'))) &&
	[...document.querySelectorAll('#stage > section[data-fit]')].every(s => s.dataset.fitSize === innerWidth + 'x' + innerHeight)`

// course is the course day in Chromium: a projector at 1920×1080 and one at
// 1280×720, the remote on a 390×844 phone, six 360×740 phones in three
// teams, and the facilitator's laptop.
type course struct {
	t      *testing.T
	b      *browser
	base   string
	net    *netGuard
	big    context.Context
	small  context.Context
	remote context.Context
	phones []context.Context
	host   *client
	token  string // the room's host token: never on a projector
	shots  map[string]bool
}

func (c *course) tab(w, h int64, phone bool, scripts ...string) context.Context {
	c.t.Helper()
	tab := c.b.tab(w, h, phone, scripts...)
	c.net.watch(c.t, tab)
	// The pages honour reduced motion: screens settle at once, and the
	// course runs in a minute. fit.js measures without animations anyway.
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		c.t.Fatalf("reduced motion: %v", err)
	}
	return tab
}

// screen waits until both projectors show what cond says and their screen
// has fitted (fit.js), then checks it: nothing clipped or off the screen at
// either size, no audience text under 24px at 1920×1080, no host token in
// the page or its address. shot names the screenshots, if any.
func (c *course) screen(what, cond, shot string) {
	c.t.Helper()
	// A quiz or game screen has fitted when fit.js marked it; a board's
	// screen lays out its pages itself.
	full := fmt.Sprintf(`(() => { const ok = %s; const s = document.querySelector('#stage > section');
		return ok && !!s && (s.dataset.fit !== undefined || s.classList.contains('bd')); })()`, cond)
	for _, p := range []context.Context{c.big, c.small} {
		c.b.waitFor(p, what, full)
		c.b.waitFor(p, what+": animations over", settledJS)
	}
	assertFits(c.big, c.t, what+" at 1920×1080")
	assertFits(c.small, c.t, what+" at 1280×720")
	assertTextAtLeast(c.big, c.t, "body", 24, what+" at 1920×1080")
	for name, p := range map[string]context.Context{"1920×1080": c.big, "1280×720": c.small} {
		if broken := c.b.evalString(p, brokenWordsJS); broken != "" {
			c.t.Errorf("%s at %s: names broken inside a word: %s", what, name, broken)
		}
	}
	c.noToken(what)
	if shot != "" {
		c.shot(c.big, shot+"-1920x1080.png")
		c.shot(c.small, shot+"-1280x720.png")
	}
}

// noToken fails if the host token is anywhere a projector's audience
// could read it: the page, a field's value, the title, the address.
func (c *course) noToken(what string) {
	c.t.Helper()
	js := fmt.Sprintf(`(() => { const t = %q;
		return document.documentElement.outerHTML.includes(t) || location.href.includes(t) || document.title.includes(t) ||
			[...document.querySelectorAll('input, textarea')].some(e => e.value.includes(t)); })()`, c.token)
	for name, p := range map[string]context.Context{"1920×1080": c.big, "1280×720": c.small} {
		if c.b.evalBool(p, js) {
			c.t.Errorf("%s: the host token is on the projector at %s", what, name)
		}
	}
}

func (c *course) shot(tab context.Context, file string) {
	c.t.Helper()
	if c.shots[file] {
		return
	}
	c.shots[file] = true
	// As browser.screenshot, but a running countdown does not hold it up.
	dir := os.Getenv("HUDDLE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "huddle-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.t.Fatal(err)
	}
	c.b.do(tab, "bring "+file+" to the front", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.BringToFront, cdp.Empty{})
		return err
	}))
	c.b.waitFor(tab, "animations before "+file, settledJS)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", file, err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// phone opens a participant's phone already joined (its record in
// localStorage, as after joining), with its WebSocket twin that writes
// answers where typing is not the point.
func (c *course) phone(j joined, code, name string) context.Context {
	c.t.Helper()
	rec, _ := json.Marshal(map[string]string{"room": j.Room, "token": j.Token, "player": j.Player, "team": j.Team, "code": code, "name": name})
	seed := fmt.Sprintf(`localStorage.setItem('huddle.player.last', %q); localStorage.setItem('huddle.player.' + %q, %q);`, `"`+j.Room+`"`, j.Room, string(rec))
	p := c.tab(360, 740, true, seed)
	c.b.do(p, name+"'s phone", chromedp.Navigate(c.base+"/play"), chromedp.WaitVisible(tid("room-view")))
	return p
}

// key sends one key to a tab as a person would press it.
func (c *course) key(tab context.Context, what, key string) {
	c.t.Helper()
	c.b.do(tab, what, chromedp.KeyEvent(key))
}

func (c *course) focused(tab context.Context) string {
	return c.b.evalString(tab, `(() => { const e = document.activeElement; return e && e !== document.body ? (e.id || e.dataset.testid || e.tagName) : ''; })()`)
}

func (c *course) dialogs(tab context.Context) string {
	return c.b.evalString(tab, `(window.__dialogs || []).join(' | ')`)
}

// TestBrowserCourse runs a training day through the real pages: the shipped
// quiz (Russian), business game (English, and a debrief of seven teams) and
// hackathon board (Russian), with two projectors, the remote on a phone and
// six phones in three teams. Every projector screen fits at 1920×1080 and
// 1280×720 with audience text of 24px or more; the host token never reaches
// a projector, whatever key is pressed on whatever control; no page asks
// any host but this one for anything. Screenshots are left for a person.
func TestBrowserCourse(t *testing.T) {
	execPath := chromiumPath(t)
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The join address the projector shows is a venue's, as in the
	// screenshots of the README; the browsers use the test server's own.
	e := startEnvHub(t, st, shippedScenarios(t), func(hc *room.HubConfig) { hc.PublicURL = "http://192.168.1.20:8080" }, func(cfg *Config) {
		cfg.Static = coursePages
		manyRooms(cfg)
	}, "")
	c := &course{t: t, b: newBrowserFor(t, execPath, 4*time.Minute), base: e.url, net: &netGuard{}, shots: map[string]bool{}}

	// The guard catches what it should: a request to another host (here
	// a page; the pages' own CSP already stops their fetches) fails and is
	// reported.
	probe := c.tab(800, 600, false)
	pctx, cancel := context.WithTimeout(probe, 5*time.Second)
	_ = chromedp.Do(pctx, chromedp.Navigate("http://example.invalid/probe"))
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, f := c.net.report(); len(f) == 1 && strings.Contains(f[0], "example.invalid") {
			break
		}
		if time.Now().After(deadline) {
			_, f := c.net.report()
			n, _ := c.net.report()
			t.Fatalf("the network guard did not catch a request to another host (%d seen): %v", n, f)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.net.mu.Lock()
	c.net.foreign = nil
	c.net.mu.Unlock()

	start := time.Now()
	c.quiz()
	c.fullLobby()
	t.Logf("the quiz took %v", time.Since(start).Round(time.Millisecond))
	mark := time.Now()
	c.game()
	t.Logf("the game took %v", time.Since(mark).Round(time.Millisecond))
	mark = time.Now()
	c.board()
	t.Logf("the board took %v; the course %v", time.Since(mark).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	seen, foreign := c.net.report()
	if len(foreign) > 0 {
		t.Errorf("pages asked other hosts: %v", foreign)
	}
	if seen < 50 {
		t.Errorf("only %d requests were seen: the network guard is not watching", seen)
	}
}

// quiz: the facilitator creates the room on the laptop, pairs the remote by
// its QR code, and plays the whole shipped quiz.
func (c *course) quiz() {
	t := c.t
	laptop := c.tab(1366, 768, false)
	c.b.signIn(laptop, c.base, testLogin, testPassword)
	c.b.do(laptop, "pick the quiz",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="scenario"][data-scenario="partnership-quiz"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="scenario"][data-scenario="partnership-quiz"]`)),
		chromedp.Click(chromedp.CSS("#team-fewer")), // four teams by default: three
		chromedp.WaitEnabled(tid("create-room")),
	)
	c.b.do(laptop, "create the room", chromedp.Click(tid("create-room")), chromedp.WaitVisible(tid("room-ready")))
	c.b.waitFor(laptop, "the remote's QR code", `document.querySelector('[data-testid="remote-qr"]').naturalWidth > 0`)
	room := c.b.evalString(laptop, `document.querySelector('[data-testid="room-ready"]').dataset.room`)
	rec := c.b.evalString(laptop, fmt.Sprintf(`JSON.stringify(JSON.parse(localStorage.getItem('huddle.host.' + %q)))`, room))
	var saved struct {
		Code      string `json:"code"`
		HostToken string `json:"host_token"`
	}
	if err := json.Unmarshal([]byte(rec), &saved); err != nil || saved.HostToken == "" {
		t.Fatalf("the laptop kept no host key: %q", rec)
	}
	c.token = saved.HostToken
	if c.b.evalBool(laptop, fmt.Sprintf(`document.documentElement.outerHTML.includes(%q)`, c.token)) {
		t.Error("the room-ready page shows the host token")
	}
	c.shot(laptop, "course-room-ready-1366x768.png")
	c.host = dial(t, c.base, room, c.token)

	// The projectors: one from the laptop's "open the projector" (the
	// session), one from an old host link with the key in its address.
	c.big = c.tab(1920, 1080, false, noDialogs)
	c.b.signIn(c.big, c.base, testLogin, testPassword)
	c.b.do(c.big, "the projector through the session", chromedp.Navigate(c.base+"/screen/"+room), chromedp.WaitVisible(tid("control-start")))
	c.small = c.tab(1280, 720, false, noDialogs)
	c.b.do(c.small, "the projector from a host link", chromedp.Navigate(c.base+"/screen/"+room+"#h="+c.token), chromedp.WaitVisible(tid("control-start")))
	c.remote = c.tab(390, 844, true)
	c.b.do(c.remote, "the remote", chromedp.Navigate(c.base+"/host/"+room+"#h="+c.token), chromedp.WaitVisible(tid("host-start")))

	names := []string{"Анна Петрова", "Борис", "Вера", "Глеб Константинопольский", "Дина", "Егор"}
	var ws []*client
	c.phones = nil
	for i, name := range names[:5] {
		j := joinRoom(t, c.base, saved.Code, name, fmt.Sprintf("t%d", i%3+1))
		ws = append(ws, dial(t, c.base, room, j.Token))
		c.phones = append(c.phones, c.phone(j, saved.Code, name))
	}
	// The last phone joins through the form: no team name breaks inside a
	// word on a 360px phone.
	last := c.tab(360, 740, true)
	c.b.do(last, "Egor joins by the code",
		chromedp.Navigate(c.base+"/j/"+saved.Code),
		chromedp.WaitVisible(tid("name-input")),
		chromedp.SendKeys(tid("name-input"), names[5]),
	)
	if broken := c.b.evalString(last, brokenWordsJS); broken != "" {
		t.Errorf("names broken inside a word on a 360px phone: %s", broken)
	}
	assertTargets(last, t, "#join-form", 44, "the join form")
	c.shot(last, "course-phone-join-360x740.png")
	c.b.do(last, "Egor picks his team", chromedp.Click(chromedp.CSS(`[data-testid="team-choice"] input[value="t3"]`)), chromedp.Click(tid("join-button")), chromedp.WaitVisible(tid("you-are-in")))
	var egor joined
	c.b.waitFor(last, "Egor's record", `!!localStorage.getItem('huddle.player.last')`)
	rec = c.b.evalString(last, `localStorage.getItem('huddle.player.' + JSON.parse(localStorage.getItem('huddle.player.last')))`)
	if err := json.Unmarshal([]byte(rec), &egor); err != nil || egor.Token == "" {
		t.Fatalf("Egor's phone kept no record: %q", rec)
	}
	ws = append(ws, dial(t, c.base, room, egor.Token))
	c.phones = append(c.phones, last)
	c.screen("the lobby", `document.querySelectorAll('[data-testid="lobby-player"]').length === 6`, "course-lobby")
	c.shot(c.phones[0], "course-phone-lobby-360x740.png")
	assertTargets(c.remote, t, "main", 44, "the remote in the lobby")
	c.shot(c.remote, "course-remote-lobby-390x844.png")
	if c.b.evalBool(c.remote, `['host-close', 'host-next'].some(id => { const b = document.querySelector('[data-testid="' + id + '"]'); return b && !b.hidden; })`) {
		t.Error("the remote offers controls that do not apply in the lobby")
	}

	// Keys on the projector: Tab reaches every control, and Space on the
	// focused "End" still means next: the quiz starts, no dialog opens.
	var reached []string
	for range 10 {
		c.key(c.big, "Tab", kb.Tab)
		reached = append(reached, c.focused(c.big))
		if reached[len(reached)-1] == "ctl-end" {
			break
		}
	}
	for _, want := range []string{"s-sound", "s-fullscreen", "ctl-start", "ctl-end"} {
		if !slices.Contains(reached, want) {
			t.Errorf("Tab never reaches %s on the projector: %v", want, reached)
		}
	}
	c.key(c.big, "Space on End", " ")
	// Sound cues are off until the facilitator turns them on: then the
	// next question plays its cue.
	if c.b.evalString(c.big, `document.querySelector('[data-testid="sound-toggle"]').getAttribute('aria-pressed')`) != "false" {
		t.Error("sound cues are on before anyone turned them on")
	}
	c.b.do(c.big, "turn the sound on", chromedp.Click(tid("sound-toggle")))
	if c.b.evalString(c.big, `document.querySelector('[data-testid="sound-toggle"]').getAttribute('aria-pressed')`) != "true" {
		t.Error("the sound toggle does not say it is on")
	}

	for n := 0; ; n++ {
		var v courseView
		c.host.waitWithin(20*time.Second, "the next question", func(cl *client) bool {
			var ok bool
			v, ok = latestData[courseView](cl, "view")
			return ok && (v.Phase == "question" || v.Phase == "finished")
		})
		if v.Phase == "finished" {
			break
		}
		if d := c.dialogs(c.big); d != "" {
			t.Fatalf("a key on the projector opened a dialog: %s", d)
		}
		q := v.Question
		answer := func(i int) {
			data := map[string]any{"question": q.ID}
			switch q.Type {
			case "numeric":
				data["number"] = 55 + i*3
			case "text":
				data["text"] = []string{"поставщик социальных услуг", "НКО", "добро.рф"}[i%3]
			default:
				data["options"] = []string{q.Options[(i+n)%len(q.Options)].ID}
			}
			if f := ws[i].reply(ws[i].send("answer", data)); f.Type != "ack" {
				t.Errorf("answer %s: %s %s", q.ID, f.Code, f.Message)
			}
		}
		// Most phones answer; the question stays open for a look. In team
		// mode one team waits: a team's answer closes it for the whole team.
		first, rest := []int{1, 2, 3, 4, 5}, []int{0}
		if v.Room.TeamMode == "team" {
			first, rest = []int{1, 3}, []int{2, 4, 5, 0}
		}
		for _, i := range first {
			answer(i)
		}
		shot := map[string]string{"volunteer-law": "course-question", "fundraising": "course-question-multiple"}[q.ID]
		c.screen("question "+q.ID, fmt.Sprintf(`!!document.querySelector('[data-testid="phase-question"][data-question=%q]')`, q.ID), shot)
		switch {
		case q.ID == "hours":
			// Team mode: a teammate's answer stands in its own box; the
			// field stays empty, so typing never adds to it.
			c.b.waitFor(c.phones[0], "the team's answer on Anna's phone", `(document.querySelector('[data-testid="team-answer"]') || {textContent: ''}).textContent.includes('64')`)
			if got := c.b.evalString(c.phones[0], `document.querySelector('[data-testid="answer-input"]').value`); got != "" {
				t.Errorf("Anna's field holds %q: a teammate's answer went into it", got)
			}
			c.b.do(c.phones[0], "Anna types her own answer",
				chromedp.SendKeys(tid("answer-input"), "60"),
				chromedp.Click(tid("answer-submit")),
			)
			c.b.waitFor(c.phones[0], "Anna's answer is the team's", `document.querySelector('[data-testid="team-answer"]').textContent.includes('60') && document.querySelector('[data-testid="answer-input"]').value === ''`)
			assertTargets(c.phones[0], t, "#v-room", 44, "a phone's numeric question")
			c.shot(c.phones[0], "course-phone-team-answer-360x740.png")
			c.shot(c.remote, "course-remote-question-390x844.png")
			rest = rest[:len(rest)-1]
		case n == 2:
			// During a question → does nothing, even on "Close question".
			c.b.evalBool(c.big, `(document.querySelector('#ctl-close').focus(), true)`)
			c.key(c.big, "→ on Close question", kb.ArrowRight)
			if !c.b.evalBool(c.big, `!!document.querySelector('[data-testid="phase-question"]')`) {
				t.Error("→ on the projector closed an open question")
			}
		}
		for _, i := range rest {
			answer(i)
		}
		if f := c.host.reply(c.host.send("close", nil)); f.Type != "ack" && f.Code != "wrong_phase" && f.Code != "question_closed" {
			t.Fatalf("close %s: %s %s", q.ID, f.Code, f.Message)
		}
		shot = map[string]string{"fundraising": "course-reveal", "providers": "course-reveal-text", "volunteer-law": "course-reveal-long"}[q.ID]
		c.screen("the answer to "+q.ID, fmt.Sprintf(`!!document.querySelector('[data-testid="phase-reveal"][data-question=%q]')`, q.ID), shot)
		if n == 1 {
			c.b.waitFor(c.big, "the answer's cue", `document.documentElement.dataset.cue === 'reveal'`)
		}
		if q.ID == "fundraising" {
			c.shot(c.phones[1], "course-phone-reveal-360x740.png")
		}
		if n == 0 {
			// The remote by keyboard alone: Tab reaches "next", its focus
			// is drawn, Enter presses it.
			c.remoteByKeys()
			continue
		}
		c.host.do("next", nil)
		c.screen("the leaderboard after "+q.ID, `!!document.querySelector('[data-testid="phase-leaderboard"]')`, map[string]string{"endowment": "course-leaderboard"}[q.ID])
		if n == 3 {
			// → with the focus on "End": the next question, no dialog.
			c.b.evalBool(c.big, `(document.querySelector('#ctl-end').focus(), true)`)
			c.key(c.big, "→ on End", kb.ArrowRight)
		} else {
			c.host.do("next", nil)
		}
	}
	c.screen("the podium, veiled", `document.querySelector('[data-testid="phase-finished"]')?.dataset.revealed === '0'`, "")
	c.b.waitFor(c.big, "the podium's cue", `document.documentElement.dataset.cue === 'podium'`)
	// The host reveals it place by place, third to first; each step fits.
	for step := 1; step <= 3; step++ {
		c.host.do("next", nil)
		c.screen(fmt.Sprintf("the podium, step %d", step), fmt.Sprintf(`document.querySelector('[data-testid="phase-finished"]')?.dataset.revealed === '%d'`, step),
			map[int]string{3: "course-podium"}[step])
	}
	c.shot(c.phones[0], "course-phone-podium-360x740.png")
	c.shot(c.remote, "course-remote-finished-390x844.png")

	// Every control of the projector, reached by Tab, with Space, Enter
	// and → pressed on it: no dialog, no key, and the room still over.
	for range 8 {
		c.key(c.big, "Tab", kb.Tab)
		for _, k := range []string{" ", "\r", kb.ArrowRight} {
			c.key(c.big, "a key on "+c.focused(c.big), k)
		}
		c.noToken("keys on " + c.focused(c.big))
	}
	if d := c.dialogs(c.big); d != "" {
		t.Errorf("keys on the projector opened a dialog: %s", d)
	}
	// Back to the room's own language for what follows.
	c.b.evalBool(c.big, `(localStorage.removeItem('huddle.lang'), true)`)
}

// courseView is what the course reads of the host's view.
type courseView struct {
	Phase    string `json:"phase"`
	Question *struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Options []struct {
			ID string `json:"id"`
		} `json:"options"`
	} `json:"question"`
	Room struct {
		TeamMode string `json:"team_mode"`
	} `json:"room"`
}

// game: the shipped business game in English, three teams of two; then a
// debrief of seven teams.
func (c *course) game() {
	t := c.t
	rm := createRoom(t, c.base, map[string]any{"scenario": "ngo-day-en", "team_count": 3})
	c.token = rm.HostToken
	c.host = dial(t, c.base, rm.Room, rm.HostToken)
	for _, p := range []context.Context{c.big, c.small} {
		c.b.do(p, "the game's projector", chromedp.Navigate(c.base+"/screen/"+rm.Room+"#h="+rm.HostToken), chromedp.WaitVisible(tid("control-start")))
	}
	c.b.do(c.remote, "the game's remote", chromedp.Navigate(c.base+"/host/"+rm.Room+"#h="+rm.HostToken), chromedp.WaitVisible(tid("host-start")))
	teams := make([][]*client, 3)
	for i := range 6 {
		j := joinRoom(t, c.base, rm.Code, fmt.Sprintf("Player %d", i+1), fmt.Sprintf("t%d", i%3+1))
		teams[i%3] = append(teams[i%3], dial(t, c.base, rm.Room, j.Token))
		if i < 2 {
			rec, _ := json.Marshal(map[string]string{"room": j.Room, "token": j.Token, "player": j.Player, "team": j.Team, "code": rm.Code, "name": fmt.Sprintf("Player %d", i+1), "lang": "en"})
			c.b.evalBool(c.phones[i], fmt.Sprintf(`(localStorage.setItem('huddle.player.last', %q), localStorage.setItem('huddle.player.' + %q, %q), true)`, `"`+j.Room+`"`, j.Room, string(rec)))
			c.b.do(c.phones[i], "a phone in the game", chromedp.Navigate(c.base+"/j/"+rm.Code), chromedp.WaitVisible(tid("room-view")))
		}
	}
	c.host.do("start", nil)
	c.screen("the first case", `!!document.querySelector('[data-testid="game-screen"]') && document.querySelectorAll('[data-testid="game-team"]').length === 3`, "course-game")
	// An English room's remote speaks English.
	c.b.waitFor(c.remote, "the remote in English", `document.documentElement.lang === 'en' && document.querySelector('[data-testid="host-next"]').textContent === 'Next case' && document.querySelector('[data-testid="host-end"]').textContent === 'End'`)
	if c.b.evalBool(c.remote, `/\b(post|cause|public):/.test(document.querySelector('[data-testid="host-game"]').textContent)`) {
		t.Error("the remote shows a node's internal id")
	}
	assertTargets(c.remote, t, "main", 44, "the game's remote")
	c.shot(c.remote, "course-remote-game-390x844.png")
	c.b.waitFor(c.phones[0], "the situation on a phone", `!!document.querySelector('[data-testid="game-situation"]')`)
	assertTargets(c.phones[0], t, "#v-room", 44, "a phone in the game")
	c.shot(c.phones[0], "course-phone-game-360x740.png")

	c.host.do("game.pause", map[string]any{"paused": true})
	c.screen("the game paused", `!!document.querySelector('[data-testid="game-paused"]')`, "course-game-paused")
	c.host.do("game.pause", map[string]any{"paused": false})
	c.host.do("game.inject", map[string]any{"event": "journalist"})
	// Three cases played through; the facilitator moves everyone on from
	// the last two, so the debrief shows decisions stopped by the host too.
	for ci := 0; ; ci++ {
		if ci >= 3 {
			if !c.nextCase() {
				break
			}
			continue
		}
		for i, tm := range teams {
			c.playTeam(fmt.Sprintf("t%d", i+1), tm, i+ci, fmt.Sprintf("team %d talked it over and chose this on purpose", i+1))
		}
		c.host.waitFor("every team done", func(cl *client) bool {
			v, ok := latestData[gameHostFrame](cl, "view")
			if !ok || v.Game == nil {
				return false
			}
			for _, tm := range v.Game.Teams {
				if !tm.Done {
					return false
				}
			}
			return true
		})
		c.screen(fmt.Sprintf("case %d done", ci+1), `[...document.querySelectorAll('[data-testid="game-team"]')].every(e => e.classList.contains('done'))`, "")
		if !c.nextCase() {
			break
		}
	}
	c.debrief("course-debrief", 5)

	// Seven teams: the debrief's paths take turns in pages.
	rm = createRoom(t, c.base, map[string]any{"scenario": "ngo-day", "team_count": 7, "lang": "ru"})
	c.token = rm.HostToken
	c.host = dial(t, c.base, rm.Room, rm.HostToken)
	for _, p := range []context.Context{c.big, c.small} {
		c.b.do(p, "seven teams' projector", chromedp.Navigate(c.base+"/screen/"+rm.Room+"#h="+rm.HostToken), chromedp.WaitVisible(tid("control-start")))
	}
	teams = make([][]*client, 7)
	for i := range 7 {
		j := joinRoom(t, c.base, rm.Code, fmt.Sprintf("Участник %d", i+1), fmt.Sprintf("t%d", i+1))
		teams[i] = []*client{dial(t, c.base, rm.Room, j.Token)}
	}
	c.host.do("start", nil)
	c.screen("seven teams playing", `document.querySelectorAll('[data-testid="game-team"]').length === 7`, "")
	for i, tm := range teams {
		c.playTeam(fmt.Sprintf("t%d", i+1), tm, i, strings.Repeat("причина, ", i%3+1)+"команда так решила")
	}
	for c.nextCase() {
	}
	if n := c.debrief("course-debrief-7", 1); n == "1" || n == "" {
		t.Errorf("seven teams' paths in %q pages at 1920×1080: want them to take turns", n)
	}
	c.turnPages(rm.Room)
}

// turnPages turns the seven teams' paths from the remote and from the
// projector's keyboard: the projectors stop turning them by themselves and
// show the host's page, each wrapped around its own count, and a reloaded
// projector comes back on it.
func (c *course) turnPages(room string) {
	c.t.Helper()
	first := c.b.evalString(c.big, `document.querySelectorAll('[data-testid="debrief-tab"]')[1].dataset.tab`)
	openPaths := func(p context.Context) {
		c.b.do(p, "the first case's paths", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="debrief-tab"][data-tab=%q]`, first))))
		c.b.waitFor(p, "the paths drawn", `!!document.querySelector('[data-testid="game-paths"][data-page]')`)
	}
	for _, p := range []context.Context{c.big, c.small} {
		openPaths(p)
	}
	pages := map[context.Context]int{}
	for _, p := range []context.Context{c.big, c.small} {
		c.b.waitFor(p, "the paths fitted", settledJS)
		n, err := strconv.Atoi(c.b.evalString(p, `document.querySelector('[data-testid="game-paths"]').dataset.pages`))
		if err != nil {
			c.t.Fatal(err)
		}
		pages[p] = n
		if turned := c.b.evalString(p, `document.querySelector('[data-testid="game-paths"]').dataset.turned`); turned != "auto" {
			c.t.Errorf("paths before the host turned them: turned %q, want auto", turned)
		}
	}
	if pages[c.small] < 2 {
		c.t.Fatalf("seven teams' paths in %d pages at 1280×720: nothing to turn", pages[c.small])
	}
	// shows waits until both projectors show page (wrapped) turned by the
	// host, the shown page being the only one drawn, and checks the fit.
	shows := func(what string, page int) {
		c.t.Helper()
		for _, p := range []context.Context{c.big, c.small} {
			want := ((page % pages[p]) + pages[p]) % pages[p]
			c.b.waitFor(p, fmt.Sprintf("%s: page %d of %d", what, want+1, pages[p]), fmt.Sprintf(`(() => {
				const box = document.querySelector('[data-testid="game-paths"]');
				const shown = [...box.querySelectorAll(':scope > .fit-page')].map((e, i) => e.classList.contains('shown') && getComputedStyle(e).visibility !== 'hidden' ? i : -1).filter(i => i >= 0);
				return box.dataset.turned === 'host' && box.dataset.page === '%d' && shown.length === 1 && shown[0] === %d;
			})()`, want, want))
		}
		c.screen(what, `document.querySelector('[data-testid="game-paths"]').dataset.turned === 'host'`, "")
	}
	c.b.do(c.remote, "the remote of seven teams", chromedp.Navigate(c.base+"/host/"+room+"#h="+c.token), chromedp.WaitVisible(tid("host-screen-pages")))
	// turn presses a button (or a key) once the one before is answered,
	// and waits for the room to keep the page.
	turn := func(what string, press func(), page int) {
		c.t.Helper()
		c.b.do(c.remote, "the remote ready", chromedp.WaitEnabled(tid("screen-page-next")))
		press()
		c.host.waitFor(fmt.Sprintf("%s: the room on page %d", what, page), func(cl *client) bool {
			v, ok := latestData[struct {
				ScreenPage *int `json:"screen_page"`
			}](cl, "view")
			return ok && v.ScreenPage != nil && *v.ScreenPage == page
		})
	}
	click := func(id string) func() {
		return func() { c.b.do(c.remote, id+" on the remote", chromedp.Click(tid(id))) }
	}
	turn("›", click("screen-page-next"), 1)
	shows("the remote's ›", 1)
	c.shot(c.small, "course-debrief-7-page2-1280x720.png")
	c.shot(c.remote, "course-remote-pages-390x844.png")
	turn("]", func() { c.key(c.small, "] on the projector", "]") }, 2)
	shows("the projector's ]", 2)
	turn("‹", click("screen-page-prev"), 1)
	turn("‹ again", click("screen-page-prev"), 0)
	shows("‹ twice on the remote", 0)
	turn("‹ before the first page", click("screen-page-prev"), -1)
	shows("‹ before the first page: the last", -1)
	// A reloaded projector opens on the host's page.
	c.b.do(c.small, "reload the projector", chromedp.Reload(), chromedp.WaitVisible(tid("game-debrief")))
	openPaths(c.small)
	shows("a reloaded projector", -1)
	if c.b.evalBool(c.big, `document.querySelector('[data-testid="keys-pages"]').hidden`) {
		c.t.Error("the projector's controls do not tell the keys that turn pages")
	}
}

// remoteByKeys moves the quiz on from the remote with the keyboard only:
// Tab until "next" has the focus, which is drawn, and Enter; then Tab to
// "next" again and Space.
func (c *course) remoteByKeys() {
	c.t.Helper()
	for _, key := range []string{"\r", " "} {
		var reached []string
		for range 60 {
			c.key(c.remote, "Tab on the remote", kb.Tab)
			reached = append(reached, c.focused(c.remote))
			if reached[len(reached)-1] == "h-next" {
				break
			}
		}
		if reached[len(reached)-1] != "h-next" {
			c.t.Fatalf("Tab never reaches next on the remote: %v", reached)
		}
		if c.b.evalString(c.remote, `getComputedStyle(document.activeElement).outlineStyle`) == "none" {
			c.t.Error("the remote's focused button shows no focus")
		}
		phase := c.b.evalString(c.remote, `document.body.dataset.phase`)
		c.key(c.remote, "next by keyboard", key)
		c.b.waitFor(c.remote, "the phase after next", fmt.Sprintf(`document.body.dataset.phase !== %q`, phase))
		if phase == "reveal" {
			c.screen("the leaderboard, moved on from the remote", `!!document.querySelector('[data-testid="phase-leaderboard"]')`, "")
		}
	}
}

// fullLobby fills a lobby of ten teams with 150 players: the names that do
// not fit are counted instead, and the screen still fits.
func (c *course) fullLobby() {
	c.t.Helper()
	rm := createRoom(c.t, c.base, map[string]any{"scenario": "partnership-quiz", "team_count": 10})
	c.token = rm.HostToken
	for i := range 150 {
		joinRoom(c.t, c.base, rm.Code, fmt.Sprintf("Александра Константинова %d", i+1), fmt.Sprintf("t%d", i%10+1))
	}
	for _, p := range []context.Context{c.big, c.small} {
		c.b.do(p, "a full lobby", chromedp.Navigate(c.base+"/screen/"+rm.Room+"#h="+rm.HostToken), chromedp.WaitVisible(tid("control-start")))
	}
	c.screen("a lobby of 150 players in ten teams", `document.querySelectorAll('.team-card').length === 10 && document.querySelectorAll('.chip-more').length === 10`, "course-lobby-150")
}

// nextCase moves the game on; it reports whether a case follows.
func (c *course) nextCase() bool {
	c.t.Helper()
	var v gameHostFrame
	c.host.data("view", &v)
	index := -1
	if v.Game != nil && v.Game.Case != nil {
		index = v.Game.Case.Index
	}
	c.host.do("next", nil)
	var after gameHostFrame
	c.host.waitFor("the next case or the debrief", func(cl *client) bool {
		var ok bool
		after, ok = latestData[gameHostFrame](cl, "view")
		return ok && after.Game != nil && (after.Game.Case == nil || after.Game.Case.Index != index)
	})
	return after.Game.Case != nil
}

// debrief checks the debrief's summary and the paths of the first cases
// (up to max); it returns the number of pages the first case's paths take
// at 1920×1080.
func (c *course) debrief(shot string, max int) string {
	c.t.Helper()
	c.screen("the debrief", `!!document.querySelector('[data-testid="game-ranking"]')`, shot)
	cases := c.b.evalString(c.big, `[...document.querySelectorAll('[data-testid="debrief-tab"]')].slice(1).map(b => b.dataset.tab).join(' ')`)
	pages := ""
	for i, id := range strings.Fields(cases)[:max] {
		for _, p := range []context.Context{c.big, c.small} {
			c.b.do(p, "the paths of "+id, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="debrief-tab"][data-tab=%q]`, id))))
		}
		name := ""
		if i == 0 {
			name = shot + "-paths"
		}
		c.screen("the paths of "+id, fmt.Sprintf(`document.querySelector('[data-testid="debrief-tab"][data-tab=%q]').classList.contains('active') && !!document.querySelector('[data-testid="game-paths"]')`, id), name)
		if i == 0 {
			pages = c.b.evalString(c.big, `document.querySelector('[data-testid="game-paths"]').dataset.pages`)
		}
	}
	for _, p := range []context.Context{c.big, c.small} {
		c.b.do(p, "back to the summary", chromedp.Click(chromedp.CSS(`[data-testid="debrief-tab"][data-tab="summary"]`)))
	}
	return pages
}

// playTeam plays a team's way through the current case: every member
// votes for the same choice, picked by turn; a choice that leads back to
// the same situation (asking for more facts) counts as a step too.
func (c *course) playTeam(team string, members []*client, pick int, why string) {
	c.t.Helper()
	state := func(v courseGameView) (node string, step int, done, ok bool) {
		if v.Game == nil {
			return "", 0, false, false
		}
		for _, tm := range v.Game.Teams {
			if tm.ID == team {
				return tm.Node, tm.Step, tm.Done, true
			}
		}
		return "", 0, false, false
	}
	for range 20 {
		v, _ := latestNow[courseGameView](c.host, "view")
		node, step, done, ok := state(v)
		if !ok {
			c.t.Fatalf("team %s is not in the host's view", team)
		}
		if done {
			return
		}
		// The phone is at the situation the host sees the team at.
		var m gameMeFrame
		members[0].waitFor("the team's situation", func(cl *client) bool {
			var ok bool
			m, ok = latestData[gameMeFrame](cl, "me")
			return ok && m.Game != nil && m.Game.Node != nil && m.Game.Node.ID == node
		})
		choice := m.Game.Node.Choices[pick%len(m.Game.Node.Choices)].ID
		for _, p := range members {
			// The first votes may already decide: the rest come too late.
			if f := p.reply(p.send("game.pick", map[string]any{"node": node, "choice": choice, "why": why})); f.Type != "ack" && f.Code != "moved_on" {
				c.t.Fatalf("game.pick: %s %s", f.Code, f.Message)
			}
		}
		c.host.waitFor("the team's decision", func(cl *client) bool {
			v, ok := latestData[courseGameView](cl, "view")
			_, after, done, found := state(v)
			return ok && found && (done || after > step)
		})
		pick++ // a loop back to the same situation takes the next choice
	}
	c.t.Fatalf("team %s did not finish its case in 20 steps", team)
}

// courseGameView is what the course reads of a game's host view.
type courseGameView struct {
	Game *struct {
		Teams []struct {
			ID   string `json:"id"`
			Node string `json:"node"`
			Step int    `json:"step"`
			Done bool   `json:"done"`
		} `json:"teams"`
	} `json:"game"`
}

// board: the shipped hackathon board, phase by phase.
func (c *course) board() {
	t := c.t
	rm := createRoom(t, c.base, map[string]any{"scenario": "partnership-board", "team_count": 3})
	c.token = rm.HostToken
	c.host = dial(t, c.base, rm.Room, rm.HostToken)
	for _, p := range []context.Context{c.big, c.small} {
		c.b.do(p, "the board's projector", chromedp.Navigate(c.base+"/screen/"+rm.Room+"#h="+rm.HostToken), chromedp.WaitVisible(tid("control-start")))
	}
	var teams []*client
	for i := range 6 {
		j := joinRoom(t, c.base, rm.Code, fmt.Sprintf("Участник %d", i+1), fmt.Sprintf("t%d", i%3+1))
		teams = append(teams, dial(t, c.base, rm.Room, j.Token))
	}
	c.host.do("start", nil)
	for i, cl := range teams {
		for _, prompt := range []string{"agreements", "roles", "setbacks"} {
			cl.do("board.card", map[string]any{"prompt": prompt, "text": fmt.Sprintf("%s: идея участника %d — закрепить ответственных и сроки письменно", prompt, i+1)})
		}
	}
	c.screen("cards being written", `!!document.querySelector('[data-testid="board-write"]')`, "")
	for p := 1; p <= 7; p++ {
		c.host.do("next", nil)
		shot := ""
		if p == 1 {
			shot = "course-board-reveal"
		}
		c.screen(fmt.Sprintf("prompt %d revealed", p), fmt.Sprintf(`(document.querySelector('[data-testid="board-reveal"]') || {dataset: {}}).dataset.shown === '%d'`, p), shot)
	}
	c.host.do("next", nil)
	var v boardViewT
	c.host.waitFor("grouping", func(cl *client) bool {
		var ok bool
		v, ok = boardOf[boardViewT](cl, "view")
		return ok && v.Phase == "group"
	})
	c.host.do("board.theme", map[string]any{"name": "Договор и роли", "card": v.Cards[0].ID})
	c.host.do("board.theme", map[string]any{"name": "Связь и сроки", "card": v.Cards[1].ID})
	c.screen("themes", `[...document.querySelectorAll('.bd-cluster h3')].some(e => e.textContent === 'Связь и сроки')`, "")
	c.host.do("next", nil)
	c.host.waitFor("the vote", func(cl *client) bool {
		var ok bool
		v, ok = boardOf[boardViewT](cl, "view")
		return ok && v.Phase == "vote"
	})
	teams[0].do("board.dots", map[string]any{"card": v.Cards[len(v.Cards)-1].ID, "dots": 2})
	c.screen("the vote", `!!document.querySelector('[data-testid="board-vote"]')`, "")
	c.host.do("next", nil)
	c.screen("the results", `!!document.querySelector('[data-testid="board-ranking"]')`, "course-board-results")
	c.host.do("next", nil)
	c.screen("recommendations", `!!document.querySelector('[data-testid="board-rec"]')`, "")
}
