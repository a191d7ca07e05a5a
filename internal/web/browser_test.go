package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserQuiz plays a short quiz through the real pages in Chromium: the
// facilitator creates a room on the landing page, the projector shows the
// join code, three phones join and answer by tapping, the facilitator steps
// through questions with the projector's control bar, and the projector ends
// on the leaderboard with all three names. Screenshots of the projector and
// of one phone are left in HUDDLE_SCREENSHOTS (default
// $TMPDIR/huddle-screenshots) for a person to look at.
func TestBrowserQuiz(t *testing.T) {
	execPath := chromiumPath(t)
	base := startTestServer(t)

	ctx := startBrowser(t, execPath)

	var closeTabs []context.CancelFunc
	defer func() {
		for _, c := range slices.Backward(closeTabs) {
			c()
		}
	}()
	// Every tab gets its own browser context: its own localStorage, like
	// separate devices.
	newTab := func(width, height int64, phone bool) context.Context {
		t.Helper()
		tab, cancelTab := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		closeTabs = append(closeTabs, cancelTab)
		var opts []chromedp.EmulateViewportOption
		if phone {
			opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		if err := chromedp.Do(tab, chromedp.EmulateViewport(width, height, opts...)); err != nil {
			t.Fatalf("open tab: %v", err)
		}
		return tab
	}
	do := func(tab context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(tab context.Context, js string) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return v
	}
	// waitFor polls a JavaScript condition; rAF polling stalls in tabs that
	// are not in front, so poll on an interval.
	waitFor := func(tab context.Context, what, cond string) {
		t.Helper()
		if _, err := chromedp.Run(tab, chromedp.Poll[bool](cond,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("wait for %s: %v", what, err)
		}
	}
	testid := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }

	// The facilitator creates a room from the first scenario. Average mode
	// ranks players too, so the leaderboard lists everyone by name.
	projector := newTab(1920, 1080, false)
	do(projector, "open the landing page",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(testid("scenario")),
		chromedp.Click(testid("scenario")),
		chromedp.SetValue(chromedp.CSS("#team-mode"), "average"),
		chromedp.WaitEnabled(testid("create-room")),
		chromedp.Click(testid("create-room")),
		chromedp.WaitVisible(testid("join-code")),
		chromedp.WaitVisible(testid("control-start")),
	)
	code := eval(projector, `document.querySelector('[data-testid="join-code"]').dataset.code`)
	if !regexp.MustCompile(`^\d{6}$`).MatchString(code) {
		t.Fatalf("join code on the projector = %q, want 6 digits", code)
	}
	shown := eval(projector, `document.querySelector('[data-testid="join-code"]').textContent`)
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
		phones[i] = newTab(390, 844, true)
		do(phones[i], "join as "+name,
			chromedp.Navigate(base+"/j/"+code),
			chromedp.WaitVisible(testid("name-input")),
			chromedp.SendKeys(testid("name-input"), name),
			chromedp.Click(testid("join-button")),
			chromedp.WaitVisible(testid("you-are-in")),
		)
	}
	waitFor(projector, "three players in the lobby",
		`document.querySelectorAll('[data-testid="lobby-player"]').length === 3`)

	do(projector, "start", chromedp.Click(testid("control-start")))
	const questions = 3
	for n := 1; n <= questions; n++ {
		do(projector, fmt.Sprintf("question %d on the projector", n), chromedp.WaitVisible(testid("phase-question")))
		qid := eval(projector, `document.querySelector('[data-testid="phase-question"]').dataset.question`)
		open := fmt.Sprintf(`[data-testid="p-question"][data-question=%q]`, qid)
		for i, phone := range phones {
			do(phone, fmt.Sprintf("%s sees question %s", names[i], qid), chromedp.WaitVisible(chromedp.CSS(open)))
			answer(t, phone, names[i], eval(phone, `document.querySelector('[data-testid="p-question"]').dataset.type`))
			// "Answer received" appears only once the server acknowledged
			// it; the last answer closes the question, and the phone may
			// already show the result instead.
			waitFor(phone, names[i]+"'s answer acknowledged", `(() => {
				const s = document.querySelector('[data-testid="answer-status"]');
				return (s && s.dataset.state === 'ok') || !!document.querySelector('[data-testid="p-reveal"]');
			})()`)
		}
		// Everyone answered: the server closes the question by itself.
		do(projector, fmt.Sprintf("reveal of question %d", n),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="phase-reveal"][data-question=%q]`, qid))))
		for i, phone := range phones {
			do(phone, names[i]+" sees the result", chromedp.WaitVisible(testid("p-reveal")))
		}
		do(projector, "leaderboard", chromedp.Click(testid("control-next")), chromedp.WaitVisible(testid("phase-leaderboard")))
		if n < questions {
			do(projector, "next question", chromedp.Click(testid("control-next")))
		}
	}

	waitFor(projector, "all three names on the leaderboard", fmt.Sprintf(
		`(() => { const got = [...document.querySelectorAll('[data-testid="lb-player-name"]')].map(e => e.textContent);
		          return %s.every(n => got.includes(n)); })()`, jsArray(names)))
	do(phones[0], "the first phone's leaderboard", chromedp.WaitVisible(testid("p-leaderboard")))
	if rank := eval(phones[0], `document.querySelector('[data-testid="my-rank"] strong').textContent`); rank == "" {
		t.Error("the phone shows no rank on the leaderboard")
	}

	dir := os.Getenv("HUDDLE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "huddle-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Let the bars and numbers finish their animations first.
	time.Sleep(1500 * time.Millisecond)
	for _, s := range []struct {
		tab  context.Context
		file string
	}{{projector, "projector-leaderboard-1920x1080.png"}, {phones[0], "phone-leaderboard-390x844.png"}} {
		png, err := chromedp.Run(s.tab, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", s.file, err)
		}
		path := filepath.Join(dir, s.file)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
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

// startBrowser starts headless chromium and returns a context for it that
// ends after 3 minutes. The browser is closed at the end of the test, before
// the cleanups registered earlier (the server's) run.
func startBrowser(t *testing.T, path string) context.Context {
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
	ctx, cancel := context.WithTimeout(browserCtx, 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
