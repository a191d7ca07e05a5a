// screen.js: the projector. Connects with the host token (#h=…, control bar
// shown), the screen token (#s=…, view only) or the facilitator's session,
// and draws the room's phases for the back row: lobby, question, reveal,
// leaderboard, podium, and the game and board stages.
//
// The whole room reads this page, so it never shows a secret: the host
// token is taken out of the address at once and never put into the page,
// and the keys a clicker sends (Space, →, ↓, PageDown) always mean "next",
// whatever has the focus. Every screen fits at any size (fit.js): type
// shrinks to a 24px floor at 1920×1080, then lists lose their tail or take
// turns in pages.
//
// The host view carries the correct answer of the open question in
// view.host; this page never reads it: the projector shows the answer only
// from view.reveal.
import {
  isLastQuestion,
  $,
  Connection,
  addStrings,
  animateNumber,
  applyI18n,
  fmtCode,
  fmtNum,
  h,
  hashParams,
  icon,
  initPage,
  lang,
  langWasChosen,
  md,
  mountConnBanner,
  optionBadge,
  optionLabel,
  optionLook,
  pathPart,
  payload,
  setLang,
  setText,
  store,
  t,
  teamColor,
  timerRing,
  toast,
} from '/static/app.js';
import { buildGameScreen, gameAllDone, gameNextLabel, screenPages, turnScreenPage } from '/static/game.js';
import '/static/account.js';
import { boardNextLabel, boardScreen } from '/static/board.js';
import { dayNextLabel, dayScreen, isDayScreen, placeShown, podiumDone, podiumNextLabel } from '/static/day.js';
import { fitSection } from '/static/fit.js';
import { sound } from '/static/sound.js';

addStrings({
  ru: {
    sound_on: 'Звук включён',
    sound_off: 'Звук выключен',
    sound_toggle: 'Звуковые сигналы',
    keys_pages: '[ ] — страницы экрана',
  },
  en: {
    sound_on: 'Sound on',
    sound_off: 'Sound off',
    sound_toggle: 'Sound cues',
    keys_pages: '[ ] — screen pages',
  },
});

const room = pathPart(1);
const hostKey = 'huddle.host.' + room;

let token = '';
let role = ''; // from welcome: "host" or "screen"
let conn = null;
let view = null;
let builtKey = '';
let stopTimer = null;
let busy = false;
const seenPlayers = new Set();
let lobbyPainted = false;
let cueKey = ''; // the phase and question the last sound cue was for

const CHOICE_TYPES = new Set(['single', 'multiple', 'truefalse', 'poll']);

// ------------------------------------------------------------ token

// resolveToken reads the token from the address and takes it out of the
// address bar at once: the front row can read the projector's address.
function resolveToken() {
  const hp = hashParams();
  const rec = store.get(hostKey);
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  if (hp.h) {
    store.set(hostKey, { ...(rec || {}), room, host_token: hp.h, created: (rec && rec.created) || Date.now() });
    return hp.h;
  }
  if (hp.s) return hp.s;
  if (hp.token) return hp.token;
  if (rec && rec.host_token) return rec.host_token;
  return '';
}

// ------------------------------------------------------------ helpers

function hostOf(url) {
  try {
    return new URL(url, location.href).host;
  } catch {
    return location.host;
  }
}

function teamName(v, id) {
  const tm = (v.teams || []).find((x) => x.id === id);
  return tm ? tm.name : '';
}

// Teams nobody joined only clutter the rankings on the projector.
function activeTeams(v, list) {
  const sizes = new Map((v.teams || []).map((tm) => [tm.id, tm.size]));
  const out = (list || []).filter((tm) => (sizes.has(tm.id) ? sizes.get(tm.id) > 0 : true));
  return out.length ? out : list || [];
}

function message(text) {
  return h('section', { class: 'screen-message' }, h('p', { text }));
}

function signInMessage() {
  const box = message(t('no_token_signin'));
  box.append(h('a', { class: 'btn btn-primary btn-xl', href: '/signin?next=' + encodeURIComponent(location.pathname), text: t('signin_button') }));
  return box;
}

function teamTag(v, id) {
  return id ? h('span', { class: 'lb-team-tag', style: { '--team': teamColor(id) } }, h('span', { class: 'team-dot' }), h('span', { text: teamName(v, id) })) : null;
}

// ------------------------------------------------------------ lobby

const LOBBY_CHIPS = 24;
let lobbyChips = LOBBY_CHIPS;

