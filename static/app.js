// app.js: what every huddle page shares.
//
// - i18n: the ru/en dictionary, t(), the RU/EN toggle;
// - clock: the server-time offset and countdowns to absolute deadlines;
// - Connection: the WebSocket client (hello, command ids, acks, reconnect);
// - api(): JSON over fetch with the API's error shape;
// - h(): a tiny DOM builder that only ever sets text through textContent.
//
// Nothing here (or in any page) puts server or user data into innerHTML.

// ---------------------------------------------------------------- storage

/** store wraps localStorage; private modes and full quotas must not break a page. */
export const store = {
  get(key) {
    try {
      const raw = localStorage.getItem(key);
      return raw == null ? null : JSON.parse(raw);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch {
      return false;
    }
  },
  remove(key) {
    try {
      localStorage.removeItem(key);
    } catch {
      /* ignore */
    }
  },
  keys(prefix) {
    const out = [];
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (k && k.startsWith(prefix)) out.push(k);
      }
    } catch {
      /* ignore */
    }
    return out;
  },
};

// ---------------------------------------------------------------- i18n

const LANG_KEY = 'huddle.lang';
const LANGS = ['ru', 'en'];

let currentLang = 'ru';
let langChosen = false; // true when the user (query or toggle) picked the language

(function initLang() {
  const q = new URLSearchParams(location.search).get('lang');
  if (LANGS.includes(q)) {
    currentLang = q;
    langChosen = true;
    store.set(LANG_KEY, q);
    return;
  }
  const saved = store.get(LANG_KEY);
  if (LANGS.includes(saved)) {
    currentLang = saved;
    langChosen = true;
  }
})();

/** lang returns the interface language, "ru" or "en". */
export function lang() {
  return currentLang;
}

/** langWasChosen tells whether the user picked a language (query or toggle) rather than the default. */
export function langWasChosen() {
  return langChosen;
}

/**
 * setLang switches the interface language, remembers it when asked,
 * re-applies data-i18n texts and fires a "langchange" event on window.
 */
export function setLang(l, { remember = true } = {}) {
  if (!LANGS.includes(l)) return;
  if (remember) {
    langChosen = true;
    store.set(LANG_KEY, l);
    // A ?lang= left in the address bar would undo the choice on reload.
    const url = new URL(location.href);
    if (url.searchParams.has('lang')) {
      url.searchParams.delete('lang');
      history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    }
  }
  if (l === currentLang) return;
  currentLang = l;
  applyI18n();
  window.dispatchEvent(new CustomEvent('langchange', { detail: l }));
}

function pluralForm(n, forms) {
  if (!Array.isArray(forms)) return forms;
  const a = Math.abs(Number(n) || 0);
  if (currentLang === 'ru') {
    const m10 = a % 10;
    const m100 = a % 100;
    if (!Number.isInteger(a)) return forms[1];
    if (m10 === 1 && m100 !== 11) return forms[0];
    if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return forms[1];
    return forms[2];
  }
  return a === 1 ? forms[0] : forms[1];
}

/**
 * t translates a key. {name} placeholders are filled from vars; an array
 * value is a plural list chosen by vars.n (ru: one/few/many, en: one/other).
 */
export function t(key, vars) {
  let s = DICT[currentLang][key];
  if (s === undefined) s = DICT.ru[key];
  if (s === undefined) return key;
  if (Array.isArray(s)) s = pluralForm(vars ? vars.n : 0, s);
  if (vars) {
    s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  }
  return s;
}

/** addStrings adds ru/en strings to the dictionary, for a page part kept in its own file. */
export function addStrings(more) {
  for (const l of LANGS) Object.assign(DICT[l], more[l] || {});
}

/** applyI18n fills data-i18n (text), data-i18n-placeholder, -aria-label, -title and -alt attributes. */
export function applyI18n(root = document) {
  document.documentElement.lang = currentLang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  }
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-alt]')) el.alt = t(el.dataset.i18nAlt);
  for (const el of root.querySelectorAll('.lang-toggle button')) {
    el.setAttribute('aria-pressed', String(el.dataset.lang === currentLang));
  }
}

/** mountLangToggle fills every .lang-toggle element with RU/EN buttons. */
export function mountLangToggle() {
  for (const box of document.querySelectorAll('.lang-toggle')) {
    box.replaceChildren();
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', t('language'));
    box.dataset.i18nAriaLabel = 'language'; // follows a change of language
    for (const l of LANGS) {
      box.append(
        h('button', {
          type: 'button',
          'data-lang': l,
          'data-testid': 'lang-' + l,
          'aria-pressed': String(l === currentLang),
          lang: l,
          onclick: () => setLang(l),
          text: l.toUpperCase(),
        }),
      );
    }
  }
}

/** fmtNum formats an integer with the language's digit grouping. */
export function fmtNum(n) {
  const v = Number(n) || 0;
  return v.toLocaleString(currentLang === 'ru' ? 'ru-RU' : 'en-US', { maximumFractionDigits: 2 });
}

/** place renders a rank: "1 место" / "1st place". */
export function place(n) {
  if (!n) return '—';
  if (currentLang === 'en') {
    const m100 = n % 100;
    const m10 = n % 10;
    const suf = m100 >= 11 && m100 <= 13 ? 'th' : m10 === 1 ? 'st' : m10 === 2 ? 'nd' : m10 === 3 ? 'rd' : 'th';
    return `${n}${suf} place`;
  }
  return `${n} место`;
}

/** fmtCode splits a 6-digit join code for reading aloud: "123 456". */
export function fmtCode(code) {
  const s = String(code || '');
  return s.length === 6 ? s.slice(0, 3) + '\u2009' + s.slice(3) : s;
}

// ---------------------------------------------------------------- DOM

/**
 * h builds an element. props: class, text, style (object; "--x" keys become
 * custom properties), dataset, on<event> handlers, other keys as attributes
 * (false/null skipped, true as empty). Children: nodes, strings (as text),
 * arrays, null.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  appendAll(el, children);
  return el;
}

function setProps(el, props) {
  if (!props) return;
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'style') {
      for (const [sk, sv] of Object.entries(v)) {
        if (sv == null) continue;
        if (sk.startsWith('--')) el.style.setProperty(sk, String(sv));
        else el.style[sk] = sv;
      }
    } else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
}

function appendAll(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) appendAll(el, c);
    else if (c instanceof Node) el.append(c);
    else el.append(document.createTextNode(String(c)));
  }
}

/** fill replaces an element's children, skipping null/false (replaceChildren would print "null"). */
export function fill(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
  return el;
}

// ---------------------------------------------------------------- Markdown

