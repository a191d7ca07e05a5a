package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huddle-live/huddle/internal/store"
)

// TestBrowserRoomGone: pages of a room the server no longer holds (it
// expired, or the data is gone) stop reconnecting and say so, instead of
// spinning forever. The phone is back at the code form, the projector and
// the host remote show the message.
func TestBrowserRoomGone(t *testing.T) {
	execPath := chromiumPath(t)
	e1 := startEnv(t, store.NewMemory(), gameScenario(t))
	addr := strings.TrimPrefix(e1.url, "http://")
	rm := createRoom(t, e1.url, map[string]any{"scenario": "ws-game", "team_count": 2, "lang": "ru"})

	b := newBrowser(t, execPath)
	testid := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }
	phone := b.tab(390, 844, true)
	b.do(phone, "join",
		chromedp.Navigate(e1.url+"/j/"+rm.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Анна"),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("you-are-in")))
	projector := b.tab(1280, 720, false)
	b.do(projector, "open the projector", chromedp.Navigate(e1.url+"/screen/"+rm.Room+"#s="+rm.ScreenToken))
	b.waitFor(projector, "projector online", `document.body.dataset.conn === 'online'`)
	remote := b.tab(390, 844, true)
	b.do(remote, "open the host remote", chromedp.Navigate(e1.url+"/host/"+rm.Room+"#h="+rm.HostToken))
	b.waitFor(remote, "remote online", `document.body.dataset.conn === 'online'`)

	// The server comes back without the room.
	e1.stop()
	startEnvAt(t, store.NewMemory(), gameScenario(t), nil, addr)

	b.waitFor(phone, "the phone is back at the code form with the reason",
		`!document.querySelector('#code-error').hidden && document.querySelector('#code-error').textContent.includes('комнаты больше нет')`)
	b.waitFor(projector, "the projector says the room is gone",
		`document.querySelector('#stage').textContent.includes('комнаты больше нет')`)
	b.waitFor(remote, "the remote says the room is gone",
		`!document.querySelector('#h-message').hidden && document.querySelector('#h-message').textContent.includes('комнаты больше нет')`)
	b.screenshot(phone, "phone-room-gone-390x844.png")
	b.screenshot(projector, "projector-room-gone-1280x720.png")
	if got := b.evalString(phone, `localStorage.getItem('huddle.player.`+rm.Room+`') || ''`); got != "" {
		t.Errorf("the phone still remembers the gone room: %s", got)
	}
}