function buildLobby(v) {
  lobbyPainted = false;
  const host = hostOf(v.room.join_url);
  const sec = h(
    'section',
    // A small room's names grow for the back row; a big one's shrink.
    { class: 'lobby', 'data-testid': 'phase-lobby', 'data-kmax': '1.4' },
    h(
      'div',
      { class: 'lobby-join' },
      h('h1', { class: 'lobby-heading', text: t('join_heading') }),
      v.room.locked ? h('p', { class: 'lobby-locked', 'data-testid': 'lobby-locked', text: t('room_locked_note') }) : null,
      h('p', { class: 'join-step' }, h('span', { class: 'step-num', text: '1' }), h('span', { text: t('join_step1') })),
      h('p', { class: 'join-url', 'data-testid': 'join-url', text: host + '/play' }),
      h('p', { class: 'join-step' }, h('span', { class: 'step-num', text: '2' }), h('span', { text: t('join_step2') })),
      h('p', { class: 'join-code', id: 'join-code', 'data-testid': 'join-code', 'data-code': v.room.code, text: fmtCode(v.room.code) }),
      v.room.qr
        ? h(
            'figure',
            { class: 'qr' },
            h('img', { src: v.room.qr, alt: v.room.join_url || '', width: 340, height: 340 }),
            h('figcaption', { text: t('join_or_scan') }),
          )
        : null,
    ),
    h(
      'div',
      { class: 'lobby-people' },
      h('div', { class: 'lobby-count' }, icon('users'), h('span', { id: 'lobby-count', 'data-testid': 'lobby-count' })),
      h('div', { id: 'lobby-teams', class: 'team-grid', 'data-testid': 'lobby-teams' }),
      h('p', { id: 'lobby-empty', class: 'lobby-empty', text: t('waiting_first') }),
    ),
  );
  // Many names: fewer on each card, the rest counted.
  sec.reset = () => {
    lobbyChips = LOBBY_CHIPS;
    paintTeams(view);
  };
  sec.degrade = () => {
    if (lobbyChips <= 1) return false;
    lobbyChips = Math.max(1, Math.floor(lobbyChips * 0.6));
    paintTeams(view);
    return true;
  };
  return sec;
}

function paintTeams(v) {
  const grid = $('#lobby-teams');
  const teams = v.teams || [];
  const n = teams.length;
  grid.dataset.size = n <= 4 ? 's' : n <= 6 ? 'm' : 'l';
  grid.replaceChildren(
    ...teams.map((tm, i) => {
      const players = tm.players || [];
      const shown = players.slice(0, lobbyChips);
      const more = (tm.size || players.length) - shown.length;
      return h(
        'div',
        { class: 'team-card', style: { '--team': teamColor(tm.id, i) }, 'data-team': tm.id },
        h(
          'div',
          { class: 'team-card-head' },
          h('span', { class: 'team-dot' }),
          h('span', { class: 'team-card-name', text: tm.name }),
          h('span', { class: 'team-card-size', text: String(tm.size || 0) }),
        ),
        h(
          'ul',
          { class: 'chips' },
          shown.length
            ? shown.map((p) => {
                const fresh = lobbyPainted && !seenPlayers.has(p.id);
                seenPlayers.add(p.id);
                return h('li', { class: ['chip', fresh && 'pop', !p.online && 'away'], 'data-testid': 'lobby-player', text: p.name });
              })
            : h('li', { class: 'chip chip-empty', text: t('team_empty') }),
          more > 0 ? h('li', { class: 'chip chip-more', text: t('and_more', { n: more }) }) : null,
        ),
      );
    }),
  );
}

function updateLobby(v) {
  // Watchers follow on their phones without a team: counted apart.
  setText($('#lobby-count'), t('players_count', { n: v.players || 0 }) + (v.watchers ? ' · ' + t('watchers_count', { n: v.watchers }) : ''));
  $('#lobby-empty').hidden = (v.players || 0) > 0;
  fitSection($('#stage > section')); // paints the teams
  lobbyPainted = true;
}

// ------------------------------------------------------------ question

function questionCard(q, ...pills) {
  return h(
    'div',
    { class: 'q-card' },
    h(
      'div',
      { class: 'q-meta' },
      h('span', { class: 'pill', text: t('type_' + q.type) }),
      q.points && q.type !== 'poll' ? h('span', { class: 'pill pill-ghost', text: `${fmtNum(q.points)} ${t('points')}` }) : null,
      pills,
    ),
    h('h1', { class: 'q-text', 'data-testid': 'question-text' }, md(q.text)),
  );
}

