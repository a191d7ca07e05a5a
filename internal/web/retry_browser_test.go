package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/huddle-live/huddle/internal/session"
)

// retryTexts records, in a page, every sentence the retry notice showed,
// so that a notice shown for a second is still seen afterwards.
const retryTexts = `window.__retryTexts = [];
new MutationObserver(() => {
  const el = document.querySelector('[data-testid="retry-text"]');
  if (el && el.textContent && !window.__retryTexts.includes(el.textContent)) window.__retryTexts.push(el.textContent);
}).observe(document, { subtree: true, childList: true, characterData: true });`

// joinGate stands between a tab and POST /api/join: answer decides, for the
// n-th request (from 1), the status and Retry-After to answer with itself,
// or 0 to let the request through to the server.
type joinGate struct {
	mu     sync.Mutex
	n      int
	answer func(n int) (status int64, retryAfter string, code session.Code)
}

func (g *joinGate) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

func (g *joinGate) watch(t *testing.T, tab context.Context) {
	t.Helper()
	events := chromedp.Events(tab, fetch.RequestPaused)
	if _, err := chromedp.Call(tab, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/api/join"}}}); err != nil {
		t.Fatalf("intercept requests: %v", err)
	}
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			g.mu.Lock()
			g.n++
			status, after, code := g.answer(g.n)
			g.mu.Unlock()
			if status == 0 {
				_, _ = chromedp.Call(tab, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			info := code.Info()
			body, _ := json.Marshal(map[string]string{"error": string(code), "message": info.EN})
			headers := []*fetch.HeaderEntry{{Name: "Content-Type", Value: "application/json"}}
			if after != "" {
				headers = append(headers, &fetch.HeaderEntry{Name: "Retry-After", Value: after})
			}
			_, _ = chromedp.Call(tab, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID: ev.RequestID, ResponseCode: status, ResponseHeaders: headers, Body: body,
			})
		}
	}()
}

// TestBrowserJoinRetries: while the server answers 503 with Retry-After,
// the phone says so, waits and asks again by itself; one tap joins. An
// answer that asking again would not change (a 4xx, a 429 asking to wait a
// minute) is shown at once and not repeated; Cancel stops the waiting and
// keeps what was typed.
func TestBrowserJoinRetries(t *testing.T) {
	execPath := chromiumPath(t)
	base := startTestServer(t)
	ru := createRoom(t, base, map[string]any{"scenario": "partnership-quiz", "lang": "ru"})
	en := createRoom(t, base, map[string]any{"scenario": "partnership-quiz", "lang": "en"})
	b := newBrowser(t, execPath)
	testid := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }
	texts := func(tab context.Context) string {
		return b.evalString(tab, `window.__retryTexts.join(' | ')`)
	}

	// Storage down twice, then the request goes through.
	phone := b.tab(360, 740, true, retryTexts)
	busy := &joinGate{answer: func(n int) (int64, string, session.Code) {
		if n <= 2 {
			return 503, "1", session.CodeStorageUnavailable
		}
		return 0, "", ""
	}}
	busy.watch(t, phone)
	b.do(phone, "one tap on join",
		chromedp.Navigate(base+"/j/"+ru.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Анна"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("you-are-in")))
	if n := busy.count(); n != 3 {
		t.Errorf("join requests = %d, want 3 (two answered 503, then through)", n)
	}
	if got := texts(phone); !strings.Contains(got, "Сервер занят, пробуем снова через 1\u00a0с…") {
		t.Errorf("the phone showed %q while retrying, want the Russian retry notice", got)
	}

	// Storage down for longer: the notice stays, Cancel stops it and the
	// form keeps the name.
	long := b.tab(360, 740, true, retryTexts)
	down := &joinGate{answer: func(int) (int64, string, session.Code) { return 503, "20", session.CodeStorageUnavailable }}
	down.watch(t, long)
	b.do(long, "tap join while storage is down",
		chromedp.Navigate(base+"/j/"+en.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Boris"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("retry-notice")))
	if got := b.evalString(long, `document.querySelector('[data-testid="retry-text"]').textContent`); !strings.HasPrefix(got, "Server busy, retrying in 2") {
		t.Errorf("retry notice = %q, want \"Server busy, retrying in 2x s…\"", got)
	}
	if !b.evalBool(long, `document.querySelector('[data-testid="retry-cancel"]').getBoundingClientRect().height >= 44`) {
		t.Error("Cancel is less than 44 px high")
	}
	b.screenshot(long, "phone-join-retrying-360x740.png")
	b.do(long, "cancel", chromedp.Click(testid("retry-cancel")))
	b.waitFor(long, "the reason shown and the form back", `!document.querySelector('#join-error').hidden
		&& !document.querySelector('[data-testid="retry-notice"]')
		&& !document.querySelector('#join-submit').disabled`)
	if got := b.evalString(long, `document.querySelector('#join-error').textContent`); got != session.CodeStorageUnavailable.Info().EN {
		t.Errorf("after Cancel the form says %q", got)
	}
	if got := b.evalString(long, `document.querySelector('[data-testid="name-input"]').value`); got != "Boris" {
		t.Errorf("after Cancel the name field holds %q, want Boris", got)
	}
	if n := down.count(); n != 1 {
		t.Errorf("join requests before Cancel = %d, want 1", n)
	}

	// A real 4xx: the name is taken. Shown at once, asked once.
	joinRoom(t, base, ru.Code, "Вера", "")
	taken := b.tab(360, 740, true, retryTexts)
	through := &joinGate{answer: func(int) (int64, string, session.Code) { return 0, "", "" }}
	through.watch(t, taken)
	b.do(taken, "join under a taken name",
		chromedp.Navigate(base+"/j/"+ru.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Вера"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("join-error")))
	if got := b.evalString(taken, `document.querySelector('#join-error').textContent`); got != session.CodeNameTaken.Info().RU {
		t.Errorf("taken name: the form says %q", got)
	}
	if n, got := through.count(), texts(taken); n != 1 || got != "" {
		t.Errorf("taken name: %d requests, retry notices %q; want 1 and none", n, got)
	}

	// 429 asking for a minute: longer than the phone waits on its own.
	limited := b.tab(360, 740, true, retryTexts)
	slow := &joinGate{answer: func(int) (int64, string, session.Code) { return 429, "60", session.CodeRateLimited }}
	slow.watch(t, limited)
	b.do(limited, "join while rate limited",
		chromedp.Navigate(base+"/j/"+en.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Dana"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("join-error")))
	if n, got := slow.count(), texts(limited); n != 1 || got != "" {
		t.Errorf("rate limited: %d requests, retry notices %q; want 1 and none", n, got)
	}
}
