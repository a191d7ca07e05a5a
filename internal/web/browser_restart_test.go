package web

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huddle-live/huddle/internal/store"
)

// TestBrowserRollingRestart: the server stops (sockets closed with 1012) and
// a new one starts a second later on the same address and store; the real
// phone page reconnects by itself and shows the same question, and an answer
// given after that is taken.
func TestBrowserRollingRestart(t *testing.T) {
	execPath := chromiumPath(t)
	path := filepath.Join(t.TempDir(), "huddle.db")
	st1, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	e1 := startEnv(t, st1, gameScenario(t))
	addr := strings.TrimPrefix(e1.url, "http://")
	room := createRoom(t, e1.url, map[string]any{"scenario": "ws-game", "team_count": 2, "lang": "ru"})
	host := dial(t, e1.url, room.Room, room.HostToken)

	b := newBrowser(t, execPath)
	testid := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }
	phone := b.tab(390, 844, true)
	b.do(phone, "join",
		chromedp.Navigate(e1.url+"/j/"+room.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Анна"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("you-are-in")))
	joinRoom(t, e1.url, room.Code, "Борис", "") // keeps the question open
	host.do("start", nil)
	q1 := chromedp.CSS(`[data-testid="p-question"][data-question="q1"]`)
	b.do(phone, "question 1", chromedp.WaitVisible(q1))

	e1.stop()
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}
	b.waitFor(phone, "the page notices", `document.body.dataset.conn !== 'online'`)
	time.Sleep(time.Second) // the new process starting

	st2, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	e2 := startEnvAt(t, st2, nil, nil, addr)
	ready := time.Now()
	b.waitFor(phone, "back online", `document.body.dataset.conn === 'online'`)
	back := time.Since(ready)
	b.do(phone, "question 1 again", chromedp.WaitVisible(q1))
	if back > 5*time.Second {
		t.Errorf("the phone came back %v after the new server was ready, want within 5 s", back)
	}
	answer(t, phone, "Анна", "single")
	b.waitFor(phone, "answer acknowledged", `document.querySelector('[data-testid="answer-status"]').dataset.state === 'ok'`)
	entries, err := e2.hub.Room(room.Room).Audit(context.Background())
	if err != nil || entries[len(entries)-1].Type != "answered" {
		t.Fatalf("last stored event: %+v (%v)", entries[len(entries)-1], err)
	}
	t.Logf("phone page back %v after the new server was ready", back.Round(10*time.Millisecond))
}