function tiles(q) {
  const opts = q.options || [];
  return h(
    'div',
    { class: ['tiles', 'tiles-n' + Math.min(opts.length, 8), q.type === 'truefalse' && 'tiles-tf'] },
    opts.map((o, i) =>
      h(
        'div',
        { class: ['tile', 'opt-' + (optionLook(q, i).style % 8)], 'data-option': o.id, 'data-testid': 'tile-' + o.id },
        optionBadge(q, i),
        h('span', { class: 'tile-text' }, md(optionLabel(q, o))),
      ),
    ),
  );
}

function buildQuestion(v) {
  const q = v.question;
  const timer = timerRing('xl');
  const choice = CHOICE_TYPES.has(q.type);
  let body;
  if (choice) {
    body = h('div', { class: ['q-body', q.image && 'with-image'] }, q.image ? h('img', { class: 'q-image', src: q.image, alt: '' }) : null, tiles(q));
  } else {
    body = h(
      'div',
      { class: ['q-body', 'q-body-free', q.image && 'with-image'] },
      q.image ? h('img', { class: 'q-image', src: q.image, alt: '' }) : null,
      h('div', { class: 'q-hint' }, icon('phone'), h('span', { text: t(q.type === 'numeric' ? 'answer_on_phone_numeric' : 'answer_on_phone_text') })),
    );
  }
  const sec = h(
    'section',
    { class: ['question', 'qtype-' + q.type], 'data-testid': 'phase-question', 'data-question': q.id },
    h(
      'div',
      { class: 'q-top' },
      timer.el,
      questionCard(q),
      h(
        'div',
        { class: 'answered', 'data-testid': 'answered' },
        h('span', { class: 'answered-num', id: 'answered-num', text: '0' }),
        h('span', { class: 'answered-of', id: 'answered-of' }),
        h('span', { class: 'answered-label', text: t('answered_of') }),
      ),
    ),
    body,
  );
  let lastTick = 0;
  const tick = (ms) => {
    const s = Math.ceil(ms / 1000);
    if (s > 0 && s <= 5 && s !== lastTick) sound.cue('tick');
    lastTick = s;
  };
  stopTimer = timer.start(q, tick);
  qTimer = { timer, tick, key: timerKey(q) };
  return sec;
}

// The host's pause and +time move the deadline: the countdown starts again.
let qTimer = null;
const timerKey = (q) => `${q.id}|${q.deadline}|${!!q.paused}`;

function updateQuestion(v) {
  const q = v.question;
  if (qTimer && qTimer.key !== timerKey(q)) {
    if (stopTimer) stopTimer();
    stopTimer = qTimer.timer.start(q, qTimer.tick);
    qTimer.key = timerKey(q);
  }
  const num = $('#answered-num');
  const before = num.textContent;
  setText(num, fmtNum(q.answered || 0));
  setText($('#answered-of'), '/ ' + fmtNum(q.expected || 0));
  if (before !== num.textContent && before !== '0') {
    num.classList.remove('bump');
    void num.offsetWidth; // restart the animation
    num.classList.add('bump');
  }
}

// ------------------------------------------------------------ reveal

function closedByText(r) {
  if (r.closed_by === 'all') return t('closed_by_all');
  if (r.closed_by === 'host') return t('closed_by_host');
  if (r.closed_by === 'time') return t('closed_by_time');
  return '';
}

// results draws each option as a row with its share of the answers as a bar
// behind it: the chart and the options in one, so nothing lies on anything.
function results(q, r) {
  const opts = q.options || [];
  const counts = new Map((r.distribution || []).map((d) => [d.option, d.count]));
  const max = Math.max(1, ...opts.map((o) => counts.get(o.id) || 0));
  const correct = new Set(r.correct || []);
  const poll = q.type === 'poll';
  return h(
    'ol',
    { class: ['r-opts', 'r-opts-n' + Math.min(opts.length, 8)], 'data-testid': 'distribution' },
    opts.map((o, i) => {
      const n = counts.get(o.id) || 0;
      const right = correct.has(o.id);
      const bar = h('span', { class: 'r-bar', style: { width: '0%' } });
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          bar.style.width = (n / max) * 100 + '%';
        }),
      );
      return h(
        'li',
        {
          class: ['r-opt', 'opt-' + (optionLook(q, i).style % 8), !poll && (right ? 'is-correct' : 'is-wrong')],
          'data-option': o.id,
          'data-testid': 'tile-' + o.id,
        },
        bar,
        optionBadge(q, i),
        h('span', { class: 'r-text' }, md(optionLabel(q, o))),
        !poll && right ? h('span', { class: 'r-mark', 'aria-label': t('correct_answer') }, icon('check')) : null,
        h('span', { class: 'r-count', text: fmtNum(n) }),
      );
    }),
  );
}

