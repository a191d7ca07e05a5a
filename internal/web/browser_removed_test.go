package web

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huddle-live/huddle/internal/session"
)

// TestBrowserRemovedPlayer: on the real pages, the host removes a phone
// from the remote; the phone says so, and its "try again" ends on the join
// form with the refusal in words, under its own name and under another;
// the remote lists the removed player with "let back in", and once the
// host taps it the phone joins. Screenshots of each step at 360×740.
func TestBrowserRemovedPlayer(t *testing.T) {
	execPath := chromiumPath(t)
	base := startTestServer(t)
	c := createRoom(t, base, map[string]any{"scenario": "partnership-quiz", "team_count": 2, "lang": "ru"})
	b := newBrowser(t, execPath)
	testid := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }

	phone := b.tab(360, 740, true)
	b.do(phone, "join as Анна",
		chromedp.Navigate(base+"/j/"+c.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Анна"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("you-are-in")),
	)

	// The remote's confirm() is answered yes, as a facilitator would.
	host := b.tab(360, 740, true, `window.confirm = () => true;`)
	b.do(host, "open the remote and remove Анна",
		chromedp.Navigate(base+"/host/"+c.Room+"#h="+c.HostToken),
		chromedp.WaitVisible(testid("kick")),
		chromedp.Click(testid("kick")),
		chromedp.WaitVisible(testid("host-removed")),
	)
	if got := b.evalString(host, `document.querySelector('[data-testid="host-removed"] .h-player-name').textContent`); got != "Анна" {
		t.Fatalf("the remote lists %q as removed", got)
	}
	if h := evalJS[float64](b, host, `document.querySelector('[data-testid="readmit"]').getBoundingClientRect().height`); h < 44 {
		t.Errorf("the let-back-in button is %.0f px high, want at least 44", h)
	}
	b.do(phone, "the phone is told", chromedp.WaitVisible(testid("kicked")))
	b.screenshot(phone, "phone-removed-360x740.png")
	// The toast saying so would cover the list in the picture.
	b.evalBool(host, `document.getElementById('toasts')?.remove(); document.querySelector('[data-testid="host-removed"]').scrollIntoView({block: 'center'}); true`)
	b.screenshot(host, "host-removed-360x740.png")

	refusal := session.CodeRemoved.Message("ru")
	b.do(phone, "try again under the same name",
		chromedp.Click(testid("kicked-again")),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("join-error")),
	)
	if got := b.evalString(phone, `document.querySelector('[data-testid="join-error"]').textContent`); got != refusal {
		t.Fatalf("the join form says %q, want %q", got, refusal)
	}
	b.screenshot(phone, "phone-refused-360x740.png")
	clearName := `(document.querySelector('[data-testid="name-input"]').value = '') === ''`
	b.evalBool(phone, clearName)
	b.do(phone, "try again under another name",
		chromedp.SendKeys(testid("name-input"), "Аня"),
		chromedp.Click(testid("join-button")),
	)
	b.waitFor(phone, "the refusal under another name", fmt.Sprintf(
		`(() => { const e = document.querySelector('[data-testid="join-error"]');
		          return !e.hidden && e.textContent === %q && !document.querySelector('[data-testid="join-button"]').disabled; })()`, refusal))

	b.do(host, "let Анна back in",
		chromedp.Click(testid("readmit")),
		chromedp.WaitNotVisible(testid("host-removed")),
	)
	b.evalBool(phone, clearName)
	b.do(phone, "join again",
		chromedp.SendKeys(testid("name-input"), "Анна"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("you-are-in")),
	)
}
