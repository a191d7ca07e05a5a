package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/store"
)

func tid(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }

// waitPage polls a condition across page loads: an evaluation cut by a
// navigation is tried again.
func (b *browser) waitPage(tab context.Context, what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tab, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("wait for %s: %v", what, last)
}

// signIn signs a tab in through the sign-in page.
func (b *browser) signIn(tab context.Context, base, login, password string) {
	b.t.Helper()
	b.do(tab, "sign in as "+login,
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(tid("login")),
		chromedp.SendKeys(tid("login"), login),
		chromedp.SendKeys(tid("password"), password),
		chromedp.Click(tid("signin")),
	)
	b.waitPage(tab, "the landing page after sign-in", `location.pathname === '/' && !!document.querySelector('[data-testid="account-name"]')`)
}

// TestBrowserAccounts walks a newcomer's first run and a colleague's
// invitation through the real pages: a signed-out visitor is sent to the
// sign-in page, which offers participants the code page first; the setup
// link creates the account and signs in; a room is created; "my rooms"
// lists it and opens the remote through the session, without the host
// link; an invitation brings a second facilitator in on a phone; signing
// out sends the first back to the sign-in page.
func TestBrowserAccounts(t *testing.T) {
	execPath := chromiumPath(t)
	e := startEnvWith(t, store.NewMemory(), shippedScenarios(t), func(c *Config) {
		c.Accounts = account.New(account.Config{Store: store.NewMemory().Accounts(), Params: testParams})
	})
	base := e.url
	setup, _, err := e.srv.accounts.Setup(context.Background())
	if err != nil || setup == "" {
		t.Fatalf("setup: %q %v", setup, err)
	}
	b := newBrowser(t, execPath)
	laptop := b.tab(1366, 768, false)
	b.do(laptop, "a signed-out visitor opens the server", chromedp.Navigate(base+"/"), chromedp.WaitVisible(tid("join-link")))
	if p := b.evalString(laptop, `location.pathname + location.search`); p != "/signin?next=%2F" {
		t.Errorf("a signed-out visitor landed on %s", p)
	}
	if href := b.evalString(laptop, `document.querySelector('[data-testid="join-link"]').getAttribute('href')`); href != "/play" {
		t.Errorf("the participants' way from the sign-in page goes to %q", href)
	}

	b.do(laptop, "the setup link",
		chromedp.Navigate(base+"/setup#"+setup),
		chromedp.WaitVisible(tid("name")),
		chromedp.SendKeys(tid("name"), "Анна Петрова"),
		chromedp.SendKeys(tid("login"), "anna@example.org"),
		chromedp.SendKeys(tid("password"), "anna's password"),
		chromedp.SendKeys(tid("password2"), "anna's password"),
		chromedp.Click(tid("register")),
	)
	b.waitPage(laptop, "signed in on the landing page", `location.pathname === '/' && document.querySelector('[data-testid="account-name"]')?.textContent === 'Анна Петрова'`)
	b.do(laptop, "create a room",
		chromedp.WaitVisible(tid("scenario")),
		chromedp.Click(chromedp.CSS(`[data-testid="scenario"][data-scenario="partnership-quiz"]`)),
		chromedp.WaitEnabled(tid("create-room")),
		chromedp.Click(tid("create-room")),
		chromedp.WaitVisible(tid("room-ready")),
		chromedp.Click(tid("open-projector")),
		chromedp.WaitVisible(tid("join-code")),
	)
	room := b.evalString(laptop, `location.pathname.split('/')[2]`)

	b.do(laptop, "my rooms", chromedp.Navigate(base+"/rooms"), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="my-room"][data-room=%q]`, room))))
	if s := b.evalString(laptop, `document.querySelector('[data-testid="my-room"]').dataset.status`); s != "running" {
		t.Errorf("the room's status in my rooms: %q", s)
	}
	if b.evalBool(laptop, `document.documentElement.innerHTML.includes('#h=') || document.documentElement.innerHTML.includes('token=')`) {
		t.Error("my rooms carries a host token")
	}

	// The remote opens through the session: another device of Anna's, no host link.
	tablet := b.tab(800, 1000, false)
	b.signIn(tablet, base, "anna@example.org", "anna's password")
	b.do(tablet, "the remote from my rooms",
		chromedp.Navigate(base+"/rooms"),
		chromedp.WaitVisible(tid("open-remote")),
		chromedp.Click(tid("open-remote")),
		chromedp.WaitVisible(tid("host-status")),
	)
	if title := b.evalString(tablet, `document.querySelector('[data-testid="room-title"]').textContent`); title == "" {
		t.Error("the remote shows no room")
	}
	if b.evalBool(tablet, `Object.keys(localStorage).some(k => k.startsWith('huddle.host.'))`) {
		t.Error("the session's remote stored a host token")
	}

	// An invitation, accepted on a phone.
	b.do(laptop, "invite", chromedp.Click(tid("invite")), chromedp.WaitVisible(tid("invite-url")))
	link := b.evalString(laptop, `document.querySelector('[data-testid="invite-url"]').value`)
	if !strings.HasPrefix(link, base+"/invite#") {
		t.Fatalf("invitation link %q", link)
	}
	phone := b.tab(360, 740, true)
	b.do(phone, "the invitation",
		chromedp.Navigate(link),
		chromedp.WaitVisible(tid("name")),
		chromedp.SendKeys(tid("name"), "Борис"),
		chromedp.SendKeys(tid("login"), "boris"),
		chromedp.SendKeys(tid("password"), "boris's password"),
		chromedp.SendKeys(tid("password2"), "boris's password"),
		chromedp.Click(tid("register")),
	)
	b.waitPage(phone, "Boris signed in", `location.pathname === '/' && document.querySelector('[data-testid="account-name"]')?.textContent === 'Борис'`)
	b.do(phone, "Boris's rooms", chromedp.Navigate(base+"/rooms"), chromedp.WaitVisible(tid("rooms-empty")))

	// Sign out.
	b.do(laptop, "sign out",
		chromedp.Navigate(base+"/rooms"),
		chromedp.WaitVisible(tid("account-name")),
		chromedp.Click(tid("account-name")),
		chromedp.WaitVisible(tid("sign-out")),
		chromedp.Click(tid("sign-out")),
	)
	b.waitPage(laptop, "the sign-in page", `location.pathname === '/signin' && !!document.querySelector('[data-testid="signin-form"]')`)
	b.do(laptop, "my rooms signed out", chromedp.Navigate(base+"/rooms"), chromedp.WaitVisible(tid("signin-form")))
	if code := b.evalString(laptop, `document.cookie`); strings.Contains(code, sessionCookie) {
		t.Error("the session cookie is readable from the page")
	}
}

// TestAccountPagesScreens leaves screenshots of the facilitators' pages on
// a laptop (1366×768) and a phone (360×740), in Russian and English, and
// checks that nothing is wider than the screen and every control on the
// phone is at least 44 px tall.
func TestAccountPagesScreens(t *testing.T) {
	execPath := chromiumPath(t)
	e := startEnv(t, store.NewMemory(), shippedScenarios(t))
	ctx := context.Background()
	_, annaS := addFacilitator(t, e, "anna@example.org")
	boris, _ := addFacilitator(t, e, "boris")
	// Three rooms: running, finished, expired; one shared with Boris.
	running := createAs(t, e.url, annaS, map[string]any{"scenario": "partnership-quiz", "team_count": 3})
	finished := createAs(t, e.url, annaS, map[string]any{"scenario": "partnership-board"})
	expired := createAs(t, e.url, annaS, map[string]any{"scenario": "ngo-day"})
	joinRoom(t, e.url, running.Code, "Вера", "")
	postJSONAs(t, annaS, e.url+"/api/account/rooms/"+running.Room+"/co", map[string]string{"login": boris.Login}, nil)
	h := dial(t, e.url, finished.Room, finished.HostToken)
	h.do("end", nil)
	if err := e.hub.Delete(ctx, expired.Room); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, execPath)
	for _, lang := range []string{"ru", "en"} {
		for _, dev := range []struct {
			name          string
			width, height int64
			phone         bool
		}{{"1366x768", 1366, 768, false}, {"360x740", 360, 740, true}} {
			tab := b.tab(dev.width, dev.height, dev.phone)
			shot := func(page string) {
				b.waitPage(tab, page+" fits", `document.documentElement.scrollWidth <= window.innerWidth`)
				if dev.phone {
					small := b.evalString(tab, `[...document.querySelectorAll('button, a.btn, input, select, summary')]
						.filter(el => el.offsetParent && el.getBoundingClientRect().height < 44)
						.map(el => el.outerHTML.slice(0, 80)).join('\n')`)
					if small != "" {
						t.Errorf("%s %s %s: controls under 44 px:\n%s", page, lang, dev.name, small)
					}
				}
				b.screenshot(tab, fmt.Sprintf("account-%s-%s-%s.png", page, lang, dev.name))
			}
			b.do(tab, "sign-in page", chromedp.Navigate(e.url+"/signin?lang="+lang), chromedp.WaitVisible(tid("signin-form")))
			shot("signin")
			b.do(tab, "setup page", chromedp.Navigate(e.url+"/setup#"+strings.Repeat("0", 64)), chromedp.WaitVisible(tid("register-form")))
			b.waitPage(tab, "setup texts", `document.querySelector('#heading').textContent !== ''`)
			b.do(tab, "clear the error", chromedp.Evaluate[chromedp.Void](`document.querySelector('#form-error').hidden = true`))
			shot("setup")
			b.do(tab, "invitation page", chromedp.Navigate(e.url+"/invite#"+strings.Repeat("1", 64)), chromedp.WaitVisible(tid("register-form")))
			shot("invite")
			b.signIn(tab, e.url, "anna@example.org", "anna@example.org password")
			b.do(tab, "my rooms", chromedp.Navigate(e.url+"/rooms"), chromedp.WaitVisible(chromedp.CSS(`[data-status="expired"]`)))
			shot("rooms")
			if !dev.phone {
				b.do(tab, "the landing page", chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(tid("scenario")))
				shot("index")
			}
		}
	}
}