function topList(items, fmt) {
  const max = Math.max(1, ...items.map((x) => x.count));
  return h(
    'ol',
    { class: 'top-list', 'data-testid': 'top-answers' },
    items.slice(0, 6).map((x) =>
      h(
        'li',
        { class: x.correct ? 'is-correct' : '' },
        h('span', { class: 'top-bar', style: { width: (x.count / max) * 100 + '%' } }),
        h('span', { class: 'top-value', text: fmt(x) }),
        x.correct ? icon('check') : null,
        h('span', { class: 'top-count', text: fmtNum(x.count) }),
      ),
    ),
  );
}

function explanation(r) {
  if (!r.explanation) return null;
  return h(
    'aside',
    { class: 'explain', 'data-testid': 'explanation' },
    h('h2', { text: t('explanation') }),
    h('div', { class: 'explain-body' }, md(r.explanation, { block: true })),
  );
}

function buildReveal(v) {
  const q = v.question;
  const r = v.reveal;
  if (!q || !r) return message('…');
  const note = closedByText(r);
  let main;
  if (q.type === 'numeric' || q.type === 'text') {
    const numeric = q.type === 'numeric';
    const value = numeric
      ? h('div', { class: 'answer-value', 'data-testid': 'correct-value', text: fmtNum(r.answer) + (r.tolerance ? ' ' + t('tolerance', { n: fmtNum(r.tolerance) }) : '') })
      : h('ul', { class: 'accept-list', 'data-testid': 'correct-value' }, (r.accept || []).slice(0, 6).map((a) => h('li', { text: a })));
    const top = numeric ? r.numbers || [] : r.texts || [];
    main = h(
      'div',
      { class: 'r-main r-free' },
      h('div', { class: 'answer-card' }, h('div', { class: 'answer-label', text: t(numeric ? 'correct_answer' : 'accepted_answers') }), value),
      h(
        'div',
        { class: 'top-box' },
        h('h2', { text: t('top_answers') }),
        top.length ? topList(top, numeric ? (x) => fmtNum(x.value) : (x) => x.text) : h('p', { class: 'muted', text: t('no_answers') }),
      ),
    );
  } else {
    main = h('div', { class: 'r-main' }, results(q, r));
  }
  const explain = explanation(r);
  return h(
    'section',
    { class: ['reveal', 'qtype-' + q.type, explain && 'has-explain'], 'data-testid': 'phase-reveal', 'data-question': q.id },
    h(
      'div',
      { class: 'q-top' },
      questionCard(q, note ? h('span', { class: 'pill pill-ghost', text: note }) : null, q.type === 'poll' ? h('span', { class: 'pill pill-ghost', text: t('poll_no_correct') }) : null),
    ),
    h('div', { class: 'r-body' }, main, explain),
  );
}

// ------------------------------------------------------------ leaderboard

function animateBar(el, fromFrac, toFrac) {
  el.style.width = Math.max(1, fromFrac * 100) + '%';
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      el.style.width = Math.max(1, toFrac * 100) + '%';
    }),
  );
}

function teamRows(v, teams) {
  const max = Math.max(1, ...teams.map((x) => x.points));
  return h(
    'ol',
    { class: 'lb-team-list', 'data-testid': 'lb-teams' },
    teams.map((tm, i) => {
      const pts = h('span', { class: 'lb-points', text: fmtNum(tm.points - (tm.last || 0)) });
      const bar = h('span', { class: 'lb-bar-fill' });
      animateBar(bar, (tm.points - (tm.last || 0)) / max, tm.points / max);
      requestAnimationFrame(() => animateNumber(pts, tm.points - (tm.last || 0), tm.points, 1100));
      return h(
        'li',
        { class: ['lb-team', tm.rank === 1 && 'is-first'], style: { '--team': teamColor(tm.id, i) }, 'data-testid': 'lb-team' },
        h('span', { class: 'lb-rank', text: String(tm.rank) }),
        h('span', { class: 'lb-team-main' }, h('span', { class: 'lb-name', text: tm.name }), h('span', { class: 'lb-bar' }, bar)),
        tm.last ? h('span', { class: 'lb-last', text: '+' + fmtNum(tm.last) }) : h('span', { class: 'lb-last lb-last-none' }),
        pts,
      );
    }),
  );
}

