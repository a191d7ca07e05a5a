package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

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

// joinGate stands between a tab and its joins: the page's WebSocket is
// wrapped so that answer decides, for the n-th hello that joins (from 1),
// the refusal the server would send (code and retry_after) or "through" to
// let the hello go to the server. The wrapped socket closes as the server
// does after a refusal: the error frame, then a normal close.
func joinGate(answer string) string {
	return `window.__joins = 0;
(() => {
  const answer = ` + answer + `;
  const Real = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const ws = new Real(url, protocols);
    const send = ws.send.bind(ws);
    ws.send = (data) => {
      let hello = null;
      try { hello = JSON.parse(data); } catch {}
      if (!hello || hello.type !== 'hello' || !hello.join) return send(data);
      window.__joins++;
      const a = answer(window.__joins);
      if (a === 'through') return send(data);
      const onmessage = ws.onmessage, onclose = ws.onclose;
      ws.onmessage = ws.onclose = null;
      ws.close(1000);
      setTimeout(() => {
        if (onmessage) onmessage({ data: JSON.stringify(Object.assign({ type: 'error' }, a)) });
        if (onclose) onclose({ code: 1000 });
      }, 20);
    };
    return ws;
  };
  window.WebSocket.prototype = Real.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();`
}

// refusal is the error frame of a refused join as the server sends it.
func refusal(code session.Code, retryAfter int) string {
	b, _ := json.Marshal(map[string]any{"code": code, "message": code.Info().EN, "retry_after": retryAfter})
	return string(b)
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

	joins := func(tab context.Context) int { return evalJS[int](b, tab, `window.__joins`) }

	// Storage down twice, then the join goes through.
	phone := b.tab(360, 740, true, retryTexts, joinGate(`(n) => n <= 2 ? (`+refusal(session.CodeStorageUnavailable, 1)+`) : 'through'`))
	b.do(phone, "one tap on join",
		chromedp.Navigate(base+"/j/"+ru.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Анна"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("you-are-in")))
	if n := joins(phone); n != 3 {
		t.Errorf("joins = %d, want 3 (two refused as storage_unavailable, then through)", n)
	}
	if got := texts(phone); !strings.Contains(got, "Сервер занят, пробуем снова через 1\u00a0с…") {
		t.Errorf("the phone showed %q while retrying, want the Russian retry notice", got)
	}

	// Storage down for longer: the notice stays, Cancel stops it and the
	// form keeps the name.
	long := b.tab(360, 740, true, retryTexts, joinGate(`() => (`+refusal(session.CodeStorageUnavailable, 20)+`)`))
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
	if n := joins(long); n != 1 {
		t.Errorf("joins before Cancel = %d, want 1", n)
	}

	// A real 4xx: the name is taken. Shown at once, asked once.
	joinRoom(t, base, ru.Code, "Вера", "")
	taken := b.tab(360, 740, true, retryTexts, joinGate(`() => 'through'`))
	b.do(taken, "join under a taken name",
		chromedp.Navigate(base+"/j/"+ru.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Вера"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("join-error")))
	if got := b.evalString(taken, `document.querySelector('#join-error').textContent`); got != session.CodeNameTaken.Info().RU {
		t.Errorf("taken name: the form says %q", got)
	}
	if n, got := joins(taken), texts(taken); n != 1 || got != "" {
		t.Errorf("taken name: %d requests, retry notices %q; want 1 and none", n, got)
	}

	// 429 asking for a minute: longer than the phone waits on its own.
	limited := b.tab(360, 740, true, retryTexts, joinGate(`() => (`+refusal(session.CodeRateLimited, 60)+`)`))
	b.do(limited, "join while rate limited",
		chromedp.Navigate(base+"/j/"+en.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Dana"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("join-error")))
	if n, got := joins(limited), texts(limited); n != 1 || got != "" {
		t.Errorf("rate limited: %d requests, retry notices %q; want 1 and none", n, got)
	}
}
