package web

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
)

// TestBrowserStorageOutage runs the real pages in Chromium on a Redis behind
// a proxy and cuts the link: the host remote shows the storage banner, a
// phone's answer waits in localStorage and survives a reload of the page,
// and once Redis is back it is stored, the queue empties and the banner goes.
func TestBrowserStorageOutage(t *testing.T) {
	execPath := chromiumPath(t)
	srv := storetest.StartServer(t)
	proxy := storetest.NewProxy(t, srv.Addr())
	st, err := store.OpenRedis(context.Background(), "redis://"+proxy.Addr()+"/0", "huddle:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := startEnv(t, st, gameScenario(t))
	room := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2, "lang": "ru"})
	host := dial(t, e.url, room.Room, room.HostToken)

	b := newBrowser(t, execPath)
	testid := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }
	remote := b.tab(390, 844, true)
	b.do(remote, "open the host remote",
		chromedp.Navigate(e.url+"/host/"+room.Room+"#h="+room.HostToken),
		chromedp.WaitVisible(testid("host-status")))
	phone := b.tab(390, 844, true)
	b.do(phone, "join",
		chromedp.Navigate(e.url+"/j/"+room.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Анна"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("you-are-in")))
	joinRoom(t, e.url, room.Code, "Борис", "") // does not answer: the question stays open
	host.do("start", nil)
	b.do(phone, "question 1", chromedp.WaitVisible(chromedp.CSS(`[data-testid="p-question"][data-question="q1"]`)))

	proxy.Cut()
	b.do(remote, "storage banner on the host remote", chromedp.WaitVisible(testid("host-storage")))
	if msg := b.evalString(remote, `document.querySelector('[data-testid="host-storage"]').textContent`); msg == "" {
		t.Fatal("empty storage banner")
	}
	b.screenshot(remote, "host-storage-unavailable-390x844.png")

	answer(t, phone, "Анна", "single")
	outbox := fmt.Sprintf(`localStorage.getItem('huddle.outbox.%s')`, room.Room)
	b.waitFor(phone, "the answer queued in localStorage", outbox+` !== null`)
	if state := b.evalString(phone, `document.querySelector('[data-testid="answer-status"]').dataset.state`); state == "ok" {
		t.Fatal("the phone shows its answer as received while nothing is stored")
	}
	// The tab is discarded and reloaded before storage returns: the queued
	// answer is still there and goes out again.
	b.do(phone, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="p-question"][data-question="q1"]`)))
	if b.evalString(phone, outbox+` || ''`) == "" {
		t.Fatal("the queued answer did not survive the reload")
	}

	proxy.Heal()
	b.waitFor(phone, "the queue emptied once the answer is stored", outbox+` === null`)
	b.waitFor(remote, "the banner gone", `document.querySelector('[data-testid="host-storage"]').hidden`)
	entries, err := e.hub.Room(room.Room).Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	answers := 0
	for _, a := range entries {
		if a.Type == "answered" {
			answers++
		}
	}
	if answers != 1 {
		t.Fatalf("%d answers stored, want 1", answers)
	}
}