// veiled, when given, says which players the podium does not show yet.
function playerRows(v, players, n, compact, veiled) {
  return h(
    'ol',
    { class: ['lb-player-list', compact && 'compact'], 'data-testid': compact ? 'fin-players' : 'lb-players' },
    players.slice(0, n).map((p) => {
      // A place not yet revealed keeps its row, its number and a blank bar
      // where the name will be: the list reads as places to come and does
      // not move when they are filled. The name is not on the page before.
      if (veiled && veiled(p)) {
        return h(
          'li',
          { class: 'lb-player podium-veiled', 'data-testid': 'lb-player-veiled', 'aria-hidden': 'true' },
          h('span', { class: 'lb-rank', text: String(p.rank) }),
          h('span', { class: 'lb-player-main' }, h('span', { class: 'lb-veil' })),
          h('span', { class: 'lb-points' }),
        );
      }
      const pts = h('span', { class: 'lb-points', text: fmtNum(compact ? p.points : p.points - (p.last || 0)) });
      if (!compact) requestAnimationFrame(() => animateNumber(pts, p.points - (p.last || 0), p.points, 1100));
      return h(
        'li',
        { class: 'lb-player', style: { '--team': teamColor(p.team) }, 'data-testid': 'lb-player' },
        h('span', { class: 'lb-rank', text: String(p.rank) }),
        h('span', { class: 'lb-player-main' }, h('span', { class: 'lb-name', 'data-testid': 'lb-player-name', text: p.name }), teamTag(v, p.team)),
        compact ? null : p.last ? h('span', { class: 'lb-last', text: '+' + fmtNum(p.last) }) : h('span', { class: 'lb-last lb-last-none' }),
        pts,
      );
    }),
  );
}

function buildLeaderboard(v) {
  const lb = v.leaderboard || { players: [], teams: [] };
  const players = lb.players || [];
  const teamsOnly = v.room.team_mode === 'team' || players.length === 0;
  const q = v.question;
  let shown = Math.min(10, players.length);
  const col = teamsOnly ? null : h('div', { class: 'lb-col lb-col-players' }, h('h2', { text: t('players_top') }), playerRows(v, players, shown));
  const sec = h(
    'section',
    // Few rows leave room: they grow for the back row.
    { class: ['leaderboard', teamsOnly && 'teams-only'], 'data-testid': 'phase-leaderboard', 'data-kmax': '1.4' },
    h(
      'header',
      { class: 'lb-head' },
      h('h1', { text: t('leaderboard') }),
      q ? h('p', { class: 'lb-sub', text: t('after_question', { n: q.index + 1, count: q.count }) }) : null,
    ),
    h(
      'div',
      { class: 'lb-cols' },
      h('div', { class: 'lb-col lb-col-teams' }, h('h2', { text: t('teams_ranking') }), teamRows(v, activeTeams(v, lb.teams))),
      col,
    ),
  );
  // A long list of players gives way: the top three always stay.
  if (col) {
    sec.reset = () => {
      shown = Math.min(10, players.length);
      col.lastElementChild.replaceWith(playerRows(v, players, shown));
    };
    sec.degrade = () => {
      if (shown <= 3) return false;
      shown -= 1;
      col.lastElementChild.replaceWith(playerRows(v, players, shown));
      return true;
    };
  }
  return sec;
}

// ------------------------------------------------------------ finished

function buildFinished(v) {
  const lb = v.leaderboard || { players: [], teams: [] };
  const teams = activeTeams(v, lb.teams).slice(0, 3);
  const players = lb.players || [];
  const order = [1, 0, 2].filter((i) => teams[i]);
  const teamsOnly = v.room.team_mode === 'team' || players.length === 0;
  let shown = Math.min(5, players.length);
  // The podium goes up place by place, third to first: a player shows with
  // their place, and those below the top three with the first.
  const veiled = (p) => !placeShown(v, p.rank <= 3 ? p.rank : 1);
  const best = teamsOnly ? null : h('div', { class: 'fin-players' }, h('h2', { text: t('best_players') }), playerRows(v, players, shown, true, veiled));
  const sec = h(
    'section',
    { class: ['finished', teamsOnly && 'teams-only'], 'data-testid': 'phase-finished', 'data-revealed': v.podium ? String(v.podium.revealed) : 'all' },
    h('header', { class: 'fin-head' }, icon('trophy'), h('h1', { text: t('finished_heading') }), h('p', { text: t('thanks_all') })),
    h(
      'div',
      { class: 'fin-body' },
      h(
        'div',
        { class: 'podium', 'data-testid': 'podium' },
        order.map((i) => {
          const tm = teams[i];
          return h(
            'div',
            { class: ['podium-col', 'pos-' + (i + 1), !placeShown(v, i + 1) && 'podium-veiled'], style: { '--team': teamColor(tm.id, i) }, 'data-testid': 'podium-team' },
            h('div', { class: 'podium-name', text: tm.name }),
            h('div', { class: 'podium-points', text: `${fmtNum(tm.points)} ${t('points')}` }),
            h('div', { class: 'podium-block' }, h('span', { class: 'podium-rank', text: String(tm.rank) })),
          );
        }),
      ),
      best,
    ),
  );
  if (best) {
    sec.reset = () => {
      shown = Math.min(5, players.length);
      best.lastElementChild.replaceWith(playerRows(v, players, shown, true, veiled));
    };
    sec.degrade = () => {
      if (shown <= 3) return false;
      shown -= 1;
      best.lastElementChild.replaceWith(playerRows(v, players, shown, true, veiled));
      return true;
    };
  }
  return sec;
}

