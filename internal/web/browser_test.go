package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserQuiz plays a short quiz through the real pages in Chromium: the
// facilitator signs in and creates a room on the landing page, which shows
// the remote's QR code and opens the projector, the projector shows the
// join code, three phones join and answer by tapping, the facilitator steps
// through questions with the projector's control bar, and the projector ends
// on the leaderboard with all three names. Screenshots of the projector and
// of one phone are left in HUDDLE_SCREENSHOTS (default
// $TMPDIR/huddle-screenshots) for a person to look at.
func TestBrowserQuiz(t *testing.T) {
	execPath := chromiumPath(t)
	base := startTestServer(t)

	b := newBrowser(t, execPath)
	testid := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }

	// The facilitator creates a room from the first scenario. Average mode
	// ranks players too, so the leaderboard lists everyone by name.
	projector := b.tab(1920, 1080, false)
	b.signIn(projector, base, testLogin, testPassword)
	b.do(projector, "open the landing page",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(testid("scenario")),
		chromedp.Click(chromedp.CSS(`[data-testid="scenario"][data-scenario="partnership-quiz"]`)),
		chromedp.SetValue(chromedp.CSS("#team-mode"), "average"),
		chromedp.WaitEnabled(testid("create-room")),
		chromedp.Click(testid("create-room")),
		chromedp.WaitVisible(testid("room-ready")),
		chromedp.WaitVisible(testid("remote-qr")),
		chromedp.Click(testid("open-projector")),
		chromedp.WaitVisible(testid("join-code")),
		chromedp.WaitVisible(testid("control-start")),
	)
	code := b.evalString(projector, `document.querySelector('[data-testid="join-code"]').dataset.code`)
	if !regexp.MustCompile(`^\d{6}$`).MatchString(code) {
		t.Fatalf("join code on the projector = %q, want 6 digits", code)
	}
	shown := b.evalString(projector, `document.querySelector('[data-testid="join-code"]').textContent`)
	if digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, shown); digits != code {
		t.Fatalf("projector shows code %q, data-code is %q", shown, code)
	}

	names := []string{"Анна", "Борис", "Светлана"}
	phones := make([]context.Context, len(names))
	for i, name := range names {
		phones[i] = b.tab(390, 844, true)
		b.do(phones[i], "join as "+name,
			chromedp.Navigate(base+"/j/"+code),
			chromedp.WaitVisible(testid("name-input")),
			chromedp.SendKeys(testid("name-input"), name),
			chromedp.Click(testid("join-button")),
			chromedp.WaitVisible(testid("you-are-in")),
		)
	}
	b.waitFor(projector, "three players in the lobby",
		`document.querySelectorAll('[data-testid="lobby-player"]').length === 3`)

	b.do(projector, "start", chromedp.Click(testid("control-start")))
	const questions = 3
	for n := 1; n <= questions; n++ {
		b.do(projector, fmt.Sprintf("question %d on the projector", n), chromedp.WaitVisible(testid("phase-question")))
		qid := b.evalString(projector, `document.querySelector('[data-testid="phase-question"]').dataset.question`)
		open := fmt.Sprintf(`[data-testid="p-question"][data-question=%q]`, qid)
		for i, phone := range phones {
			b.do(phone, fmt.Sprintf("%s sees question %s", names[i], qid), chromedp.WaitVisible(chromedp.CSS(open)))
			answer(t, phone, names[i], b.evalString(phone, `document.querySelector('[data-testid="p-question"]').dataset.type`))
			// "Answer received" appears only once the server acknowledged
			// it; the last answer closes the question, and the phone may
			// already show the result instead.
			b.waitFor(phone, names[i]+"'s answer acknowledged", `(() => {
				const s = document.querySelector('[data-testid="answer-status"]');
				return (s && s.dataset.state === 'ok') || !!document.querySelector('[data-testid="p-reveal"]');
			})()`)
		}
		// Everyone answered: the server closes the question by itself.
		b.do(projector, fmt.Sprintf("reveal of question %d", n),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="phase-reveal"][data-question=%q]`, qid))))
		for i, phone := range phones {
			b.do(phone, names[i]+" sees the result", chromedp.WaitVisible(testid("p-reveal")))
		}
		b.do(projector, "leaderboard", chromedp.Click(testid("control-next")), chromedp.WaitVisible(testid("phase-leaderboard")))
		if n < questions {
			b.do(projector, "next question", chromedp.Click(testid("control-next")))
		}
	}

	b.waitFor(projector, "all three names on the leaderboard", fmt.Sprintf(
		`(() => { const got = [...document.querySelectorAll('[data-testid="lb-player-name"]')].map(e => e.textContent);
		          return %s.every(n => got.includes(n)); })()`, jsArray(names)))
	// The phones keep their reveal through the leaderboard: it shows their
	// place, as the leaderboard would.
	b.do(phones[0], "the first phone's standing", chromedp.WaitVisible(testid("p-reveal")), chromedp.WaitVisible(testid("my-rank")))
	if rank := b.evalString(phones[0], `document.querySelector('[data-testid="my-rank"] strong').textContent`); rank == "" {
		t.Error("the phone shows no rank during the leaderboard")
	}

	b.screenshot(projector, "projector-leaderboard-1920x1080.png")
	b.screenshot(phones[0], "phone-leaderboard-390x844.png")
}

// answer taps an answer on a phone for a question of the given type.
func answer(t *testing.T, phone context.Context, name, qtype string) {
	t.Helper()
	first := chromedp.CSS(`[data-testid="p-question"] .answer-btn`)
	submit := chromedp.CSS(`[data-testid="answer-submit"]`)
	var steps []chromedp.Action[chromedp.Void]
	switch qtype {
	case "single", "truefalse", "poll":
		steps = []chromedp.Action[chromedp.Void]{chromedp.Click(first)}
	case "multiple":
		steps = []chromedp.Action[chromedp.Void]{chromedp.Click(first), chromedp.Click(submit)}
	case "numeric":
		steps = []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.CSS(`[data-testid="answer-input"]`), "42"), chromedp.Click(submit)}
	case "text":
		steps = []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.CSS(`[data-testid="answer-input"]`), "договор"), chromedp.Click(submit)}
	default:
		t.Fatalf("%s: unknown question type %q", name, qtype)
	}
	if err := chromedp.Do(phone, steps...); err != nil {
		t.Fatalf("%s answers a %s question: %v", name, qtype, err)
	}
}

func jsArray(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// chromiumPath finds Debian's chromium; without it the browser tests skip,
// or fail under CI.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is needed for the browser tests: %v", err)
		}
		t.Skipf("chromium not found (%v); skipping the browser test", err)
	}
	return path
}

// stepTimeout bounds every browser step, so that a page that never shows
// something fails at that step, named, rather than at the test's end.
const stepTimeout = 30 * time.Second

// browser is headless chromium for one test: tabs, steps with deadlines,
// screenshots a person can look at afterwards.
type browser struct {
	t   *testing.T
	ctx context.Context // ends after 3 minutes
}

// newBrowser starts chromium. Start the server first: the browser is then
// closed at the end of the test before the server's cleanups run.
func newBrowser(t *testing.T, path string) *browser {
	t.Helper()
	return newBrowserFor(t, path, 3*time.Minute)
}

// newBrowserFor is newBrowser for a test that needs the browser longer.
func newBrowserFor(t *testing.T, path string, limit time.Duration) *browser {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, limit)
	t.Cleanup(cancel)
	return &browser{t: t, ctx: ctx}
}

// tab opens a tab in its own browser context, so its own localStorage, like
// a separate device. Each of onNewDocument runs before any page script of
// every document the tab loads.
func (b *browser) tab(width, height int64, phone bool, onNewDocument ...string) context.Context {
	b.t.Helper()
	tab, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	var opts []chromedp.EmulateViewportOption
	if phone {
		opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(width, height, opts...)}
	for _, src := range onNewDocument {
		steps = append(steps, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
			return err
		}))
	}
	// The first run opens the tab and lives as long as it: no step deadline.
	if err := chromedp.Do(tab, steps...); err != nil {
		b.t.Fatalf("open tab: %v", err)
	}
	return tab
}

// do runs steps in a tab; what names them in a failure.
func (b *browser) do(tab context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// waitFor polls a JavaScript condition. It polls on an interval: rAF
// polling stalls in tabs that are not in front.
func (b *browser) waitFor(tab context.Context, what, cond string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout))); err != nil {
		b.t.Fatalf("wait for %s: %v", what, err)
	}
}

// evalString and evalBool evaluate JavaScript in a tab.
func (b *browser) evalString(tab context.Context, js string) string {
	return evalJS[string](b, tab, js)
}
func (b *browser) evalBool(tab context.Context, js string) bool { return evalJS[bool](b, tab, js) }

func evalJS[T any](b *browser, tab context.Context, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// screenshot brings the tab to the front (background tabs throttle
// animations), waits until every finite animation is over and saves the
// tab under HUDDLE_SCREENSHOTS (default $TMPDIR/huddle-screenshots).
func (b *browser) screenshot(tab context.Context, file string) {
	b.t.Helper()
	dir := os.Getenv("HUDDLE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "huddle-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	b.do(tab, "bring "+file+" to the front", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.BringToFront, cdp.Empty{})
		return err
	}))
	b.waitFor(tab, "animations before "+file,
		`document.getAnimations().every(a => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity)`)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", file, err)
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}
