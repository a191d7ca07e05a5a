package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Checks a projector screen must pass at any size: nothing cut off, nothing
// off the screen, text large enough for the back row. Each names the
// offending elements, so a failure says what to fix.

// fitsJS lists every visible element that clips its content (overflow
// hidden, clip, auto or scroll, with more content than room) or sticks out
// of the viewport.
const fitsJS = `(() => {
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim()) s += '.' + el.className.trim().split(/\s+/).join('.');
    if (el.dataset && el.dataset.testid) s += '[data-testid=' + el.dataset.testid + ']';
    const text = (el.textContent || '').trim().replace(/\s+/g, ' ');
    return text ? s + ' «' + text.slice(0, 60) + '»' : s;
  };
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('dialog:not([open]), [hidden], template, script, style')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || cs.display === 'contents') continue;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue;
    const clips = (v) => v === 'hidden' || v === 'clip' || v === 'auto' || v === 'scroll';
    if ((clips(cs.overflowX) && el.scrollWidth > el.clientWidth + 1) || (clips(cs.overflowY) && el.scrollHeight > el.clientHeight + 1)) {
      bad.push(name(el) + ': content ' + el.scrollWidth + '×' + el.scrollHeight + ' in ' + el.clientWidth + '×' + el.clientHeight);
    }
    if (cs.position !== 'fixed' && (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1)) {
      bad.push(name(el) + ': box ' + Math.round(r.left) + ',' + Math.round(r.top) + '–' + Math.round(r.right) + ',' + Math.round(r.bottom) + ' outside ' + vw + '×' + vh);
    }
  }
  return bad;
})()`

// assertFits fails the test, naming each element, if anything on the page
// in tab is clipped or outside the viewport.
func assertFits(ctx context.Context, t *testing.T, what string) {
	t.Helper()
	bad := evalIn[[]string](ctx, t, fitsJS)
	if len(bad) > 0 {
		if len(bad) > 12 {
			bad = append(bad[:12], fmt.Sprintf("… and %d more", len(bad)-12))
		}
		t.Errorf("%s: does not fit:\n  %s", what, strings.Join(bad, "\n  "))
	}
}

// assertTextAtLeast fails if any visible text inside root is set smaller
// than px CSS pixels.
func assertTextAtLeast(ctx context.Context, t *testing.T, root string, px float64, what string) {
	t.Helper()
	bad := evalIn[[]string](ctx, t, fmt.Sprintf(`(() => {
  const bad = [];
  const root = document.querySelector(%q);
  if (!root) return ['no ' + %q];
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || getComputedStyle(el).visibility === 'hidden') continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < %f - 0.05) bad.push(el.tagName.toLowerCase() + '.' + el.className + ' «' + n.textContent.trim().slice(0, 40) + '» ' + size.toFixed(1) + 'px');
  }
  return [...new Set(bad)].slice(0, 12);
})()`, root, root, px))
	if len(bad) > 0 {
		t.Errorf("%s: text under %.0fpx:\n  %s", what, px, strings.Join(bad, "\n  "))
	}
}

// assertTargets fails if any visible button, link, input or element with
// role=button inside root is smaller than px CSS pixels in either direction.
// A radio or checkbox counts by its label.
func assertTargets(ctx context.Context, t *testing.T, root string, px float64, what string) {
	t.Helper()
	bad := evalIn[[]string](ctx, t, fmt.Sprintf(`(() => {
  const bad = [];
  const root = document.querySelector(%q);
  if (!root) return ['no ' + %q];
  for (let el of root.querySelectorAll('button, a[href], input, select, textarea, summary, [role=button], [role=tab]')) {
    if ((el.type === 'radio' || el.type === 'checkbox') && el.closest('label')) el = el.closest('label');
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (r.width < 1 || cs.visibility === 'hidden' || el.closest('[hidden]')) continue;
    if (r.height < %f - 0.5 || r.width < %f - 0.5) bad.push(el.tagName.toLowerCase() + '.' + el.className + ' «' + (el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '» ' + Math.round(r.width) + '×' + Math.round(r.height));
  }
  return [...new Set(bad)].slice(0, 12);
})()`, root, root, px, px))
	if len(bad) > 0 {
		t.Errorf("%s: targets under %.0fpx:\n  %s", what, px, strings.Join(bad, "\n  "))
	}
}

func evalIn[T any](ctx context.Context, t *testing.T, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	return v
}