// ------------------------------------------------------------ render

const BUILD = {
  lobby: buildLobby,
  question: buildQuestion,
  reveal: buildReveal,
  leaderboard: buildLeaderboard,
  finished: buildFinished,
};

const UPDATE = {
  lobby: updateLobby,
  question: updateQuestion,
};

// cues plays the sound of a phase the first time the projector shows it.
function cues(v) {
  const q = v.question;
  const key = v.phase + '|' + (q ? q.id : '') + '|' + (v.stage ? v.stage.index : '');
  if (key === cueKey) return;
  const first = cueKey === '';
  cueKey = key;
  if (first) return; // a projector opened mid-session stays quiet
  if (v.phase === 'question') sound.cue('start');
  else if (v.phase === 'reveal') sound.cue('reveal');
  else if (v.phase === 'finished') sound.cue('podium');
}

// fitTop fills the top bar with as much as fits: the title and the stage
// with the question number, then less, ending with the question number
// alone. Nothing in it is ever cut short.
let topArgs = null;

function fitTop(title, progress) {
  topArgs = [title, progress];
  const left = $('.s-top-left');
  const titleEl = $('#s-title');
  const prog = $('#s-progress');
  const tries = [];
  for (const p of progress) tries.push([true, p]);
  for (const p of progress) tries.push([false, p]);
  if (!tries.length) tries.push([true, '']);
  for (const [withTitle, p] of tries) {
    titleEl.hidden = !withTitle;
    setText(titleEl, title);
    setText(prog, p);
    if (left.scrollWidth <= left.clientWidth + 1) return;
  }
}

function render() {
  const v = view;
  if (!v) return;
  document.body.dataset.phase = v.phase;
  document.title = `${v.room.title} — huddle`;
  const q = v.question;
  // From the longest to the shortest; fitTop takes the first that fits.
  const progress = [];
  const stageTitle = (v.room.stages || 1) > 1 && v.stage && v.stage.title ? v.stage.title : '';
  if (v.game && !v.game.case) {
    progress.push(t('game_debrief'));
  } else if (v.board) {
    if (v.stage && v.stage.title && v.stage.title !== v.room.title) progress.push(v.stage.title);
  } else if (v.game && v.game.case) {
    const n = t('game_case_n', { n: v.game.case.index + 1, count: v.game.case.count });
    if (stageTitle) progress.push(`${stageTitle} · ${n}`);
    progress.push(n);
  } else if (q && v.phase !== 'lobby' && v.phase !== 'finished') {
    const n = t('question_n', { n: q.index + 1, count: q.count });
    if (stageTitle) progress.push(`${stageTitle} · ${n}`);
    progress.push(n);
  }
  const showCode = v.phase !== 'lobby' && v.phase !== 'finished' && v.room.code;
  $('#s-code-mini').hidden = !showCode;
  setText($('#s-code-mini-value'), fmtCode(v.room.code));
  setText($('#s-players-mini'), v.phase === 'lobby' ? '' : t('players_count', { n: v.players || 0 }) + (v.watchers ? ' · ' + t('watchers_count', { n: v.watchers }) : ''));
  fitTop(v.room.title, progress);
  cues(v);

  if (isDayScreen(v)) {
    if (stopTimer) stopTimer();
    stopTimer = null;
    const key = ['day', v.phase, lang(), JSON.stringify(v.day)].join('|');
    if (key !== builtKey) {
      builtKey = key;
      const section = dayScreen(v);
      $('#stage').replaceChildren(section);
      fitSection(section);
    }
    renderControls();
    fitTop(v.room.title, []);
    return;
  }
  if (boardShown(v)) {
    if (stopTimer) stopTimer();
    stopTimer = null;
    builtKey = '';
    $('#stage').replaceChildren(boardScreen(v));
    renderControls();
    return;
  }
  // The host's page first: a screen drawn now starts on it.
  turnScreenPage(v.screen_page == null ? null : v.screen_page);
  const key = [v.phase, q ? q.id : '', v.stage ? v.stage.index : '', lang(), !!v.room.locked, v.game ? JSON.stringify(v.game) : '', v.podium ? v.podium.revealed : ''].join('|');
  const build = v.game && (v.phase !== 'finished' || v.game.debrief) ? buildGameScreen : BUILD[v.phase];
  if (key !== builtKey) {
    if (stopTimer) stopTimer();
    stopTimer = null;
    builtKey = key;
    const section = build ? build(v) : message(v.phase);
    $('#stage').replaceChildren(section);
    const update = v.game ? null : UPDATE[v.phase];
    if (v.phase !== 'lobby' || !update) fitSection(section); // the lobby's update fits it
    if (update) update(v);
  } else {
    const update = UPDATE[v.phase];
    if (update && !v.game) update(v);
  }
  renderControls();
  fitTop(...topArgs); // again, now that the whole page is laid out
}