const INLINE_MD =
  /\\([\\`*_[\]()#+\-.!])|`([^`\n]+)`|\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__|\*(?=[^\s*])([\s\S]*?[^\s*])\*|_(?=\S)([\s\S]*?\S)_|\[([^\]\n]+)\]\(([^)\s]+)\)|\n/g;

const WORD_CHAR = /[\p{L}\p{N}]/u;

function inlineMd(parent, s) {
  const re = new RegExp(INLINE_MD.source, 'g');
  let last = 0;
  let m;
  while ((m = re.exec(s))) {
    if (m[6] !== undefined) {
      // snake_case is not emphasis: "_" must stand at a word boundary.
      const before = s[m.index - 1];
      const after = s[m.index + m[0].length];
      if ((before && WORD_CHAR.test(before)) || (after && WORD_CHAR.test(after))) {
        re.lastIndex = m.index + 1;
        continue;
      }
    }
    parent.append(s.slice(last, m.index));
    if (m[1] !== undefined) parent.append(m[1]);
    else if (m[2] !== undefined) parent.append(h('code', { text: m[2] }));
    else if (m[3] !== undefined || m[4] !== undefined) {
      const el = document.createElement('strong');
      inlineMd(el, m[3] !== undefined ? m[3] : m[4]);
      parent.append(el);
    } else if (m[5] !== undefined || m[6] !== undefined) {
      const el = document.createElement('em');
      inlineMd(el, m[5] !== undefined ? m[5] : m[6]);
      parent.append(el);
    } else if (m[7] !== undefined) {
      const href = m[8];
      if (/^https?:\/\//i.test(href)) {
        const a = h('a', { href, target: '_blank', rel: 'noopener noreferrer' });
        inlineMd(a, m[7]);
        parent.append(a);
      } else {
        inlineMd(parent, m[7]);
      }
    } else parent.append(document.createElement('br'));
    last = re.lastIndex;
  }
  parent.append(s.slice(last));
}

/**
 * md renders the Markdown subset that scenario texts use (**bold**,
 * *italic*, `code`, [links](https://…), line breaks; with block: paragraphs
 * and "-" / "1." lists) into DOM nodes. Everything is built with
 * createElement and text nodes: no HTML from the text is ever parsed.
 */
export function md(src, { block = false } = {}) {
  const frag = document.createDocumentFragment();
  const text = String(src == null ? '' : src).replace(/\r\n?/g, '\n');
  if (!block) {
    inlineMd(frag, text.trim());
    return frag;
  }
  for (const chunk of text.split(/\n\s*\n/)) {
    const lines = chunk.split('\n').filter((l) => l.trim());
    if (!lines.length) continue;
    const item = /^\s*([-*+]|\d+[.)])\s+/;
    if (lines.every((l) => item.test(l))) {
      const list = document.createElement(/^\s*\d/.test(lines[0]) ? 'ol' : 'ul');
      for (const l of lines) {
        const li = document.createElement('li');
        inlineMd(li, l.replace(item, ''));
        list.append(li);
      }
      frag.append(list);
    } else {
      const p = document.createElement('p');
      inlineMd(p, lines.join('\n'));
      frag.append(p);
    }
  }
  return frag;
}

/** mdText is the plain text of a Markdown string (for titles and labels). */
export function mdText(src) {
  const box = document.createElement('span');
  box.append(md(src));
  return box.textContent;
}

/** $ is querySelector. */
export const $ = (sel, root = document) => root.querySelector(sel);

/** show toggles the hidden attribute. */
export function show(el, on) {
  if (el) el.hidden = !on;
}

/** setText changes textContent only when it differs (no needless layout). */
export function setText(el, s) {
  s = s == null ? '' : String(s);
  if (el && el.textContent !== s) el.textContent = s;
}

const SVG = 'http://www.w3.org/2000/svg';

/** svgEl creates an SVG element with attributes. */
export function svgEl(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

const SHAPES = [
  ['polygon', { points: '50,8 94,88 6,88' }], // triangle
  ['polygon', { points: '50,4 96,50 50,96 4,50' }], // diamond
  ['circle', { cx: 50, cy: 50, r: 44 }], // circle
  ['rect', { x: 9, y: 9, width: 82, height: 82, rx: 4 }], // square
  ['polygon', { points: '50,4 61,37 96,37 68,58 78,92 50,71 22,92 32,58 4,37 39,37' }], // star
  ['polygon', { points: '27,8 73,8 96,50 73,92 27,92 4,50' }], // hexagon
  ['polygon', { points: '50,4 96,38 78,94 22,94 4,38' }], // pentagon
  ['polygon', { points: '36,4 64,4 64,36 96,36 96,64 64,64 64,96 36,96 36,64 4,64 4,36 36,36' }], // cross
];

/** shape returns the SVG symbol of option number i (triangle, diamond, circle, square, …). */
export function shape(i) {
  const [tag, attrs] = SHAPES[((i % SHAPES.length) + SHAPES.length) % SHAPES.length];
  const svg = svgEl('svg', { viewBox: '0 0 100 100', class: 'shape', 'aria-hidden': 'true', focusable: 'false' });
  svg.append(svgEl(tag, { ...attrs, fill: 'currentColor' }));
  return svg;
}

/** icon returns a small line icon by name (check, cross, clock, users, wifi). */
export function icon(name) {
  const svg = svgEl('svg', {
    viewBox: '0 0 24 24',
    class: 'icon icon-' + name,
    'aria-hidden': 'true',
    focusable: 'false',
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': 2.4,
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
  });
  const paths = {
    check: ['M4 12.5l5 5L20 6.5'],
    cross: ['M6 6l12 12', 'M18 6L6 18'],
    clock: ['M12 7v5l3 2', 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z'],
    users: ['M16 19v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1', 'M9.5 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6z', 'M21 19v-1a4 4 0 0 0-3-3.8', 'M15.5 4.2a3 3 0 0 1 0 5.6'],
    phone: ['M8 2h8a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z', 'M11 18h2'],
    star: ['M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1L3.2 9.5l6.1-.9z'],
    trophy: ['M8 21h8', 'M12 17v4', 'M7 4h10v5a5 5 0 0 1-10 0z', 'M17 5h3v2a3 3 0 0 1-3 3', 'M7 5H4v2a3 3 0 0 0 3 3'],
    copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
    screen: ['M3 4h18v12H3z', 'M8 20h8', 'M12 16v4'],
    download: ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'],
    expand: ['M4 9V4h5', 'M20 9V4h-5', 'M4 15v5h5', 'M20 15v5h-5'],
    sound: ['M4 9h4l5-4v14l-5-4H4z', 'M16.5 8.5a5 5 0 0 1 0 7', 'M19 6a8.5 8.5 0 0 1 0 12'],
    mute: ['M4 9h4l5-4v14l-5-4H4z', 'M17 9.5l5 5', 'M22 9.5l-5 5'],
  };
  for (const d of paths[name] || []) svg.append(svgEl('path', { d }));
  return svg;
}

// ---------------------------------------------------------------- colours

const TEAM_COLORS = [
  '#2f6fdf', // blue
  '#d93a3a', // red
  '#14946b', // green
  '#d88a06', // amber
  '#7d4fd6', // violet
  '#0e93b4', // cyan
  '#d23c83', // pink
  '#5e9a12', // lime
  '#e2661b', // orange
  '#5b6b82', // slate
];

/**
 * teamColor picks a team's colour. Teams are "t1", "t2"…, so the number in
 * the id gives the same colour on the projector and on every phone.
 */
export function teamColor(id, index) {
  const m = /(\d+)\s*$/.exec(String(id || ''));
  let i;
  if (m) i = parseInt(m[1], 10) - 1;
  else if (typeof index === 'number') i = index;
  else i = [...String(id || '')].reduce((a, c) => (a * 31 + c.charCodeAt(0)) | 0, 7);
  return TEAM_COLORS[((i % TEAM_COLORS.length) + TEAM_COLORS.length) % TEAM_COLORS.length];
}

/**
 * optionLook tells how option i of a question is drawn: its style number
 * (colour and shape) and its letter. True/false gets blue/red without letters.
 */
export function optionLook(question, i) {
  if (question && question.type === 'truefalse') {
    const id = question.options && question.options[i] && question.options[i].id;
    return { style: id === 'false' ? 0 : 1, letter: '' };
  }
  return { style: i, letter: String.fromCharCode(65 + i) };
}

/** optionBadge draws option i's shape with its letter on it. */
export function optionBadge(question, i) {
  const look = optionLook(question, i);
  return h(
    'span',
    { class: ['opt-badge', 'shape-' + (look.style % 8)], 'aria-hidden': 'true' },
    shape(look.style),
    look.letter ? h('span', { class: 'opt-letter', text: look.letter }) : null,
  );
}

/** optionLabel returns an option's text, with a fallback for true/false without text. */
export function optionLabel(question, opt) {
  if (opt && opt.text) return opt.text;
  if (opt && opt.id === 'true') return t('opt_true');
  if (opt && opt.id === 'false') return t('opt_false');
  return opt ? opt.id : '';
}

// ---------------------------------------------------------------- clock

/**
 * clock keeps the offset between the server's clock and this device's:
 * offset = frame.time - Date.now(), refreshed from every frame.
 */
export const clock = {
  offset: 0,
  update(serverTime) {
    if (typeof serverTime === 'number' && serverTime > 0) this.offset = serverTime - Date.now();
  },
  now() {
    return Date.now() + this.offset;
  },
};

/**
 * countdown calls onTick(msLeft) about 10 times a second until the absolute
 * server-time deadline passes (one last call with 0). Returns a stop function.
 */
export function countdown(deadline, onTick) {
  let timer = null;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    const left = Math.max(0, deadline - clock.now());
    onTick(left);
    if (left > 0) timer = setTimeout(tick, Math.min(100, left));
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * timerRing builds a round countdown (ring + seconds). start(question)
 * runs it to the question's absolute deadline and returns a stop function.
 */
export function timerRing(size = 'l') {
  const C = 2 * Math.PI * 54;
  const svg = svgEl('svg', { viewBox: '0 0 120 120', class: 'timer-ring', 'aria-hidden': 'true' });
  const bar = svgEl('circle', {
    cx: 60,
    cy: 60,
    r: 54,
    class: 'timer-bar',
    'stroke-dasharray': C.toFixed(2),
    'stroke-dashoffset': 0,
    transform: 'rotate(-90 60 60)',
  });
  svg.append(svgEl('circle', { cx: 60, cy: 60, r: 54, class: 'timer-track' }), bar);
  const num = h('span', { class: 'timer-num' });
  const el = h('div', { class: ['timer', 'timer-' + size], role: 'timer', 'data-testid': 'countdown' }, svg, num);
  const update = (ms, total) => {
    const s = secondsLeft(ms);
    setText(num, s);
    const frac = total > 0 ? Math.max(0, Math.min(1, ms / total)) : 0;
    bar.setAttribute('stroke-dashoffset', (C * (1 - frac)).toFixed(2));
    el.classList.toggle('urgent', ms > 0 && ms <= 5000);
    el.classList.toggle('done', ms <= 0);
    el.dataset.left = String(s);
  };
  const start = (q, onTick) => {
    if (!q.deadline) {
      el.hidden = true;
      return () => {};
    }
    const total = (q.time_limit_ms || Math.max(1, q.deadline - q.opened_at)) + (q.added_ms || 0);
    // Held by the host: the clock stands at the time left until it runs on.
    el.classList.toggle('paused', !!q.paused);
    if (q.paused) {
      update(q.remaining_ms || 0, total);
      return () => {};
    }
    return countdown(q.deadline, (ms) => {
      update(ms, total);
      if (onTick) onTick(ms);
    });
  };
  return { el, update, start };
}

/** secondsLeft rounds remaining milliseconds up to whole seconds for display. */
export function secondsLeft(ms) {
  return Math.ceil(ms / 1000);
}

// ---------------------------------------------------------------- HTTP

/** ApiError is a failed API call: status, code and a sentence for the user. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || String(status));
    this.status = status;
    this.code = code || '';
    this.retryAfter = null; // seconds the server asked to wait (Retry-After), if it did
    this.cancelled = false; // the user stopped the retries
  }
}

/** retryAfterSeconds reads a Retry-After header given in seconds; null for none or a date. */
function retryAfterSeconds(v) {
  return v && /^\s*\d+\s*$/.test(v) ? Number(v) : null;
}

/** api calls the JSON API and throws ApiError with the server's message on failure. */
export async function api(method, path, body, { signal } = {}) {
  const init = {
    method,
    headers: { Accept: 'application/json', 'Accept-Language': currentLang },
    credentials: 'same-origin',
    signal,
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', t('err_network'));
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = new ApiError(res.status, data && data.error, (data && data.message) || t('err_http', { status: res.status }));
    e.retryAfter = retryAfterSeconds(res.headers.get('Retry-After'));
    throw e;
  }
  return data;
}

// Retries of a call the server could not answer now (docs/protocol.md,
// "Retrying a request"). A wait the server asks for longer than
// RETRY_MAX_S is not waited out on the spot: the user reads why and
// decides.
export const RETRY_MAX_S = 30;
const RETRY_TRIES = 4; // the first call and three retries
const NETWORK_WAIT_S = [2, 4, 8]; // no answer at all: nobody said how long

/**
 * retryWait is how long to wait before asking again after a failed call, in
 * milliseconds, or 0 when asking again would not help: a 4xx is an answer
 * (bad name, room full, locked), except a 429 whose Retry-After is short.
 * A 503 or 429 waits what Retry-After says, 1 to RETRY_MAX_S seconds, plus
 * up to a second of jitter so that a room of phones does not come back in
 * one burst; never sooner than asked.
 */
export function retryWait(e, attempt, rand = Math.random) {
  if (!(e instanceof ApiError) || e.cancelled) return 0;
  let s;
  if (e.status === 0) s = NETWORK_WAIT_S[Math.min(attempt, NETWORK_WAIT_S.length) - 1];
  else if ((e.status === 503 || e.status === 429) && e.retryAfter !== null && e.retryAfter <= RETRY_MAX_S) s = Math.max(1, e.retryAfter);
  else return 0;
  return Math.round(s * 1000 + rand() * Math.min(1000, s * 200));
}

/**
 * retrying calls call(signal) again, up to RETRY_TRIES calls in all, while
 * it fails with an ApiError that retryWait says to wait for (503 or 429
 * with a short Retry-After, or no answer at all). onWait(ms, err) is told
 * each wait. Aborting signal stops the retries: the last error is thrown
 * with .cancelled set.
 */
export async function retrying(call, { signal, onWait } = {}) {
  let err = null;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(signal);
    } catch (e) {
      // Cancelled while asking: the reason to show is the answer that made
      // us wait, not the aborted call.
      if (!(signal && signal.aborted && err)) err = e;
    }
    if (signal && signal.aborted) err.cancelled = true;
    const ms = attempt < RETRY_TRIES ? retryWait(err, attempt) : 0;
    if (!ms) throw err;
    if (onWait) onWait(ms, err);
    const waited = await new Promise((resolve) => {
      const done = (ok) => {
        clearTimeout(timer);
        if (signal) signal.removeEventListener('abort', stop);
        resolve(ok);
      };
      const stop = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      if (signal) signal.addEventListener('abort', stop);
    });
    if (!waited) {
      err.cancelled = true;
      throw err;
    }
  }
}

/** apiRetry is api that asks again as retrying does. */
export function apiRetry(method, path, body, { signal, onWait } = {}) {
  return retrying((sig) => api(method, path, body, { signal: sig }), { signal, onWait });
}

/**
 * withNotice is retrying with what the person sees while it waits: a line
 * after anchor that counts down to the next try ("Server busy, retrying in
 * 5 s…") and a Cancel button. Whatever was typed in the form stays.
 * Resolves or throws as retrying does; the notice is gone by then.
 */
export async function withNotice(call, anchor) {
  const ctl = new AbortController();
  const text = h('p', { class: 'retry-text', 'data-testid': 'retry-text' });
  const cancel = h('button', { type: 'button', class: 'btn btn-ghost retry-cancel', 'data-testid': 'retry-cancel', text: t('retry_cancel') });
  cancel.addEventListener('click', () => ctl.abort());
  const box = h('div', { class: 'retry-notice', role: 'status', 'data-testid': 'retry-notice', hidden: true }, text, cancel);
  anchor.after(box);
  let tick = null;
  const onWait = (ms, err) => {
    clearInterval(tick);
    const until = Date.now() + ms;
    const key = err.status === 0 ? 'retry_offline' : 'retry_busy';
    const show = () => {
      const left = until - Date.now();
      setText(text, left > 0 ? t(key, { s: Math.ceil(left / 1000) }) : t('retry_now'));
      if (left <= 0) clearInterval(tick);
    };
    show();
    box.hidden = false;
    tick = setInterval(show, 250);
  };
  try {
    return await retrying(call, { signal: ctl.signal, onWait });
  } finally {
    clearInterval(tick);
    box.remove();
  }
}

/** apiWithNotice is api asked again as withNotice does. */
export function apiWithNotice(method, path, body, anchor) {
  return withNotice((signal) => api(method, path, body, { signal }), anchor);
}

/**
 * joinRoom joins room as a new player over the room's WebSocket: the hello
 * carries the join (docs/protocol.md, "Joining over the socket"), the
 * server answers "joined" with the player's token once the join is stored,
 * then welcome and the phone's state on the same socket. Resolves with
 * {conn, joined}: the Connection, open and ready to go on as the player's
 * own. A refused join rejects with an ApiError of the server's code and
 * sentence (429 or 503 with retryAfter when the server says to come back),
 * a socket that closes first with a network ApiError; opts are the
 * Connection's. Aborting signal stops the socket.
 */
export function joinRoom(room, join, opts, signal) {
  return new Promise((resolve, reject) => {
    const conn = new Connection({
      ...opts,
      room,
      token: '',
      join,
      onJoined: (joined) => resolve({ conn, joined }),
      onJoinFailed: (msg) => {
        if (!msg) {
          reject(new ApiError(0, 'network', t('err_network')));
          return;
        }
        const status = msg.code === 'rate_limited' ? 429 : msg.retry_after ? 503 : 400;
        const e = new ApiError(status, msg.code, msg.message);
        e.retryAfter = typeof msg.retry_after === 'number' ? msg.retry_after : null;
        reject(e);
      },
    });
    if (signal) {
      signal.addEventListener('abort', () => {
        conn.stop();
        reject(Object.assign(new ApiError(0, 'network', t('err_network')), { cancelled: true }));
      });
    }
    conn.connect();
  });
}

/** hashParams reads "#h=…", "#s=…", "#token=…" or a bare "#<token>" from the URL fragment. */
export function hashParams() {
  const raw = location.hash.replace(/^#/, '');
  if (!raw) return {};
  if (/^[0-9a-fA-F]{16,128}$/.test(raw)) return { token: raw };
  const p = new URLSearchParams(raw);
  const out = {};
  for (const [k, v] of p) out[k] = v;
  if (!out.token) out.token = out.h || out.s || out.t || '';
  return out;
}

/**
 * payload returns a frame's data: the server puts it under "data"; fields
 * at the top level are accepted too.
 */
// isLastQuestion reports whether the view's open or last question is the
// last one of the last stage: "next" then leads to the podium.
export function isLastQuestion(v) {
  const q = v.question;
  if (!q) return false;
  const stages = v.room.stages || 1;
  const lastStage = !v.stage || v.stage.index >= stages - 1;
  return lastStage && q.index >= q.count - 1;
}

export function payload(msg) {
  return msg && msg.data && typeof msg.data === 'object' ? msg.data : msg || {};
}

/** pathPart returns the n-th segment of location.pathname ("/screen/abc" → 1 → "abc"). */
export function pathPart(n) {
  const parts = location.pathname.split('/').filter(Boolean);
  return parts[n] ? decodeURIComponent(parts[n]) : '';
}

// ---------------------------------------------------------------- WebSocket

let cmdCounter = 0;

function newCommandId() {
  cmdCounter += 1;
  return 'c' + cmdCounter + Math.random().toString(36).slice(2, 8);
}

const ACK_TIMEOUT = 8000;
const HANDSHAKE_TIMEOUT = 10000;
// A join is answered once it is stored, or refused within the server's 15 s:
// a page that gave up sooner would ask again and find its own name taken.
const JOIN_TIMEOUT = 20000;

/**
 * Connection is one page's WebSocket to a room. It sends hello on every
 * (re)connect, gives each command a unique id and resolves its promise on
 * the matching ack (rejects on error). Commands sent with {retry:true}
 * (answers) survive a disconnect and are re-sent with the same id and data
 * after the next welcome; the server acknowledges such a repeat as a
 * duplicate. Other commands (host controls) are rejected at once when the
 * socket drops, so that "next" is never applied twice by surprise.
 *
 * With opts.outbox, such commands are also kept in localStorage until
 * answered, so an answer given just before the phone locked, lost the
 * network or had its tab discarded is re-sent when the page comes back.
 *
 * opts: room, token, lang, onFrame(msg), onStatus("connecting"|"online"|"offline"|"stopped"),
 * onFatal(code, msg) for unauthorized, room_gone and kicked, outbox (bool),
 * watch (bool: without a token, follow the room as a watcher), join
 * ({name, team, sector, device}: without a token, join the room first; see
 * joinRoom) with onJoined(joined) and onJoinFailed(errorFrame or null).
 */
export class Connection {
  constructor(opts) {
    this.room = opts.room;
    this.token = opts.token;
    this.watch = !!opts.watch; // a watcher's hello: no token, watch only
    this.join = opts.join || null; // a new player's hello: no token yet, join first
    this.onJoined = opts.onJoined || (() => {});
    this.onJoinFailed = opts.onJoinFailed || (() => {});
    this.lang = opts.lang || currentLang;
    this.onFrame = opts.onFrame || (() => {});
    this.onStatus = opts.onStatus || (() => {});
    this.onFatal = opts.onFatal || (() => {});
    this.ws = null;
    this.ready = false;
    this.stopped = false;
    this.attempt = 0;
    this.timer = null;
    this.handshakeTimer = null;
    this.pending = new Map();
    this.status = '';
    this.outboxKey = opts.outbox ? `huddle.outbox.${opts.room}` : '';
    for (const frame of this.loadOutbox()) {
      const noop = () => {};
      this.pending.set(frame.id, { frame, resolve: noop, reject: noop, retry: true, timer: null });
    }
    const wake = () => this.wake();
    window.addEventListener('online', wake);
    window.addEventListener('pageshow', wake);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.wake();
    });
  }

  url() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${location.host}/ws/${encodeURIComponent(this.room)}`;
  }

  setStatus(s) {
    if (this.status === s) return;
    this.status = s;
    this.onStatus(s);
  }

  /** connect opens a socket now (closing a previous one). */
  connect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.detach();
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.setStatus('offline');
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.ready = false;
    this.setStatus('connecting');
    clearTimeout(this.handshakeTimer);
    // A socket that neither opens nor welcomes us in time is dead: try again.
    this.handshakeTimer = setTimeout(
      () => {
        if (this.ws === ws && !this.ready) ws.close();
      },
      this.join ? JOIN_TIMEOUT : HANDSHAKE_TIMEOUT,
    );
    ws.onopen = () => {
      if (this.ws !== ws) return;
      const hello = { type: 'hello', token: this.token, lang: this.lang };
      if (this.watch && !this.token) hello.watch = true;
      if (this.join && !this.token) hello.join = this.join;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      this.handle(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ready = false;
      clearTimeout(this.handshakeTimer);
      this.dropPending();
      if (this.join && !this.stopped) {
        // Gone before the join was answered: the page decides what next.
        this.stop();
        this.onJoinFailed(null);
        return;
      }
      if (this.stopped) {
        this.setStatus('stopped');
        return;
      }
      this.setStatus('offline');
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      /* close follows */
    };
  }

  /** detach forgets the current socket without triggering a reconnect from it. */
  detach() {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    this.ready = false;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(1000);
    } catch {
      /* ignore */
    }
    this.dropPending();
  }

  scheduleReconnect() {
    if (this.stopped || this.timer) return;
    const base = Math.min(5000, 500 * 2 ** this.attempt);
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  /** wake reconnects at once if the socket is down (online, visible, pageshow). */
  wake() {
    if (this.stopped) return;
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) return;
    this.connect();
  }

  /** reconnect drops the socket and connects again now (e.g. after a language change). */
  reconnect() {
    if (this.stopped) return;
    this.attempt = 0;
    this.connect();
  }

  /** setLang changes the hello language and reconnects so the server speaks it. */
  setLang(l) {
    if (this.lang === l) return;
    this.lang = l;
    this.reconnect();
  }

  /** stop closes the socket for good. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.handshakeTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      try {
        ws.close(1000);
      } catch {
        /* ignore */
      }
    }
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(Object.assign(new Error(t('err_offline')), { code: 'offline' }));
    }
    this.pending.clear();
    this.setStatus('stopped');
  }

  loadOutbox() {
    if (!this.outboxKey) return [];
    const v = store.get(this.outboxKey);
    return Array.isArray(v) ? v.filter((f) => f && typeof f.id === 'string' && typeof f.type === 'string') : [];
  }

  /** saveOutbox keeps the unanswered retry commands across page loads. */
  saveOutbox() {
    if (!this.outboxKey) return;
    const frames = [...this.pending.values()].filter((p) => p.retry).map((p) => p.frame);
    // If storage is full or disabled, the in-memory queue still works.
    if (frames.length) store.set(this.outboxKey, frames);
    else store.remove(this.outboxKey);
  }

  settle(id) {
    const p = this.pending.get(id);
    if (!p) return null;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (p.retry) this.saveOutbox();
    return p;
  }

  handle(msg) {
    clock.update(msg.time);
    if (this.join) {
      // Until the join is answered only "joined" or its refusal can come.
      if (msg.type === 'joined' && msg.data && msg.data.token) {
        this.token = msg.data.token;
        this.join = null;
        this.onJoined(msg.data);
      } else if (msg.type === 'error' && !msg.id) {
        this.join = null;
        this.stop();
        this.onJoinFailed(msg);
      }
      return;
    }
    switch (msg.type) {
      case 'welcome':
        this.ready = true;
        this.attempt = 0;
        clearTimeout(this.handshakeTimer);
        this.setStatus('online');
        break;
      case 'ack': {
        const p = this.settle(msg.id);
        if (p) p.resolve(msg);
        break;
      }
      case 'error': {
        const p = msg.id ? this.settle(msg.id) : null;
        if (p) {
          p.reject(Object.assign(new Error(msg.message || msg.code), { code: msg.code }));
        } else if (!msg.id && (msg.code === 'unauthorized' || msg.code === 'room_gone')) {
          this.stopped = true;
          this.pending.clear();
          this.saveOutbox();
          this.onFatal(msg.code, msg);
        }
        break;
      }
      case 'kicked':
        this.stopped = true;
        this.pending.clear();
        this.saveOutbox();
        this.onFatal('kicked', msg);
        break;
    }
    this.onFrame(msg);
    // Re-send answers that were never acknowledged, after the page has seen
    // the fresh state that follows welcome.
    if (msg.type === 'welcome') queueMicrotask(() => this.resendPending());
  }

  transmit(p) {
    if (!this.ws || !this.ready) return;
    try {
      this.ws.send(JSON.stringify(p.frame));
    } catch {
      return;
    }
    clearTimeout(p.timer);
    const ws = this.ws;
    p.timer = setTimeout(() => {
      if (!this.pending.has(p.frame.id)) return;
      if (!p.retry) {
        this.pending.delete(p.frame.id);
        p.reject(Object.assign(new Error(t('err_timeout')), { code: 'timeout' }));
      }
      // No reply in time: the socket is probably dead (a phone on a train).
      if (this.ws === ws) ws.close();
    }, ACK_TIMEOUT);
  }

  resendPending() {
    for (const p of this.pending.values()) if (p.retry) this.transmit(p);
  }

  dropPending() {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      if (!p.retry) {
        this.pending.delete(id);
        p.reject(Object.assign(new Error(t('err_offline')), { code: 'offline' }));
      }
    }
  }

  /**
   * send sends a command and resolves with its ack (rejects with an Error
   * carrying .code). {retry:true} keeps it across reconnects until answered.
   */
  send(type, data, { retry = false } = {}) {
    const id = newCommandId();
    const frame = { id, type };
    if (data !== undefined) frame.data = data;
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        reject(Object.assign(new Error(t('err_offline')), { code: 'offline' }));
        return;
      }
      if (!this.ready && !retry) {
        reject(Object.assign(new Error(t('err_offline')), { code: 'offline' }));
        return;
      }
      const p = { frame, resolve, reject, retry, timer: null };
      this.pending.set(id, p);
      if (retry) this.saveOutbox();
      this.transmit(p);
    });
  }
}

/**
 * mountConnBanner shows a small "reconnecting…" banner while the connection
 * is not online. Returns the status callback to pass to Connection.
 */
export function mountConnBanner() {
  let banner = document.getElementById('conn-banner');
  if (!banner) {
    banner = h('div', { id: 'conn-banner', class: 'conn-banner', role: 'status', 'aria-live': 'polite' });
    document.body.append(banner);
  }
  let seenOnline = false;
  let current = 'connecting';
  const paint = () => {
    const off = current !== 'online' && current !== 'stopped';
    banner.classList.toggle('show', off);
    document.body.dataset.conn = current;
    // Keep the old text while the banner slides away.
    if (off) setText(banner, seenOnline ? t('reconnecting') : t('connecting'));
  };
  window.addEventListener('langchange', paint);
  return (status) => {
    current = status;
    if (status === 'online') seenOnline = true;
    paint();
  };
}

/** toast shows a short message at the bottom of the screen. */
export function toast(message, kind = 'info') {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'assertive' });
    document.body.append(box);
  }
  const el = h('div', { class: ['toast', 'toast-' + kind], role: kind === 'error' ? 'alert' : 'status', text: message });
  box.append(el);
  setTimeout(() => el.classList.add('leaving'), 4200);
  setTimeout(() => el.remove(), 4700);
}

/** animateNumber counts an element's number from `from` to `to`. */
export function animateNumber(el, from, to, ms = 900) {
  if (!el) return;
  if (from === to || matchMedia('(prefers-reduced-motion: reduce)').matches) {
    setText(el, fmtNum(to));
    return;
  }
  const start = performance.now();
  const step = (now) => {
    const k = Math.min(1, (now - start) / ms);
    const e = 1 - (1 - k) ** 3;
    setText(el, fmtNum(Math.round(from + (to - from) * e)));
    if (k < 1) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

/** initPage applies translations, mounts the language toggle and re-applies them on change. */
export function initPage() {
  mountLangToggle();
  applyI18n();
}

// ---------------------------------------------------------------- dictionary

const DICT = {
  ru: {
    language: 'Язык',
    brand_tagline: 'Живые занятия: квиз, деловая игра, хакатон',
    connecting: 'Подключение…',
    reconnecting: 'Нет связи. Переподключаемся…',
    storage_unavailable: 'Хранилище недоступно: игра идёт, но ответы пока не сохраняются и участники ждут подтверждения. Ничего не перезапускайте — всё сохранится, когда хранилище вернётся.',
    err_network: 'Нет связи с сервером. Проверьте интернет и попробуйте ещё раз.',
    retry_busy: 'Сервер занят, пробуем снова через {s}\u00a0с…',
    retry_offline: 'Нет связи с сервером, пробуем снова через {s}\u00a0с…',
    retry_now: 'Пробуем снова…',
    retry_cancel: 'Отменить',
    err_http: 'Сервер ответил ошибкой ({status}).',
    err_offline: 'Нет связи с сервером.',
    err_timeout: 'Сервер не ответил вовремя.',
    opt_true: 'Верно',
    opt_false: 'Неверно',

    // phases
    phase_lobby: 'Ожидание',
    phase_question: 'Вопрос',
    phase_reveal: 'Ответ',
    phase_leaderboard: 'Рейтинг',
    phase_finished: 'Итоги',
    kind_board: 'Хакатон: карточки и рекомендации',

    // index
    title_index: 'huddle — новая сессия',
    index_heading: 'Новая сессия',
    index_lead: 'Выберите сценарий, настройте команды и откройте комнату на проекторе. Участники подключатся с телефонов по коду.',
    scenarios: 'Сценарий',
    scenarios_loading: 'Загружаем сценарии…',
    scenarios_empty: 'На сервере нет ни одного сценария.',
    n_questions: ['{n} вопрос', '{n} вопроса', '{n} вопросов'],
    n_cases: ['{n} кейс', '{n} кейса', '{n} кейсов'],
    n_stages: ['{n} этап', '{n} этапа', '{n} этапов'],
    lang_ru: 'Русский',
    lang_en: 'English',
    relaxed_label: 'Без очков за скорость, больше времени',
    relaxed_help: 'Для групп, где скорость — нечестное преимущество: верный ответ приносит полные очки в любой момент, на каждый вопрос в полтора раза больше времени.',
    team_mode: 'Подсчёт очков команд',
    team_mode_default: 'Как в сценарии',
    team_mode_average: 'Каждый отвечает сам, у команды — среднее',
    team_mode_team: 'Один общий ответ на команду',
    team_mode_help: 'Среднее честно сравнивает команды разного размера. Общий ответ — команда договаривается и отвечает вместе.',
    teams: 'Команды',
    team_count: 'Количество команд',
    team_names: 'Названия команд (можно оставить пустыми)',
    team_default: 'Команда {n}',
    fewer: 'Меньше',
    more: 'Больше',
    create_room: 'Создать комнату',
    creating: 'Создаём…',
    join_as_player: 'Я участник — ввести код',
    recent_rooms: 'Ваши недавние комнаты',
    open_projector: 'Проектор',
    open_remote: 'Пульт',
    forget: 'Забыть',
    code: 'Код',
    room_ready: 'Комната «{title}» готова',
    remote_qr_heading: 'Пульт на телефоне',
    remote_qr_help: 'Наведите камеру телефона и войдите под своей учётной записью: пульт откроется сразу. В коде нет ключа — без вашего пароля он ничего не даёт.',
    remote_qr_alt: 'QR-код пульта ведущего',
    open_projector_now: 'Открыть проектор',
    projector_help: 'Откройте проектор на компьютере, подключённом к экрану. Ссылки с ключами на экран не выводятся.',
    open_remote_here: 'Пульт в этом окне',
    create_another: 'Создать другую комнату',
    remote_qr: 'QR пульта',
    remote_qr_title: 'Пульт на телефоне: «{title}»',

    // screen
    title_screen: 'huddle — проектор',
    no_token: 'Нет ключа доступа к этой комнате. Откройте ссылку, которую вы получили при создании комнаты.',
    access_denied: 'Ключ доступа не подошёл: комната не найдена или ссылка устарела.',
    join_heading: 'Присоединяйтесь!',
    room_locked_note: 'Вход новым участникам закрыт ведущим',
    join_step1: 'Откройте на телефоне',
    join_step2: 'и введите код',
    join_or_scan: 'или наведите камеру на QR-код',
    players_count: ['{n} участник', '{n} участника', '{n} участников'],
    watchers_count: ['{n} смотрит', '{n} смотрят', '{n} смотрят'],
    waiting_first: 'Ждём первых участников…',
    team_empty: 'Пока никого',
    and_more: 'и ещё {n}',
    question_n: 'Вопрос {n} из {count}',
    answered_of: 'Ответили',
    answered_x_y: 'Ответили {x} из {y}',
    seconds_short: 'сек',
    time_up: 'Время вышло',
    type_single: 'Один ответ',
    type_multiple: 'Несколько ответов',
    type_truefalse: 'Верно или нет',
    type_numeric: 'Введите число',
    type_text: 'Введите ответ',
    type_poll: 'Опрос',
    answer_on_phone_numeric: 'Введите число на телефоне',
    answer_on_phone_choice: 'Выберите ответ на телефоне',
    answer_on_phone_text: 'Напишите ответ на телефоне',
    correct_answer: 'Правильный ответ',
    correct_answers: 'Правильные ответы',
    accepted_answers: 'Принимались ответы',
    tolerance: '± {n}',
    top_answers: 'Самые частые ответы',
    no_answers: 'Ответов нет',
    explanation: 'Пояснение',
    poll_no_correct: 'Это опрос: правильного ответа нет',
    closed_by_all: 'Ответили все',
    closed_by_host: 'Закрыто ведущим',
    closed_by_time: 'Время вышло',
    leaderboard: 'Таблица лидеров',
    after_question: 'После вопроса {n} из {count}',
    teams_ranking: 'Команды',
    players_top: 'Лучшие участники',
    points: 'очков',
    points_short: 'очк.',
    points_label: 'Очки',
    finished_heading: 'Итоги',
    thanks_all: 'Спасибо за игру!',
    best_players: 'Лучшие участники',
    place_n: '{n} место',
    control_start: 'Начать',
    control_next: 'Далее',
    control_next_leaderboard: 'Рейтинг',
    control_next_question: 'Следующий вопрос',
    control_next_final: 'Итоги',
    control_close: 'Закрыть вопрос',
    control_end: 'Завершить',
    control_lock: 'Закрыть вход новым участникам',
    screen_pages: 'Страницы на экране',
    screen_page_prev: 'Предыдущая страница на экране',
    screen_page_next: 'Следующая страница на экране',
    control_unlock: 'Открыть вход новым участникам',
    confirm_end: 'Завершить сессию и показать итоги? Это нельзя отменить.',
    copy: 'Копировать',
    copied: 'Скопировано',
    close: 'Закрыть',
    fullscreen: 'Во весь экран',
    keys_hint: 'Пробел / → — далее',
    host_controls: 'Управление ведущего',
    wait_question: 'Вопрос открыт: он закроется сам, когда ответят все или выйдет время.',
    wait_paused: 'Вопрос на паузе: время стоит, ответы ждут.',
    session_over: 'Сессия завершена. Результаты — ниже.',
    end_heading: 'Завершение',
    end_help: 'Сразу показывает итоги на экране. Отменить нельзя.',
    export_results: 'Результаты',

    // host remote
    title_host: 'huddle — пульт ведущего',
    host_heading: 'Пульт ведущего',
    for_you_only: 'видите только вы',
    no_question_yet: 'Вопросы ещё не начались',
    players_online: '{online} из {size} в сети',
    kick: 'Удалить',
    kick_confirm: 'Удалить участника «{name}» из комнаты? Он не сможет вернуться ни под этим именем, ни с этого телефона, пока вы не разрешите.',
    kicked_ok: 'Участник удалён',
    removed_heading: 'Удалённые участники',
    removed_help: 'Не могут войти снова ни под этим именем, ни со своего телефона.',
    readmit: 'Пустить обратно',
    readmitted_ok: '«{name}» может войти снова',
    exports: 'Выгрузка результатов',
    answered_mark: 'ответил(а)',
    online: 'в сети',
    offline: 'не в сети',
    no_players: 'Пока никто не подключился',

    // play
    title_play: 'huddle — участник',
    enter_code: 'Введите код комнаты',
    code_help: '6 цифр с экрана ведущего',
    next: 'Далее',
    checking: 'Проверяем…',
    your_name: 'Ваше имя',
    name_placeholder: 'Например, Анна',
    pick_team: 'Команда',
    assign_me: 'Распределите меня',
    join: 'Войти',
    joining: 'Входим…',
    name_required: 'Введите имя.',
    code_invalid: 'Код — это 6 цифр.',
    another_code: 'Другой код',
    you_are_in: 'Вы в игре!',
    your_team: 'Ваша команда',
    team_members: 'Участники команды',
    wait_start: 'Ждём, когда ведущий начнёт',
    look_at_screen: 'Смотрите на экран',
    sending: 'Отправляем…',
    answer_received: 'Ответ принят',
    answer_received_team: 'Ответ команды принят — его можно изменить до конца вопроса',
    retry: 'Повторить',
    submit: 'Отправить',
    your_number: 'Ваш ответ (число)',
    your_text: 'Ваш ответ',
    team_choice: 'Ответ команды',
    team_choice_by: 'ответ дал(а) {name}',
    team_choice_you: 'это ваш ответ',
    team_replace_help: 'Отправите свой — он заменит ответ команды.',
    team_no_choice: 'Команда ещё не ответила',
    choose_several: 'Можно выбрать несколько',
    result_correct: 'Верно!',
    result_partial: 'Частично верно',
    result_wrong: 'Неверно',
    result_none: 'Нет ответа',
    your_answer: 'Ваш ответ',
    result_thanks: 'Спасибо за ответ!',
    result_team: 'Результат команды',
    plus_points: '+{n}',
    streak: ['Серия: {n} верный ответ', 'Серия: {n} верных ответа', 'Серия: {n} верных ответов'],
    your_place: 'Ваше место',
    team_place: 'Место команды',
    of_n: 'из {n}',
    final_place: 'Ваш итог',
    join_another: 'Войти в другую комнату',
    kicked_title: 'Ведущий удалил вас из комнаты',
    kicked_help: 'Вернуться можно, только если ведущий разрешит. Если это ошибка, скажите ведущему.',
    join_again: 'Попробовать снова',
    session_lost: 'Сессия не найдена. Войдите в комнату заново.',
    room_gone: 'Этой комнаты больше нет: сессия закончилась или ссылка устарела.',
    leave: 'Выйти',
    leave_confirm: 'Выйти из комнаты на этом телефоне?',
    me_label: 'вы',
  },
  en: {
    language: 'Language',
    brand_tagline: 'Live sessions: quiz, business game, hackathon',
    connecting: 'Connecting…',
    reconnecting: 'Connection lost. Reconnecting…',
    storage_unavailable: 'Storage unavailable: the game goes on, but answers are not saved yet and players wait for confirmation. Do not restart anything — everything is saved once storage is back.',
    err_network: 'Cannot reach the server. Check the connection and try again.',
    retry_busy: 'Server busy, retrying in {s}\u00a0s…',
    retry_offline: 'No connection to the server, retrying in {s}\u00a0s…',
    retry_now: 'Retrying…',
    retry_cancel: 'Cancel',
    err_http: 'The server answered with an error ({status}).',
    err_offline: 'No connection to the server.',
    err_timeout: 'The server did not answer in time.',
    opt_true: 'True',
    opt_false: 'False',

    phase_lobby: 'Lobby',
    phase_question: 'Question',
    phase_reveal: 'Answer',
    phase_leaderboard: 'Leaderboard',
    phase_finished: 'Results',
    kind_board: 'Hackathon: cards and recommendations',

    title_index: 'huddle — new session',
    index_heading: 'New session',
    index_lead: 'Pick a scenario, set up teams and open the room on the projector. Participants join from their phones with a code.',
    scenarios: 'Scenario',
    scenarios_loading: 'Loading scenarios…',
    scenarios_empty: 'The server has no scenarios.',
    n_questions: ['{n} question', '{n} questions'],
    n_cases: ['{n} case', '{n} cases'],
    n_stages: ['{n} stage', '{n} stages'],
    lang_ru: 'Русский',
    lang_en: 'English',
    relaxed_label: 'No speed points, more time',
    relaxed_help: 'For groups where speed is an unfair edge: a correct answer scores in full whenever it comes, and every question has half as long again.',
    team_mode: 'Team scoring',
    team_mode_default: 'As in the scenario',
    team_mode_average: 'Everyone answers; team gets the average',
    team_mode_team: 'One shared answer per team',
    team_mode_help: 'Average compares teams of different sizes fairly. Shared answer: the team agrees and answers together.',
    teams: 'Teams',
    team_count: 'Number of teams',
    team_names: 'Team names (may be left empty)',
    team_default: 'Team {n}',
    fewer: 'Fewer',
    more: 'More',
    create_room: 'Create room',
    creating: 'Creating…',
    join_as_player: "I'm a participant — enter a code",
    recent_rooms: 'Your recent rooms',
    open_projector: 'Projector',
    open_remote: 'Remote',
    forget: 'Forget',
    code: 'Code',
    room_ready: 'The room “{title}” is ready',
    remote_qr_heading: 'Remote on your phone',
    remote_qr_help: 'Point your phone’s camera here and sign in with your account: the remote opens at once. The code holds no key: without your password it gives nothing.',
    remote_qr_alt: 'QR code of the host remote',
    open_projector_now: 'Open the projector',
    projector_help: 'Open the projector on the computer connected to the screen. Links with keys never appear on the screen.',
    open_remote_here: 'Remote in this window',
    create_another: 'Create another room',
    remote_qr: 'Remote QR',
    remote_qr_title: 'Remote on your phone: “{title}”',

    title_screen: 'huddle — projector',
    no_token: 'No access key for this room. Open the link you got when the room was created.',
    access_denied: 'The access key was not accepted: the room is gone or the link is outdated.',
    join_heading: 'Join in!',
    room_locked_note: 'The facilitator has closed the room to new players',
    join_step1: 'On your phone open',
    join_step2: 'and enter the code',
    join_or_scan: 'or point your camera at the QR code',
    players_count: ['{n} participant', '{n} participants'],
    watchers_count: ['{n} watching', '{n} watching'],
    waiting_first: 'Waiting for the first participants…',
    team_empty: 'Nobody yet',
    and_more: '+{n} more',
    question_n: 'Question {n} of {count}',
    answered_of: 'Answered',
    answered_x_y: '{x} of {y} answered',
    seconds_short: 'sec',
    time_up: "Time's up",
    type_single: 'One answer',
    type_multiple: 'Several answers',
    type_truefalse: 'True or false',
    type_numeric: 'Enter a number',
    type_text: 'Type an answer',
    type_poll: 'Poll',
    answer_on_phone_numeric: 'Enter a number on your phone',
    answer_on_phone_choice: 'Choose your answer on your phone',
    answer_on_phone_text: 'Type your answer on your phone',
    correct_answer: 'Correct answer',
    correct_answers: 'Correct answers',
    accepted_answers: 'Accepted answers',
    tolerance: '± {n}',
    top_answers: 'Most frequent answers',
    no_answers: 'No answers',
    explanation: 'Explanation',
    poll_no_correct: 'This is a poll: there is no right answer',
    closed_by_all: 'Everyone answered',
    closed_by_host: 'Closed by the host',
    closed_by_time: "Time's up",
    leaderboard: 'Leaderboard',
    after_question: 'After question {n} of {count}',
    teams_ranking: 'Teams',
    players_top: 'Top participants',
    points: 'points',
    points_short: 'pts',
    points_label: 'Points',
    finished_heading: 'Results',
    thanks_all: 'Thank you for playing!',
    best_players: 'Top participants',
    place_n: 'Place {n}',
    control_start: 'Start',
    control_next: 'Next',
    control_next_leaderboard: 'Leaderboard',
    control_next_question: 'Next question',
    control_next_final: 'Results',
    control_close: 'Close question',
    control_end: 'End',
    control_lock: 'Close the room to new players',
    screen_pages: 'Pages on the screen',
    screen_page_prev: 'Previous page on the screen',
    screen_page_next: 'Next page on the screen',
    control_unlock: 'Open the room to new players',
    confirm_end: 'End the session and show the results? This cannot be undone.',
    copy: 'Copy',
    copied: 'Copied',
    close: 'Close',
    fullscreen: 'Full screen',
    keys_hint: 'Space / → — next',
    host_controls: 'Host controls',
    wait_question: 'The question is open: it closes by itself when everyone has answered or time runs out.',
    wait_paused: 'The question is paused: the clock stands still and answers wait.',
    session_over: 'The session is over. The results are below.',
    end_heading: 'Ending',
    end_help: 'Shows the results on the screen at once. It cannot be undone.',
    export_results: 'Results',

    title_host: 'huddle — host remote',
    host_heading: 'Host remote',
    for_you_only: 'only you see this',
    no_question_yet: 'Questions have not started yet',
    players_online: '{online} of {size} online',
    kick: 'Remove',
    kick_confirm: 'Remove “{name}” from the room? They cannot come back under this name or from this phone until you let them in again.',
    kicked_ok: 'Participant removed',
    removed_heading: 'Removed participants',
    removed_help: 'They cannot join again under this name or from their phone.',
    readmit: 'Let back in',
    readmitted_ok: '“{name}” can join again',
    exports: 'Export results',
    answered_mark: 'answered',
    online: 'online',
    offline: 'offline',
    no_players: 'Nobody has joined yet',

    title_play: 'huddle — participant',
    enter_code: 'Enter the room code',
    code_help: '6 digits from the host’s screen',
    next: 'Next',
    checking: 'Checking…',
    your_name: 'Your name',
    name_placeholder: 'e.g. Anna',
    pick_team: 'Team',
    assign_me: 'Assign me',
    join: 'Join',
    joining: 'Joining…',
    name_required: 'Enter your name.',
    code_invalid: 'The code is 6 digits.',
    another_code: 'Another code',
    you_are_in: "You're in!",
    your_team: 'Your team',
    team_members: 'Team members',
    wait_start: 'Waiting for the host to start',
    look_at_screen: 'Look at the screen',
    sending: 'Sending…',
    answer_received: 'Answer received',
    answer_received_team: 'Team answer received — you can change it until the question closes',
    retry: 'Try again',
    submit: 'Submit',
    your_number: 'Your answer (a number)',
    your_text: 'Your answer',
    team_choice: 'Team answer',
    team_choice_by: 'given by {name}',
    team_choice_you: 'this is your answer',
    team_replace_help: 'Send yours and it replaces the team’s answer.',
    team_no_choice: 'Your team has not answered yet',
    choose_several: 'You may pick several',
    result_correct: 'Correct!',
    result_partial: 'Partly correct',
    result_wrong: 'Wrong',
    result_none: 'No answer',
    your_answer: 'Your answer',
    result_thanks: 'Thanks for your answer!',
    result_team: 'Team result',
    plus_points: '+{n}',
    streak: ['Streak: {n} correct answer', 'Streak: {n} correct answers'],
    your_place: 'Your place',
    team_place: 'Team place',
    of_n: 'of {n}',
    final_place: 'Your result',
    join_another: 'Join another room',
    kicked_title: 'The host removed you from the room',
    kicked_help: 'You can come back only if the host lets you in again. If this is a mistake, tell the host.',
    join_again: 'Try again',
    session_lost: 'Session not found. Please join the room again.',
    room_gone: 'This room is no longer here: the session has ended or the link is out of date.',
    leave: 'Leave',
    leave_confirm: 'Leave the room on this phone?',
    me_label: 'you',
  },
};
