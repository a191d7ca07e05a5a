// screen.js: the projector. Connects with the host token (#h=…, control bar
// shown) or the screen token (#s=…, view only) and draws the room's phases
// for the back row: lobby, question, reveal, leaderboard, podium.
//
// The host view carries the correct answer of the open question in
// view.host; this page never reads it: the projector shows the answer only
// from view.reveal.
import {
  isLastQuestion,
  $,
  Connection,
  animateNumber,
  applyI18n,
  fmtCode,
  fmtNum,
  h,
  hashParams,
  icon,
  initPage,
  lang,
  md,
  mdText,
  mountConnBanner,
  optionBadge,
  optionLabel,
  optionLook,
  pathPart,
  payload,
  setText,
  store,
  t,
  teamColor,
  timerRing,
  toast,
} from '/static/app.js';
import { buildGameScreen, gameAllDone, gameNextLabel } from '/static/game.js';
import '/static/account.js';
import { boardNextLabel, boardScreen } from '/static/board.js';
import { dayNextLabel, dayScreen, isDayScreen, placeShown, podiumDone, podiumNextLabel } from '/static/day.js';

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

const CHOICE_TYPES = new Set(['single', 'multiple', 'truefalse', 'poll']);

// ------------------------------------------------------------ token

function resolveToken() {
  const hp = hashParams();
  const rec = store.get(hostKey);
  if (hp.h) {
    const saved = store.set(hostKey, {
      ...(rec || {}),
      room,
      host_token: hp.h,
      created: (rec && rec.created) || Date.now(),
    });
    // The projector's address bar is readable from the front row: keep the
    // host token out of it once it is safe in localStorage.
    if (saved && store.get(hostKey)) history.replaceState(null, '', location.pathname + location.search);
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

function baseOf(url) {
  try {
    return new URL(url, location.href).origin;
  } catch {
    return location.origin;
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

// ------------------------------------------------------------ lobby

function buildLobby(v) {
  lobbyPainted = false;
  const host = hostOf(v.room.join_url);
  return h(
    'section',
    { class: 'lobby', 'data-testid': 'phase-lobby' },
    h(
      'div',
      { class: 'lobby-join' },
      h('h1', { class: 'lobby-heading', text: t('join_heading') }),
      v.room.locked ? h('p', { class: 'lobby-locked', 'data-testid': 'lobby-locked', text: t('room_locked_note') }) : null,
      h(
        'div',
        { class: 'join-box' },
        h(
          'div',
          { class: 'join-text' },
          h('p', { class: 'join-step' }, h('span', { class: 'step-num', text: '1' }), h('span', { text: t('join_step1') })),
          h('p', { class: 'join-url', 'data-testid': 'join-url', text: host + '/play' }),
          h('p', { class: 'join-step' }, h('span', { class: 'step-num', text: '2' }), h('span', { text: t('join_step2') })),
          h('p', { class: 'join-code', id: 'join-code', 'data-testid': 'join-code', 'data-code': v.room.code, text: fmtCode(v.room.code) }),
        ),
        v.room.qr
          ? h(
              'figure',
              { class: 'qr' },
              h('img', { src: v.room.qr, alt: v.room.join_url || '', width: 340, height: 340 }),
              h('figcaption', { text: t('join_or_scan') }),
            )
          : null,
      ),
    ),
    h(
      'div',
      { class: 'lobby-people' },
      h('div', { class: 'lobby-count' }, icon('users'), h('span', { id: 'lobby-count', 'data-testid': 'lobby-count' })),
      h('div', { id: 'lobby-teams', class: 'team-grid', 'data-testid': 'lobby-teams' }),
      h('p', { id: 'lobby-empty', class: 'lobby-empty', text: t('waiting_first') }),
    ),
  );
}

function updateLobby(v) {
  setText($('#lobby-count'), t('players_count', { n: v.players || 0 }));
  $('#lobby-empty').hidden = (v.players || 0) > 0;
  const grid = $('#lobby-teams');
  const teams = v.teams || [];
  const n = teams.length;
  grid.dataset.size = n <= 4 ? 's' : n <= 6 ? 'm' : 'l';
  // Names per card: a webinar with hundreds of phones must not overflow.
  const maxChips = n <= 4 ? 24 : n <= 6 ? 14 : 9;
  grid.replaceChildren(
    ...teams.map((tm, i) => {
      const players = tm.players || [];
      const shown = players.slice(0, maxChips);
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
  lobbyPainted = true;
}

// ------------------------------------------------------------ question

function questionHead(q, extra) {
  return h(
    'div',
    { class: 'q-head' },
    h(
      'div',
      { class: 'q-meta' },
      h('span', { class: 'pill', text: t('type_' + q.type) }),
      q.points && q.type !== 'poll' ? h('span', { class: 'pill pill-ghost', text: `${fmtNum(q.points)} ${t('points')}` }) : null,
      extra,
    ),
    h('h1', { class: ['q-text', lengthClass(mdText(q.text))], 'data-testid': 'question-text' }, md(q.text)),
  );
}

function lengthClass(text) {
  if (text.length > 180) return 'very-long';
  if (text.length > 110) return 'long';
  return '';
}

function tiles(q, reveal) {
  const opts = q.options || [];
  const correct = new Set((reveal && reveal.correct) || []);
  const poll = q.type === 'poll';
  const counts = new Map(((reveal && reveal.distribution) || []).map((d) => [d.option, d.count]));
  return h(
    'div',
    { class: ['tiles', 'tiles-n' + Math.min(opts.length, 8), q.type === 'truefalse' && 'tiles-tf'] },
    opts.map((o, i) => {
      const look = optionLook(q, i);
      const isRight = correct.has(o.id);
      return h(
        'div',
        {
          class: ['tile', 'opt-' + (look.style % 8), reveal && !poll && (isRight ? 'is-correct' : 'is-wrong')],
          'data-option': o.id,
          'data-testid': 'tile-' + o.id,
        },
        optionBadge(q, i),
        h('span', { class: 'tile-text' }, md(optionLabel(q, o))),
        reveal && isRight && !poll ? h('span', { class: 'tile-mark' }, icon('check')) : null,
        reveal ? h('span', { class: 'tile-count', text: fmtNum(counts.get(o.id) || 0) }) : null,
      );
    }),
  );
}

function buildQuestion(v) {
  const q = v.question;
  const timer = timerRing('xl');
  const choice = CHOICE_TYPES.has(q.type);
  let media = null;
  if (q.image) media = h('img', { class: 'q-image', src: q.image, alt: '' });
  else if (choice) {
    media = h('div', { class: 'q-hint q-hint-soft' }, icon('phone'), h('span', { text: t('answer_on_phone_choice') }));
  } else {
    media = h(
      'div',
      { class: 'q-hint' },
      icon('phone'),
      h('span', { text: t(q.type === 'numeric' ? 'answer_on_phone_numeric' : 'answer_on_phone_text') }),
    );
  }
  const sec = h(
    'section',
    { class: ['question', 'qtype-' + q.type, !q.image && 'no-media'], 'data-testid': 'phase-question', 'data-question': q.id },
    questionHead(q),
    h(
      'div',
      { class: 'q-mid' },
      timer.el,
      h('div', { class: 'q-media' }, media),
      h(
        'div',
        { class: 'answered', 'data-testid': 'answered' },
        h('span', { class: 'answered-num', id: 'answered-num', text: '0' }),
        h('span', { class: 'answered-of', id: 'answered-of' }),
        h('span', { class: 'answered-label', text: t('answered_of') }),
      ),
    ),
    choice ? tiles(q, null) : null,
  );
  stopTimer = timer.start(q);
  qTimer = { timer, key: timerKey(q) };
  return sec;
}

// The host's pause and +time move the deadline: the countdown starts again.
let qTimer = null;
const timerKey = (q) => `${q.id}|${q.deadline}|${!!q.paused}`;

function updateQuestion(v) {
  const q = v.question;
  if (qTimer && qTimer.key !== timerKey(q)) {
    if (stopTimer) stopTimer();
    stopTimer = qTimer.timer.start(q);
    qTimer.key = timerKey(q);
  }
  const num = $('#answered-num');
  const before = num.textContent;
  setText(num, fmtNum(q.answered || 0));
  setText($('#answered-of'), '/ ' + fmtNum(q.expected || 0));
  if (before !== num.textContent) {
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

function distribution(q, r) {
  const opts = q.options || [];
  const counts = new Map((r.distribution || []).map((d) => [d.option, d.count]));
  const max = Math.max(1, ...opts.map((o) => counts.get(o.id) || 0));
  const correct = new Set(r.correct || []);
  const poll = q.type === 'poll';
  return h(
    'div',
    { class: 'dist', 'data-testid': 'distribution' },
    opts.map((o, i) => {
      const look = optionLook(q, i);
      const n = counts.get(o.id) || 0;
      const bar = h('div', { class: 'dist-bar', style: { height: '0%' } });
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          bar.style.height = Math.max(2, (n / max) * 100) + '%';
        }),
      );
      return h(
        'div',
        { class: ['dist-col', 'opt-' + (look.style % 8), !poll && (correct.has(o.id) ? 'is-correct' : 'is-wrong')] },
        h('div', { class: 'dist-count' }, !poll && correct.has(o.id) ? icon('check') : null, h('span', { text: fmtNum(n) })),
        h('div', { class: 'dist-track' }, bar),
        optionBadge(q, i),
      );
    }),
  );
}

function topList(items, fmt) {
  const max = Math.max(1, ...items.map((x) => x.count));
  return h(
    'ol',
    { class: 'top-list', 'data-testid': 'top-answers' },
    items.slice(0, 8).map((x) =>
      h(
        'li',
        { class: x.correct ? 'is-correct' : '' },
        h('span', { class: 'top-value', text: fmt(x) }),
        h('span', { class: 'top-bar' }, h('span', { style: { width: (x.count / max) * 100 + '%' } })),
        h('span', { class: 'top-count', text: fmtNum(x.count) }),
        x.correct ? icon('check') : h('span', { class: 'icon-spacer' }),
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
  const head = questionHead(q, note ? h('span', { class: 'pill pill-ghost', text: note }) : null);
  let body;
  if (q.type === 'numeric') {
    const value = fmtNum(r.answer) + (r.tolerance ? ' ' + t('tolerance', { n: fmtNum(r.tolerance) }) : '');
    body = h(
      'div',
      { class: 'reveal-free' },
      h(
        'div',
        { class: 'answer-card' },
        h('div', { class: 'answer-label', text: t('correct_answer') }),
        h('div', { class: 'answer-value', 'data-testid': 'correct-value', text: value }),
        explanation(r),
      ),
      h(
        'div',
        { class: 'top-box' },
        h('h2', { text: t('top_answers') }),
        (r.numbers || []).length ? topList(r.numbers, (x) => fmtNum(x.value)) : h('p', { class: 'muted', text: t('no_answers') }),
      ),
    );
  } else if (q.type === 'text') {
    body = h(
      'div',
      { class: 'reveal-free' },
      h(
        'div',
        { class: 'answer-card' },
        h('div', { class: 'answer-label', text: t('accepted_answers') }),
        h(
          'ul',
          { class: 'accept-list', 'data-testid': 'correct-value' },
          (r.accept || []).slice(0, 6).map((a) => h('li', { text: a })),
        ),
        explanation(r),
      ),
      h(
        'div',
        { class: 'top-box' },
        h('h2', { text: t('top_answers') }),
        (r.texts || []).length ? topList(r.texts, (x) => x.text) : h('p', { class: 'muted', text: t('no_answers') }),
      ),
    );
  } else {
    body = h(
      'div',
      { class: ['reveal-choice', !r.explanation && q.type !== 'poll' && 'no-explain'] },
      distribution(q, r),
      q.type === 'poll'
        ? h('aside', { class: 'explain' }, h('div', { class: 'explain-body' }, md(r.explanation || t('poll_no_correct'), { block: true })))
        : explanation(r),
    );
  }
  return h(
    'section',
    { class: ['reveal', 'qtype-' + q.type], 'data-testid': 'phase-reveal', 'data-question': q.id },
    head,
    body,
    CHOICE_TYPES.has(q.type) ? tiles(q, r) : null,
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

function playerRows(v, players) {
  return h(
    'ol',
    { class: 'lb-player-list', 'data-testid': 'lb-players' },
    players.slice(0, 10).map((p) => {
      const pts = h('span', { class: 'lb-points', text: fmtNum(p.points - (p.last || 0)) });
      requestAnimationFrame(() => animateNumber(pts, p.points - (p.last || 0), p.points, 1100));
      return h(
        'li',
        { class: 'lb-player', style: { '--team': teamColor(p.team) }, 'data-testid': 'lb-player' },
        h('span', { class: 'lb-rank', text: String(p.rank) }),
        h(
          'span',
          { class: 'lb-player-main' },
          h('span', { class: 'lb-name', 'data-testid': 'lb-player-name', text: p.name }),
          p.team ? h('span', { class: 'lb-team-tag' }, h('span', { class: 'team-dot' }), h('span', { text: teamName(v, p.team) })) : null,
        ),
        p.last ? h('span', { class: 'lb-last', text: '+' + fmtNum(p.last) }) : h('span', { class: 'lb-last lb-last-none' }),
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
  return h(
    'section',
    { class: ['leaderboard', teamsOnly && 'teams-only'], 'data-testid': 'phase-leaderboard' },
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
      teamsOnly ? null : h('div', { class: 'lb-col lb-col-players' }, h('h2', { text: t('players_top') }), playerRows(v, players)),
    ),
  );
}

// ------------------------------------------------------------ finished

function buildFinished(v) {
  const lb = v.leaderboard || { players: [], teams: [] };
  const teams = activeTeams(v, lb.teams).slice(0, 3);
  const players = lb.players || [];
  const order = [1, 0, 2].filter((i) => teams[i]);
  const teamsOnly = v.room.team_mode === 'team' || players.length === 0;
  return h(
    'section',
    { class: ['finished', teamsOnly && 'teams-only'], 'data-testid': 'phase-finished' },
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
      teamsOnly
        ? null
        : h(
            'div',
            { class: 'fin-players' },
            h('h2', { text: t('best_players') }),
            h(
              'ol',
              { class: 'lb-player-list compact', 'data-testid': 'fin-players' },
              players.slice(0, 5).map((p) =>
                h(
                  'li',
                  { class: ['lb-player', !placeShown(v, p.rank <= 3 ? p.rank : 1) && 'podium-veiled'], style: { '--team': teamColor(p.team) } },
                  h('span', { class: 'lb-rank', text: String(p.rank) }),
                  h(
                    'span',
                    { class: 'lb-player-main' },
                    h('span', { class: 'lb-name', text: p.name }),
                    p.team ? h('span', { class: 'lb-team-tag' }, h('span', { class: 'team-dot' }), h('span', { text: teamName(v, p.team) })) : null,
                  ),
                  h('span', { class: 'lb-points', text: fmtNum(p.points) }),
                ),
              ),
            ),
          ),
    ),
  );
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

function render() {
  const v = view;
  if (!v) return;
  document.body.dataset.phase = v.phase;
  setText($('#s-title'), v.room.title);
  document.title = `${v.room.title} — huddle`;
  const q = v.question;
  let progress = '';
  if (q && v.phase !== 'lobby' && v.phase !== 'finished') {
    progress = t('question_n', { n: q.index + 1, count: q.count });
    if ((v.room.stages || 1) > 1 && v.stage && v.stage.title) progress = `${v.stage.title} · ${progress}`;
  }
  const showCode = v.phase !== 'lobby' && v.phase !== 'finished' && v.room.code;
  $('#s-code-mini').hidden = !showCode;
  setText($('#s-code-mini-value'), fmtCode(v.room.code));
  setText($('#s-players-mini'), v.phase === 'lobby' ? '' : t('players_count', { n: v.players || 0 }));

  if (isDayScreen(v)) {
    if (stopTimer) stopTimer();
    stopTimer = null;
    const key = ['day', v.phase, lang(), JSON.stringify(v.day)].join('|');
    setText($('#s-progress'), '');
    if (key !== builtKey) {
      builtKey = key;
      $('#stage').replaceChildren(dayScreen(v));
    }
    renderControls();
    return;
  }
  if (v.board && !(v.phase === 'finished' && !podiumDone(v))) {
    if (stopTimer) stopTimer();
    stopTimer = null;
    builtKey = '';
    if (v.stage && v.stage.title) setText($('#s-progress'), v.stage.title);
    $('#stage').replaceChildren(boardScreen(v));
    renderControls();
    return;
  }
  if (v.game && v.game.case) progress = t('game_case_n', { n: v.game.case.index + 1, count: v.game.case.count });
  setText($('#s-progress'), progress);
  const key = [v.phase, q ? q.id : '', v.stage ? v.stage.index : '', lang(), !!v.room.locked, v.game ? JSON.stringify(v.game) : '', v.podium ? v.podium.revealed : ''].join('|');
  const build = v.game && (v.phase !== 'finished' || v.game.debrief) ? buildGameScreen : BUILD[v.phase];
  if (key !== builtKey) {
    if (stopTimer) stopTimer();
    stopTimer = null;
    builtKey = key;
    const stage = $('#stage');
    stage.replaceChildren(build ? build(v) : message(v.phase));
  }
  const update = UPDATE[v.phase];
  if (update) update(v);
  renderControls();
}

// ------------------------------------------------------------ host controls

function renderControls() {
  const isHost = role === 'host';
  $('#controls').hidden = !isHost;
  document.body.classList.toggle('has-controls', isHost);
  if (!isHost || !view) return;
  const ph = view.phase;
  const next = $('#ctl-next');
  $('#ctl-start').hidden = ph !== 'lobby';
  $('#ctl-close').hidden = ph !== 'question';
  const podiumStep = ph === 'finished' && !podiumDone(view);
  next.hidden = (ph === 'finished' && !podiumStep) || (ph !== 'finished' && !view.board && ph !== 'reveal' && ph !== 'leaderboard' && ph !== 'game' && ph !== 'debrief' && ph !== 'between');
  if (ph === 'game' || ph === 'debrief') setText(next, gameNextLabel(view));
  $('#ctl-end').hidden = ph === 'finished';
  $('#ctl-exports').hidden = ph !== 'finished';
  document.querySelector('.keys-hint').hidden = ph === 'finished' || ph === 'question';
  if (view.board) setText(next, boardNextLabel(view.board));
  else if (ph === 'reveal') setText(next, t('control_next_leaderboard'));
  else if (ph === 'leaderboard') setText(next, isLastQuestion(view) ? t('control_next_final') : t('control_next_question'));
  if (ph === 'between') setText(next, dayNextLabel(view));
  if (podiumStep) setText(next, podiumNextLabel(view));
  for (const b of document.querySelectorAll('#controls .ctl')) if (b.tagName === 'BUTTON' && b.id !== 'ctl-remote') b.disabled = busy;
  const enc = encodeURIComponent(room);
  $('#ctl-export-xlsx').href = `/api/rooms/${enc}/export.xlsx?token=${encodeURIComponent(token)}`;
  $('#ctl-export-csv').href = `/api/rooms/${enc}/export.csv?token=${encodeURIComponent(token)}`;
}

async function command(type) {
  if (busy || !conn) return;
  busy = true;
  renderControls();
  try {
    await conn.send(type);
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    busy = false;
    renderControls();
  }
}

function primaryAction() {
  if (role !== 'host' || !view) return;
  if (view.phase === 'lobby') command('start');
  else if (view.phase === 'between' || (view.phase === 'finished' && !podiumDone(view))) command('next');
  else if ((view.board && view.phase !== 'finished') || view.phase === 'reveal' || view.phase === 'leaderboard') command('next');
  else if (view.phase === 'reveal' || view.phase === 'leaderboard') command('next');
  else if ((view.phase === 'game' || view.phase === 'debrief') && (gameAllDone(view) || confirm(t('game_confirm_next')))) command('next');
}

function openRemote() {
  const rec = store.get(hostKey) || {};
  const base = view ? baseOf(view.room.join_url) : location.origin;
  const enc = encodeURIComponent(room);
  // Opened through the facilitator's session, the page holds no token: the
  // phone signs in instead.
  let hostUrl = `${base}/host/${enc}`;
  if (rec.host_url && rec.host_url.includes('#')) hostUrl = rec.host_url;
  else if (token) hostUrl = `${base}/host/${enc}#h=${token}`;
  const help = $('#remote-dialog p');
  help.dataset.i18n = token ? 'remote_help' : 'remote_help_session';
  help.textContent = t(help.dataset.i18n);
  $('#remote-url').value = hostUrl;
  let screenUrl = '';
  if (rec.screen_url && rec.screen_url.includes('#')) screenUrl = rec.screen_url;
  else if (rec.screen_token) screenUrl = `${base}/screen/${enc}#s=${rec.screen_token}`;
  $('#screen-url').value = screenUrl;
  $('#screen-url-box').hidden = !screenUrl;
  $('#remote-dialog').showModal();
}

async function copyFrom(input) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand('copy');
  }
  toast(t('copied'));
}

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
}

// ------------------------------------------------------------ wiring

function onFrame(msg) {
  const d = payload(msg);
  switch (msg.type) {
    case 'welcome':
      role = d.role || role;
      renderControls();
      break;
    case 'view':
      view = d;
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
  $('#ctl-start').addEventListener('click', () => command('start'));
  $('#ctl-next').addEventListener('click', () => {
    if (view && view.phase === 'game' && !gameAllDone(view) && !confirm(t('game_confirm_next'))) return;
    command('next');
  });
  $('#ctl-close').addEventListener('click', () => command('close'));
  $('#ctl-end').addEventListener('click', () => {
    if (confirm(t('confirm_end'))) command('end');
  });
  $('#ctl-remote').addEventListener('click', openRemote);
  $('#remote-copy').addEventListener('click', () => copyFrom($('#remote-url')));
  $('#screen-copy').addEventListener('click', () => copyFrom($('#screen-url')));
  $('#s-fullscreen').append(icon('expand'));
  $('#s-fullscreen').addEventListener('click', toggleFullscreen);
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if ($('#remote-dialog').open) return;
    const tag = (e.target && e.target.tagName) || '';
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || tag === 'BUTTON' || tag === 'A') return;
    if (e.key === ' ' || e.key === 'ArrowRight' || e.key === 'PageDown' || e.key === 'Enter') {
      e.preventDefault();
      primaryAction();
    } else if (e.key === 'f' || e.key === 'F' || e.key === 'а' || e.key === 'А') {
      toggleFullscreen();
    }
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

  if (!room) {
    $('#stage').replaceChildren(message(t('no_token')));
    return;
  }
  // Without a token the socket asks as the signed-in facilitator, if any.
  const status = mountConnBanner();
  conn = new Connection({ room, token, lang: lang(), onFrame, onStatus: status, onFatal });
  window.addEventListener('langchange', () => {
    applyI18n();
    conn.setLang(lang());
    render();
  });
  conn.connect();
}

main();