// ------------------------------------------------------------ host controls

// boardShown: the projector shows the board's own screen (which fits
// itself), not the day's nor a podium still going up, which shows like a
// quiz's until its last step.
function boardShown(v) {
  return !!(v && v.board) && !isDayScreen(v) && !(v.phase === 'finished' && !podiumDone(v));
}

// nextAction is what "next" means now, or null when nothing goes next (a
// question is open, the room is over).
function nextAction(v) {
  if (!v) return null;
  const ph = v.phase;
  if (ph === 'lobby') return { label: t('control_start'), type: 'start' };
  if (ph === 'finished') return podiumDone(v) ? null : { label: podiumNextLabel(v), type: 'next' };
  if (ph === 'between') return { label: dayNextLabel(v), type: 'next' };
  if (v.board) return { label: boardNextLabel(v.board), type: 'next' };
  if (ph === 'game' || ph === 'debrief') return { label: gameNextLabel(v), type: 'next', confirm: ph === 'game' && !gameAllDone(v) };
  if (ph === 'reveal') return { label: t('control_next_leaderboard'), type: 'next' };
  if (ph === 'leaderboard') return { label: isLastQuestion(v) ? t('control_next_final') : t('control_next_question'), type: 'next' };
  return null;
}

function renderControls() {
  const isHost = role === 'host';
  $('#controls').hidden = !isHost;
  document.body.classList.toggle('has-controls', isHost);
  if (!isHost || !view) return;
  const ph = view.phase;
  const next = nextAction(view);
  const btn = $('#ctl-next');
  $('#ctl-start').hidden = !next || next.type !== 'start';
  btn.hidden = !next || next.type !== 'next';
  if (next) setText(btn, next.label);
  $('#ctl-close').hidden = ph !== 'question';
  $('#ctl-end').hidden = ph === 'finished';
  $('.keys-hint').hidden = !next;
  $('#keys-pages').hidden = !screenPages(view);
  for (const b of document.querySelectorAll('#controls button')) b.disabled = busy;
}

async function command(type, data) {
  if (busy || !conn) return;
  busy = true;
  renderControls();
  try {
    await conn.send(type, data);
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    busy = false;
    renderControls();
  }
}

function primaryAction() {
  if (role !== 'host' || !view) return;
  const next = nextAction(view);
  if (!next) return;
  if (next.confirm && !confirm(t('game_confirm_next'))) return;
  command(next.type);
}

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
}

function paintSound() {
  const b = $('#s-sound');
  b.setAttribute('aria-pressed', String(sound.on));
  b.title = t(sound.on ? 'sound_on' : 'sound_off');
  b.replaceChildren(icon(sound.on ? 'sound' : 'mute'));
}

// The keys that turn the projector's pages, by where they are on the
// keyboard ([ and ], х and ъ on a Russian layout): none a clicker sends.
const PAGE_KEYS = { BracketLeft: -1, BracketRight: 1 };

// The keys a presentation clicker sends. They mean "next" wherever the
// focus is: a focused button must not turn Space into its own click.
const NEXT_KEYS = new Set([' ', 'Spacebar', 'ArrowRight', 'ArrowDown', 'PageDown', 'MediaTrackNext']);

