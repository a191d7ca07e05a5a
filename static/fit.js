// fit.js: every projector screen fits the screen, whatever the scenario
// says. A screen's type is set in rem times var(--k) with a floor of 1.5rem
// (24px at 1920×1080, the back row's minimum), so fitting is a matter of
// lowering --k until nothing overflows. Where even the floor is too big,
// the screen's own degrade() takes something away (fewer names, fewer
// columns a page) and the fit starts again; pages that take turns are all
// in the page at once, stacked in one place, so they are measured together.

const STEP = 0.05;
const FLOOR = 0.3; // by then every text is at its 1.5rem floor

/**
 * overflowing lists the elements inside root that do not fit: root itself
 * when its content is taller or wider than it, and every element that clips
 * its own content (overflow other than visible) and has more than it shows.
 */
export function overflowing(root) {
  const bad = [];
  const over = (el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
  if (over(root)) bad.push(root);
  for (const el of root.querySelectorAll('*')) {
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.display === 'contents') continue;
    if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
    if (el.clientHeight < 2 && el.clientWidth < 2) continue;
    if (over(el)) bad.push(el);
  }
  return bad;
}

/**
 * fitSection sets section's --k to the largest value (1, or the section's
 * data-kmax, at most) at which
 * nothing in it overflows, after section.reset() if it has one (which
 * draws its full content). When none does down to the floor, it calls
 * section.degrade() (if any), which changes the content and returns false
 * once it has nothing left to give, and tries again. Entry animations are
 * held while measuring: a box sliding in is not a box out of place. It
 * returns whether the section fits.
 */
export function fitSection(section) {
  if (!section || !section.isConnected) return true;
  section.classList.add('fitting');
  // A screen fitted before (a smaller window, fewer names) starts afresh.
  if (typeof section.reset === 'function') section.reset();
  let ok = false;
  const top = parseFloat(section.dataset.kmax) || 1;
  for (let round = 0; round < 12 && !ok; round++) {
    let k = top;
    for (;;) {
      section.style.setProperty('--k', k.toFixed(2));
      if (!overflowing(section).length) {
        ok = true;
        // A step more for air between the text and its box's edge.
        if (k < top && k - STEP >= FLOOR) section.style.setProperty('--k', (k - STEP).toFixed(2));
        break;
      }
      if (k - STEP < FLOOR - 1e-9) break;
      k -= STEP;
    }
    if (!ok && !(typeof section.degrade === 'function' && section.degrade())) break;
  }
  section.classList.remove('fitting');
  section.dataset.fit = ok ? 'ok' : 'over';
  // The size it was fitted at: a window resized since waits for its refit.
  section.dataset.fitSize = innerWidth + 'x' + innerHeight;
  if (typeof section.afterFit === 'function') section.afterFit();
  return ok;
}

/**
 * rotate shows the .fit-page children of box one at a time, each for ms,
 * and marks which is shown with data-page; it returns a stop function. With
 * one page it does nothing. page, when given (the host turned the
 * projector's page: screen.page), is shown instead, wrapped around the
 * number of pages, and the pages stay put.
 */
export function rotate(box, ms = 12000, page = null) {
  const pages = [...box.querySelectorAll(':scope > .fit-page')];
  const dots = box.querySelector(':scope > .fit-dots');
  const n = Math.max(1, pages.length);
  let i = page == null ? 0 : ((page % n) + n) % n;
  const show = () => {
    pages.forEach((p, j) => p.classList.toggle('shown', j === i));
    if (dots) [...dots.children].forEach((d, j) => d.classList.toggle('on', j === i));
    box.dataset.page = String(i);
    box.dataset.turned = page == null ? 'auto' : 'host';
  };
  show();
  if (pages.length < 2 || page != null) return () => {};
  const timer = setInterval(() => {
    i = (i + 1) % pages.length;
    show();
  }, ms);
  return () => clearInterval(timer);
}