function onKey(e) {
  sound.wake();
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  if (NEXT_KEYS.has(e.key)) {
    e.preventDefault();
    e.stopPropagation();
    if (!e.repeat) primaryAction();
    return;
  }
  if (PAGE_KEYS[e.code]) {
    e.preventDefault();
    if (!e.repeat && role === 'host' && screenPages(view)) command('screen.page', { step: PAGE_KEYS[e.code] });
    return;
  }
  const el = e.target;
  const control = el && el !== document.body && el.closest && el.closest('button, a[href], input, select, textarea');
  if (e.key === 'Enter' && !control) {
    e.preventDefault();
    if (!e.repeat) primaryAction();
  } else if (!control && (e.key === 'f' || e.key === 'F' || e.key === 'а' || e.key === 'А')) {
    toggleFullscreen();
  }
}

// ------------------------------------------------------------ wiring

// followRoomLang shows the room in its own language unless this device
// chose one.
function followRoomLang(v) {
  const l = v && v.room && v.room.lang;
  if (!langWasChosen() && (l === 'ru' || l === 'en') && l !== lang()) setLang(l, { remember: false });
}

function onFrame(msg) {
  const d = payload(msg);
  switch (msg.type) {
    case 'welcome':
      role = d.role || role;
      renderControls();
      break;
    case 'view':
      view = d;
      followRoomLang(d);
      render();
      break;
    case 'error':
      if (!msg.id && msg.code !== 'unauthorized' && msg.code !== 'room_gone' && msg.message) toast(msg.message, 'error');
      break;
  }
}

function onFatal(code) {
  if (code === 'unauthorized') {
    const rec = store.get(hostKey);
    if (rec && rec.host_token === token) store.remove(hostKey);
    $('#controls').hidden = true;
    if (token) $('#stage').replaceChildren(message(t('access_denied')));
    else $('#stage').replaceChildren(signInMessage());
  } else if (code === 'room_gone') {
    $('#controls').hidden = true;
    $('#stage').replaceChildren(message(t('room_gone')));
  }
}

function main() {
  initPage();
  token = resolveToken();
  $('#ctl-start').addEventListener('click', primaryAction);
  $('#ctl-next').addEventListener('click', primaryAction);
  $('#ctl-close').addEventListener('click', () => command('close'));
  $('#ctl-end').addEventListener('click', () => {
    if (confirm(t('confirm_end'))) command('end');
  });
  $('#s-fullscreen').append(icon('expand'));
  $('#s-fullscreen').addEventListener('click', toggleFullscreen);
  $('#s-sound').addEventListener('click', () => {
    sound.set(!sound.on);
    paintSound();
  });
  paintSound();
  // Capture: the keys are read before any focused control sees them.
  document.addEventListener('keydown', onKey, true);
  document.addEventListener(
    'keyup',
    (e) => {
      if (NEXT_KEYS.has(e.key)) e.preventDefault(); // a button clicks on Space's keyup
    },
    true,
  );
  document.addEventListener('pointerdown', () => sound.wake());
  // A click leaves no focus behind on the projector's controls.
  $('#controls').addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (b && e.detail > 0) b.blur();
  });
  // The control bar fades while the mouse rests, so the room sees the content.
  let idle = null;
  const wake = () => {
    document.body.classList.remove('idle');
    clearTimeout(idle);
    idle = setTimeout(() => document.body.classList.add('idle'), 4000);
  };
  document.addEventListener('mousemove', wake);
  document.addEventListener('keydown', wake);
  wake();
  // A window resized (or a projector plugged in) fits its screen again.
  let lastSize = '';
  new ResizeObserver(() => {
    const size = innerWidth + 'x' + innerHeight;
    if (size === lastSize) return;
    lastSize = size;
    const sec = $('#stage > section');
    if (sec && !boardShown(view)) fitSection(sec);
  }).observe($('#stage'));
  // The right of the top bar grows (the code appears, a count gets a
  // digit) or a text is drawn anew (a font arrives): the left fits itself
  // again.
  const top = new ResizeObserver(() => {
    if (topArgs) fitTop(...topArgs);
  });
  for (const el of ['.s-top-right', '#s-title', '#s-progress']) top.observe($(el));
  // A font that arrives after a screen was fitted changes its text's size.
  if (document.fonts) {
    document.fonts.addEventListener('loadingdone', () => {
      const sec = $('#stage > section');
      if (sec && !boardShown(view)) fitSection(sec);
      if (topArgs) fitTop(...topArgs);
    });
  }

  if (!room) {
    $('#stage').replaceChildren(message(t('no_token')));
    return;
  }
  // Without a token the socket asks as the signed-in facilitator, if any.
  const status = mountConnBanner();
  conn = new Connection({ room, token, lang: lang(), onFrame, onStatus: status, onFatal });
  window.addEventListener('langchange', () => {
    applyI18n();
    paintSound();
    conn.setLang(lang());
    render();
  });
  conn.connect();
}

main();
