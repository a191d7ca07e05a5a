// play.js: the participant's phone. Join with a code and a name, then
// follow the room: lobby, question (answer with one thumb), reveal,
// leaderboard, podium. The token lives in localStorage so that a reload or
// a lost connection resumes the same player.
import {
  $,
  Connection,
  apiWithNotice,
  applyI18n,
  fmtNum,
  h,
  icon,
  initPage,
  joinRoom,
  fill,
  lang,
  langWasChosen,
  md,
  mountConnBanner,
  optionBadge,
  optionLabel,
  optionLook,
  pathPart,
  payload,
  place,
  setLang,
  setText,
  store,
  t,
  teamColor,
  timerRing,
  toast,
  withNotice,
} from '/static/app.js';
import { renderGamePhone } from '/static/game.js';
import { boardPhone, bt } from '/static/board.js';
import { dayPhone } from '/static/day.js';
import { watchKey, watchPhone } from '/static/watch.js';

const LAST_KEY = 'huddle.player.last';
const NAME_KEY = 'huddle.name';
const DEVICE_KEY = 'huddle.device';
const playerKey = (room) => 'huddle.player.' + room;

const CHOICE_TYPES = new Set(['single', 'multiple', 'truefalse', 'poll']);

let rec = null; // {room, token, player, team, code, name, title}
let conn = null;
let state = null;
let me = null;
let joinInfo = null;
let builtKey = '';
let stopTimer = null;
let statusCb = null;

// The answer in progress for the open question.
let ans = newAnswerState('');
let looking = false;
let lastTeamAnswer = null; // the team's answer as last seen while the question was open

function newAnswerState(q) {
  return { q, status: '', error: '', code: '', data: null, cmd: 0, timeUp: false, selection: new Set() };
}

// ------------------------------------------------------------ views

function showView(name) {
  for (const id of ['loading', 'code', 'join', 'room', 'kicked']) $('#v-' + id).hidden = id !== name;
  document.body.dataset.view = name;
  $('#p-teambar').hidden = name !== 'room' || !me;
}

function codeFromUrl() {
  if (pathPart(0) === 'j') return pathPart(1).replace(/\D/g, '');
  const q = new URLSearchParams(location.search).get('code');
  return q ? q.replace(/\D/g, '') : '';
}

function findPlayerByCode(code) {
  for (const k of store.keys('huddle.player.')) {
    if (k === LAST_KEY) continue;
    const r = store.get(k);
    if (r && r.code === code && (r.token || r.watch)) return r;
  }
  return null;
}

function forget(room) {
  store.remove(playerKey(room));
  store.remove(`huddle.outbox.${room}`); // the Connection's queue of unanswered answers
  if (store.get(LAST_KEY) === room) store.remove(LAST_KEY);
}

function showCodeForm(code, error) {
  if (conn) conn.stop();
  conn = null;
  rec = null;
  state = null;
  me = null;
  builtKey = '';
  showView('code');
  setText($('#p-title'), '');
  const input = $('#code-input');
  if (code) input.value = code;
  const err = $('#code-error');
  err.hidden = !error;
  err.textContent = error || '';
  $('#code-submit').disabled = false;
  setText($('#code-submit'), t('next'));
  input.focus();
}

// ------------------------------------------------------------ code → join form

async function lookup(code) {
  if (!/^\d{6}$/.test(code)) {
    showCodeForm(code, t('code_invalid'));
    return;
  }
  if (looking) return;
  looking = true;
  const btn = $('#code-submit');
  btn.disabled = true;
  setText(btn, t('checking'));
  let info;
  try {
    info = await apiWithNotice('GET', `/api/join/${code}`, undefined, btn);
  } catch (e) {
    looking = false;
    // The room may be over and closed to new players; a phone that already
    // joined it can still come back.
    const r = findPlayerByCode(code);
    if (r) {
      enterRoom(r);
      return;
    }
    showCodeForm(code, e.message);
    return;
  }
  looking = false;
  joinInfo = { ...info, code };
  const r = store.get(playerKey(info.room));
  if (r && (r.token || r.watch)) {
    enterRoom({ ...r, code });
    return;
  }
  if (!langWasChosen() && (info.lang === 'ru' || info.lang === 'en') && info.lang !== lang()) {
    setLang(info.lang, { remember: false });
  }
  showJoinForm();
}

function showJoinForm() {
  showView('join');
  const info = joinInfo;
  setText($('#p-title'), info.title || '');
  setText($('#join-room-title'), info.title || '');
  const name = $('#name-input');
  if (!name.value) name.value = store.get(NAME_KEY) || '';
  renderTeamPicker();
  $('#join-error').hidden = true;
  $('#join-submit').disabled = false;
  setText($('#join-submit'), t('join'));
  if (!name.value) name.focus();
}

function renderTeamPicker() {
  if (!joinInfo) return;
  const box = $('#team-picker');
  const current = (box.querySelector('input:checked') || {}).value || '';
  const teams = joinInfo.teams || [];
  const choice = (value, label, color, i) =>
    h(
      'label',
      { class: ['team-choice', value === '' && 'team-choice-auto'], style: color ? { '--team': color } : null, 'data-testid': 'team-choice' },
      h('input', { type: 'radio', name: 'team', value, checked: value === current }),
      h('span', { class: 'team-dot' }),
      h('span', { class: 'team-choice-name', text: label }),
    );
  box.classList.remove('one-column');
  box.replaceChildren(choice('', t('assign_me'), null), ...teams.map((tm, i) => choice(tm.id, tm.name, teamColor(tm.id, i), i)));
  // Two columns only while every name fits whole in its half: a name is
  // never broken inside a word when a column of its own would hold it.
  const cramped = () =>
    [...box.querySelectorAll('.team-choice-name')].some((el) => {
      // A word wider than its half is broken: its letters take two lines.
      const r = document.createRange();
      r.selectNodeContents(el);
      const words = el.textContent.trim().split(/\s+/).length;
      return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size > words;
    });
  if (teams.some((tm) => (tm.name || '').length > 11) || cramped()) box.classList.add('one-column');
  renderSectorPicker();
}

// renderSectorPicker asks for the sector only in rooms with a board, where
// votes are counted by sector.
function renderSectorPicker() {
  const set = $('#sector-fieldset');
  set.hidden = !joinInfo.sectors;
  if (!joinInfo.sectors) return;
  const current = (set.querySelector('input:checked') || {}).value || '';
  setText($('#sector-legend'), bt('sector_legend'));
  $('#sector-picker').replaceChildren(
    ...[['state', 'sector_state'], ['ngo', 'sector_ngo'], ['', 'sector_none']].map(([value, key]) =>
      h(
        'label',
        { class: 'team-choice sector-choice', 'data-testid': 'sector-choice' },
        h('input', { type: 'radio', name: 'sector', value, checked: value === current }),
        h('span', { class: 'team-choice-name', text: bt(key) }),
      ),
    ),
  );
}

// deviceId is this phone's own random id, kept across joins and rooms, so
// that a player the host removed is not let back in under another name.
// crypto.getRandomValues, unlike randomUUID, works on a plain-http LAN.
function deviceId() {
  let id = store.get(DEVICE_KEY);
  if (typeof id === 'string' && /^[0-9a-f]{32}$/.test(id)) return id;
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  id = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  store.set(DEVICE_KEY, id);
  return id;
}

async function join(ev) {
  ev.preventDefault();
  const err = $('#join-error');
  err.hidden = true;
  const name = $('#name-input').value.trim().replace(/\s+/g, ' ');
  if (!name) {
    err.textContent = t('name_required');
    err.hidden = false;
    $('#name-input').focus();
    return;
  }
  const team = ($('#team-picker').querySelector('input:checked') || {}).value || '';
  const sector = ($('#sector-picker').querySelector('input:checked') || {}).value || '';
  const btn = $('#join-submit');
  btn.disabled = true;
  setText(btn, t('joining'));
  try {
    // The join and the room's socket are one exchange: the socket that
    // joins goes on as the player's.
    const body = { name, team, sector, device: deviceId() };
    const opts = { lang: lang(), onFrame, onStatus: (s) => statusCb && statusCb(s), onFatal, outbox: true };
    const { conn: joined, joined: res } = await withNotice((signal) => joinRoom(joinInfo.room, body, opts, signal), btn);
    store.set(NAME_KEY, name);
    const r = { room: res.room, token: res.token, player: res.player, team: res.team, code: joinInfo.code, name, title: joinInfo.title, lang: joinInfo.lang };
    store.set(playerKey(res.room), r);
    enterRoom(r, joined);
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
    btn.disabled = false;
    setText(btn, t('join'));
  }
}

// watch follows the room without joining it: no name, no team, nothing
// to answer (watch.js). The record survives a reload as a player's does.
function watch() {
  if (!joinInfo) return;
  const r = { room: joinInfo.room, watch: true, code: joinInfo.code, title: joinInfo.title, lang: joinInfo.lang };
  store.set(playerKey(joinInfo.room), r);
  enterRoom(r);
}

// ------------------------------------------------------------ room connection

// enterRoom follows the room as r says, on the Connection the join opened
// when there is one, else on a new one.
function enterRoom(r, joined) {
  rec = r;
  // A phone that comes back speaks the room's language, unless its owner chose one.
  if (!langWasChosen() && (r.lang === 'ru' || r.lang === 'en') && r.lang !== lang()) setLang(r.lang, { remember: false });
  store.set(LAST_KEY, r.room);
  state = null;
  me = null;
  builtKey = '';
  setText($('#p-title'), r.title || '');
  showView('loading');
  if (conn) conn.stop();
  if (!statusCb) statusCb = mountConnBanner();
  if (joined) {
    conn = joined;
    return;
  }
  conn = r.watch
    ? new Connection({ room: r.room, token: '', watch: true, lang: lang(), onFrame, onStatus: statusCb, onFatal })
    : new Connection({ room: r.room, token: r.token, lang: lang(), onFrame, onStatus: statusCb, onFatal, outbox: true });
  conn.connect();
}

function onFrame(msg) {
  const d = payload(msg);
  switch (msg.type) {
    case 'state':
      // A state frame carries the phone's own view when that changed too.
      state = d;
      if (d.me) me = d.me;
      render();
      break;
    case 'me':
      me = d;
      render();
      break;
    case 'ack':
      // So does the ack of a change of the phone's own (a card, a vote);
      // an answer's ack carries only the keys it changed, which replace
      // the phone's (docs/protocol.md, "ack").
      if (msg.data && msg.data.me) {
        me = msg.data.me;
        render();
      } else if (msg.data && msg.data.me_patch && me) {
        me = Object.assign({}, me, msg.data.me_patch);
        render();
      }
      break;
    case 'error':
      if (!msg.id && msg.code !== 'unauthorized' && msg.code !== 'room_gone' && msg.message) toast(msg.message, 'error');
      break;
  }
}

function onFatal(code) {
  const r = rec;
  if (r) forget(r.room);
  if (stopTimer) stopTimer();
  stopTimer = null;
  if (code === 'kicked') {
    showView('kicked');
    $('#kicked-again').onclick = () => {
      if (r && r.code) lookup(r.code);
      else showCodeForm('');
    };
    return;
  }
  if (code === 'room_gone') {
    showCodeForm('', t('room_gone'));
    $('#code-input').value = '';
  }
  else showCodeForm(r ? r.code : '', t('session_lost'));
}

function leave() {
  if (!confirm(t('leave_confirm'))) return;
  const r = rec;
  if (r) forget(r.room);
  showCodeForm('');
}

// ------------------------------------------------------------ render

function teamMode() {
  return state && state.room && state.room.team_mode === 'team';
}

function renderTeambar() {
  const bar = $('#p-teambar');
  if (!me) {
    bar.hidden = true;
    return;
  }
  bar.hidden = document.body.dataset.view !== 'room';
  bar.style.setProperty('--team', teamColor(me.team && me.team.id));
  setText($('#p-me-name'), me.player ? me.player.name : '');
  setText($('#p-me-team'), me.team ? me.team.name : '');
  const pts = teamMode() ? me.team_score && me.team_score.points : me.score && me.score.points;
  setText($('#p-me-points'), `${fmtNum(pts || 0)} ${t('points_short')}`);
  $('#p-me-points').hidden = !!(state && state.board); // a board scores no points
}

function render() {
  if (state && rec && rec.watch) {
    renderWatch();
    return;
  }
  if (!state || !me) return;
  if (document.body.dataset.view !== 'room') showView('room');
  setText($('#p-title'), (state.room && state.room.title) || (rec && rec.title) || '');
  document.body.dataset.phase = state.phase;
  renderTeambar();
  $('#p-me-points').hidden = !!(state.game || state.board);
  if (state.phase === 'between') {
    if (builtKey !== 'between|' + lang()) {
      builtKey = 'between|' + lang();
      if (stopTimer) stopTimer();
      stopTimer = null;
      $('#v-room').dataset.phase = 'between';
      $('#v-room').replaceChildren(dayPhone(state));
    }
    return;
  }
  if (state.board) {
    builtKey = '';
    $('#v-room').dataset.phase = state.phase;
    boardPhone($('#v-room'), state, me, (type, data) => conn.send(type, data));
    return;
  }
  const q = state.question;
  if (q && q.id !== ans.q) ans = newAnswerState(q.id);
  const ph = state.phase;
  if (state.game) {
    const room = $('#v-room');
    if (builtKey !== 'game') {
      builtKey = 'game';
      if (stopTimer) stopTimer();
      stopTimer = null;
      room.dataset.phase = ph;
    }
    $('#p-me-points').hidden = true;
    renderGamePhone(room, state, me, (type, data) => conn.send(type, data));
    return;
  }
  // Outside a question, what is shown depends on me and the leaderboard
  // too, and there is nothing to type into, so rebuild when they change.
  const extra = ph === 'question' ? '' : JSON.stringify([me, state.reveal, state.leaderboard]);
  const key = [ph, q ? q.id : '', lang(), extra].join('|');
  const room = $('#v-room');
  if (key !== builtKey) {
    builtKey = key;
    if (stopTimer) stopTimer();
    stopTimer = null;
    const build = BUILD[ph];
    room.replaceChildren(build ? build() : h('p', { class: 'muted', text: ph }));
    room.dataset.phase = ph;
  }
  if (ph === 'question') updateQuestion();
}

function renderWatch() {
  if (document.body.dataset.view !== 'room') showView('room');
  setText($('#p-title'), (state.room && state.room.title) || rec.title || '');
  document.body.dataset.phase = state.phase;
  const key = watchKey(state) + lang();
  if (key === builtKey) return;
  builtKey = key;
  if (stopTimer) stopTimer();
  const { el, stop } = watchPhone(state, leave);
  stopTimer = stop;
  $('#v-room').dataset.phase = state.phase;
  $('#v-room').replaceChildren(el);
}

// ------------------------------------------------------------ lobby

function buildLobby() {
  const color = teamColor(me.team.id);
  return h(
    'section',
    { class: 'p-lobby', 'data-testid': 'p-lobby' },
    h('div', { class: 'p-in' }, h('span', { class: 'p-in-icon' }, icon('check')), h('h1', { 'data-testid': 'you-are-in', text: t('you_are_in') })),
    h(
      'div',
      { class: 'p-team-card', style: { '--team': color } },
      h('span', { class: 'kicker', text: t('your_team') }),
      h('h2', { 'data-testid': 'my-team', text: me.team.name }),
      h(
        'ul',
        { class: 'chips' },
        (me.team.members || []).map((n) => h('li', { class: ['chip', n === me.player.name && 'chip-me'], text: n })),
      ),
    ),
    h('p', { class: 'p-wait' }, h('span', { class: 'dots', 'aria-hidden': 'true' }), h('span', { text: t('wait_start') })),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small p-leave', onclick: leave, text: t('leave') }),
  );
}

// ------------------------------------------------------------ question

function buildQuestion() {
  const q = state.question;
  const timer = timerRing('s');
  const sec = h(
    'section',
    { class: ['p-question', 'qtype-' + q.type, teamMode() && 'team-mode'], 'data-testid': 'p-question', 'data-question': q.id, 'data-type': q.type },
    h(
      'div',
      { class: 'p-q-top' },
      h(
        'div',
        { class: 'p-q-meta' },
        h('span', { class: 'p-q-num', text: t('question_n', { n: q.index + 1, count: q.count }) }),
        h('span', { class: 'p-q-type', text: q.type === 'multiple' ? t('choose_several') : t('type_' + q.type) }),
      ),
      timer.el,
    ),
    h('h1', { class: ['p-q-text', (q.text || '').length > 140 && 'long'], 'data-testid': 'p-question-text' }, md(q.text)),
    q.image ? h('img', { class: 'p-q-image', src: q.image, alt: '' }) : null,
    teamMode() ? h('div', { id: 'p-team-answer', class: 'team-answer', 'data-testid': 'team-answer' }) : null,
    answerArea(q),
    h(
      'div',
      { class: ['p-actions', q.type === 'multiple' && 'p-actions-sticky'] },
      q.type === 'multiple'
        ? h('button', {
            type: 'button',
            id: 'p-submit',
            class: 'btn btn-primary btn-xl',
            'data-testid': 'answer-submit',
            text: t('submit'),
            onclick: () => {
              const order = (q.options || []).map((o) => o.id);
              const chosen = ans.selection.size ? ans.selection : new Set(ans.shownOptions || []);
              submit({ options: order.filter((id) => chosen.has(id)) });
            },
          })
        : null,
      h('div', { id: 'p-status', class: 'answer-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'answer-status' }),
    ),
  );
  const onTick = (ms) => {
    if (ms <= 0 && !ans.timeUp) {
      ans.timeUp = true;
      updateQuestion();
    }
  };
  stopTimer = timer.start(q, onTick);
  qTimer = { timer, onTick, key: timerKey(q) };
  return sec;
}

// The host's pause and +time move the deadline: the countdown starts again.
let qTimer = null;
const timerKey = (q) => `${q.id}|${q.deadline}|${!!q.paused}`;

function answerArea(q) {
  if (CHOICE_TYPES.has(q.type)) {
    const multiple = q.type === 'multiple';
    const buttons = (q.options || []).map((o, i) => {
      const look = optionLook(q, i);
      return h(
        'button',
        {
          type: 'button',
          class: ['answer-btn', 'opt-' + (look.style % 8)],
          'data-option': o.id,
          'data-testid': 'answer-' + o.id,
          'aria-pressed': 'false',
          onclick: () => {
            if (multiple) {
              // Start from what is shown (e.g. the team's current answer).
              if (!ans.selection.size) for (const id of ans.shownOptions || []) ans.selection.add(id);
              if (ans.selection.has(o.id)) ans.selection.delete(o.id);
              else ans.selection.add(o.id);
              updateQuestion();
            } else {
              submit({ options: [o.id] });
            }
          },
        },
        optionBadge(q, i),
        h('span', { class: 'answer-text' }, md(optionLabel(q, o))),
        h('span', { class: 'answer-check' }, icon('check')),
      );
    });
    return h(
      'div',
      { class: ['answers', q.type === 'truefalse' && 'answers-tf'] },
      buttons,
    );
  }
  const numeric = q.type === 'numeric';
  const input = h('input', {
    id: 'p-free',
    class: 'text-input free-input',
    type: 'text',
    inputmode: numeric ? 'decimal' : 'text',
    autocomplete: 'off',
    enterkeyhint: 'send',
    maxlength: numeric ? 24 : 200,
    'data-testid': 'answer-input',
  });
  return h(
    'form',
    {
      class: 'free-form',
      novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        const raw = input.value.trim();
        if (!raw) return;
        if (numeric) {
          const n = Number(raw.replace(/[\s\u00a0\u2009]/g, '').replace(',', '.'));
          if (!Number.isFinite(n)) {
            ans.status = 'error';
            ans.code = 'invalid_choice';
            ans.error = t('your_number');
            updateQuestion();
            return;
          }
          submit({ number: n });
        } else {
          submit({ text: raw });
        }
      },
    },
    h('label', { for: 'p-free', class: 'big-label', text: numeric ? t('your_number') : t('your_text') }),
    input,
    h('button', { type: 'submit', id: 'p-submit', class: 'btn btn-primary btn-xl', 'data-testid': 'answer-submit', text: t('submit') }),
  );
}

async function submit(data) {
  const q = state && state.question;
  if (!q || state.phase !== 'question' || ans.timeUp || ans.status === 'sending') return;
  const qid = q.id;
  ans.status = 'sending';
  ans.error = '';
  ans.code = '';
  ans.data = data;
  const cmd = ++ans.cmd;
  updateQuestion();
  try {
    await conn.send('answer', { question: qid, ...data }, { retry: true });
    if (ans.q !== qid || ans.cmd !== cmd) return;
    ans.status = 'ok';
    const free = $('#p-free');
    if (free && teamMode()) free.value = ''; // the team's box above shows it now
  } catch (e) {
    if (ans.q !== qid || ans.cmd !== cmd) return;
    if (e.code === 'already_answered') {
      // The server holds another answer of ours: that one counts.
      ans.status = 'ok';
      toast(e.message);
    } else {
      ans.status = 'error';
      ans.code = e.code || '';
      ans.error = e.message;
    }
  }
  if (state && state.phase === 'question') updateQuestion();
}

function describeAnswer(q, a) {
  if (!a) return null;
  if (a.options && a.options.length) {
    const opts = q.options || [];
    return h(
      'span',
      { class: 'answer-desc' },
      a.options.map((id) => {
        const i = opts.findIndex((o) => o.id === id);
        if (i < 0) return h('span', { text: id });
        return h(
          'span',
          { class: ['answer-desc-item', 'opt-' + (optionLook(q, i).style % 8)] },
          optionBadge(q, i),
          h('span', null, md(optionLabel(q, opts[i]))),
        );
      }),
    );
  }
  if (a.number !== undefined && a.number !== null) return h('b', { text: fmtNum(a.number) });
  if (a.text) return h('b', { text: a.text });
  return null;
}

function updateQuestion() {
  const q = state.question;
  const sec = document.querySelector('.p-question');
  if (!q || !sec) return;
  if (qTimer && qTimer.key !== timerKey(q)) {
    if (stopTimer) stopTimer();
    ans.timeUp = false;
    stopTimer = qTimer.timer.start(q, qTimer.onTick);
    qTimer.key = timerKey(q);
  }
  const tm = teamMode();
  const mine = me && me.answer && me.answer.question === q.id ? me.answer : null;
  const team = tm && me && me.team_answer && me.team_answer.question === q.id ? me.team_answer : null;
  const accepted = ans.status === 'ok' || (ans.status === '' && !!(tm ? team || mine : mine));
  const sending = ans.status === 'sending';
  const locked = ans.timeUp || sending || (!tm && accepted);

  // What to highlight: what is being sent, else the team's current answer,
  // else my accepted answer.
  let shown = null;
  if (sending || ans.status === 'error') shown = ans.data;
  else if (team) shown = team;
  else if (mine) shown = mine;
  else if (ans.status === 'ok') shown = ans.data;
  let picked;
  if (q.type === 'multiple' && !sending && ans.selection.size) picked = new Set(ans.selection);
  else picked = new Set((shown && shown.options) || []);
  ans.shownOptions = (shown && shown.options) || [];

  for (const b of sec.querySelectorAll('.answer-btn')) {
    const on = picked.has(b.dataset.option);
    b.setAttribute('aria-pressed', String(on));
    b.classList.toggle('is-picked', on);
    b.classList.toggle('is-other', picked.size > 0 && !on && (accepted || sending) );
    b.disabled = locked;
  }
  const submitBtn = $('#p-submit');
  if (submitBtn) {
    const emptyMulti = q.type === 'multiple' && picked.size === 0;
    submitBtn.disabled = locked || emptyMulti;
    submitBtn.hidden = !tm && accepted;
  }
  // The field holds only what this phone types: a teammate's answer is
  // shown in its own box above, never put into the field, so typing never
  // appends to it. A new answer replaces the team's on purpose.
  const free = $('#p-free');
  if (free) free.disabled = locked;

  if (team) lastTeamAnswer = team;
  const ta = $('#p-team-answer');
  if (ta) {
    ta.style.setProperty('--team', teamColor(me.team && me.team.id));
    if (team) {
      const mineNow = me.player && team.by === me.player.name;
      fill(
        ta,
        h('span', { class: 'kicker', text: t('team_choice') }),
        describeAnswer(q, team),
        team.by ? h('span', { class: 'team-answer-by', text: mineNow ? t('team_choice_you') : t('team_choice_by', { name: team.by }) }) : null,
        q.type === 'numeric' || q.type === 'text' ? h('span', { class: 'team-answer-help', text: t('team_replace_help') }) : null,
      );
    } else {
      fill(ta, h('span', { class: 'kicker', text: t('team_choice') }), h('span', { class: 'muted', text: t('team_no_choice') }));
    }
  }

  const st = $('#p-status');
  st.dataset.state = sending ? 'sending' : ans.status === 'error' ? 'error' : accepted ? 'ok' : ans.timeUp ? 'timeup' : '';
  if (sending) {
    fill(st, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', { text: t('sending') }));
  } else if (ans.status === 'error') {
    const canRetry = ans.code !== 'question_closed' && ans.code !== 'room_finished' && !ans.timeUp && ans.data && ans.code !== 'invalid_choice';
    fill(st, 
      h('span', { text: ans.error }),
      canRetry ? h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'answer-retry', text: t('retry'), onclick: () => { const d = ans.data; ans.status = ''; submit(d); } }) : null,
    );
  } else if (accepted) {
    fill(st, 
      h('span', { class: 'ok-icon' }, icon('check')),
      h('span', {
        text: tm ? t('answer_received_team') : t('answer_received') + (q.type === 'numeric' || q.type === 'text' ? ':' : ''),
      }),
      !tm && (q.type === 'numeric' || q.type === 'text') ? describeAnswer(q, mine || ans.data) : null,
    );
  } else if (ans.timeUp) {
    fill(st, h('span', { text: t('time_up') }));
  } else {
    fill(st, );
  }
}

// ------------------------------------------------------------ reveal

function correctBlock(q, r) {
  if (!q || !r || q.type === 'poll') return null;
  let value;
  if (q.type === 'numeric') {
    value = h('p', { class: 'p-correct-value', text: fmtNum(r.answer) + (r.tolerance ? ' ' + t('tolerance', { n: fmtNum(r.tolerance) }) : '') });
  } else if (q.type === 'text') {
    value = h('p', { class: 'p-correct-value', text: (r.accept || []).slice(0, 4).join(' · ') });
  } else {
    value = describeAnswer(q, { options: r.correct || [] });
  }
  const many = q.type === 'multiple' && (r.correct || []).length > 1;
  return h(
    'div',
    { class: 'card p-correct', 'data-testid': 'p-correct' },
    h('span', { class: 'kicker', text: many ? t('correct_answers') : q.type === 'text' ? t('accepted_answers') : t('correct_answer') }),
    value,
    r.explanation ? h('div', { class: 'p-explain' }, md(r.explanation, { block: true })) : null,
  );
}

function buildReveal() {
  const q = state.question;
  const r = state.reveal;
  if (!r) return h('p', { class: 'muted', text: t('look_at_screen') });
  const res = me.result && me.result.question === r.question ? me.result : null;
  const poll = (q && q.type === 'poll') || (res && res.poll);
  let kind;
  if (poll) kind = res && res.answered ? 'thanks' : 'none';
  else if (!res || res.answered === false) kind = 'none';
  else if (res.correct || res.fraction >= 1) kind = 'correct';
  else if (res.fraction > 0) kind = 'partial';
  else kind = 'wrong';
  // In team mode the team was scored on its answer, whoever gave it: the
  // last one this phone saw while the question was open (never only this
  // member's own, which a teammate may have replaced).
  const ownAns = me.answer && me.answer.question === r.question ? me.answer : null;
  const given = teamMode() ? (lastTeamAnswer && lastTeamAnswer.question === r.question ? lastTeamAnswer : null) : ownAns;
  const titles = { correct: 'result_correct', partial: 'result_partial', wrong: 'result_wrong', none: 'result_none', thanks: 'result_thanks' };
  const iconName = kind === 'correct' || kind === 'thanks' ? 'check' : kind === 'partial' ? 'star' : kind === 'wrong' ? 'cross' : 'clock';
  return h(
    'section',
    { class: ['p-reveal', 'res-' + kind], 'data-testid': 'p-reveal', 'data-result': kind },
    h(
      'div',
      { class: 'res-card', 'data-testid': 'result' },
      teamMode() && !poll ? h('span', { class: 'kicker', text: t('result_team') }) : null,
      h('span', { class: 'res-icon' }, icon(iconName)),
      h('h1', { text: t(titles[kind]) }),
      !poll && res ? h('p', { class: 'res-points', 'data-testid': 'result-points', text: t('plus_points', { n: fmtNum(res.points || 0) }) }) : null,
      !poll && res && res.streak > 1 ? h('p', { class: 'res-streak', text: t('streak', { n: res.streak }) }) : null,
    ),
    !poll && (kind === 'wrong' || kind === 'partial') && given && q
      ? h('div', { class: 'p-your-answer' }, h('span', { class: 'kicker', text: teamMode() ? t('team_choice') : t('your_answer') }), describeAnswer(q, given))
      : null,
    standing(),
    correctBlock(q, r),
    poll && r.explanation ? h('div', { class: 'card p-explain' }, md(r.explanation, { block: true })) : null,
    h('p', { class: 'muted p-look', text: t('look_at_screen') }),
  );
}

// The phone's place and its team's, as the leaderboard shows them. The
// reveal carries them, and the phone keeps showing the reveal while the
// room looks at the leaderboard: the server sends phones no frame for it.
function standing() {
  if (!me.team_score || !me.team_score.rank) return null;
  return h(
    'div',
    { class: 'p-stats', 'data-testid': 'p-standing' },
    teamMode() ? null : stat(t('your_place'), place(me.score.rank), `${fmtNum(me.score.points)} ${t('points')}`, 'my-rank'),
    stat(t('team_place'), place(me.team_score.rank), `${me.team.name} · ${fmtNum(me.team_score.points)} ${t('points')}`, 'team-rank'),
  );
}

// ------------------------------------------------------------ leaderboard and finish

function teamList(lb, limit) {
  const teams = (lb && lb.teams) || [];
  return h(
    'ol',
    { class: 'p-team-list' },
    teams.slice(0, limit || teams.length).map((tm, i) =>
      h(
        'li',
        { class: ['p-team-row', me.team && tm.id === me.team.id && 'is-mine'], style: { '--team': teamColor(tm.id, i) } },
        h('span', { class: 'p-rank', text: String(tm.rank) }),
        h('span', { class: 'team-dot' }),
        h('span', { class: 'p-team-row-name', text: tm.name }),
        h('span', { class: 'p-team-row-points', text: fmtNum(tm.points) }),
      ),
    ),
  );
}

function stat(label, value, sub, testid) {
  return h(
    'div',
    { class: 'p-stat', 'data-testid': testid },
    h('span', { class: 'kicker', text: label }),
    h('strong', { text: value }),
    sub ? h('span', { class: 'p-stat-sub', text: sub }) : null,
  );
}

function buildLeaderboard() {
  const tm = teamMode();
  const teams = (state.leaderboard && state.leaderboard.teams) || [];
  return h(
    'section',
    { class: 'p-lb', 'data-testid': 'p-leaderboard' },
    h('h1', { class: 'p-section-title', text: t('leaderboard') }),
    h(
      'div',
      { class: 'p-stats' },
      tm ? null : stat(t('your_place'), place(me.score.rank), `${fmtNum(me.score.points)} ${t('points')}`, 'my-rank'),
      stat(t('team_place'), place(me.team_score.rank), `${me.team.name} · ${fmtNum(me.team_score.points)} ${t('points')}`, 'team-rank'),
    ),
    teams.length ? h('div', { class: 'card' }, h('h2', { text: t('teams_ranking') }), teamList(state.leaderboard)) : null,
    h('p', { class: 'muted p-look', text: t('look_at_screen') }),
  );
}

function buildFinished() {
  const tm = teamMode();
  const teams = (state.leaderboard && state.leaderboard.teams) || [];
  const top = teams.slice(0, 3);
  return h(
    'section',
    { class: 'p-finished', 'data-testid': 'p-finished' },
    h('div', { class: 'p-fin-head' }, h('span', { class: 'res-icon' }, icon('trophy')), h('h1', { text: t('finished_heading') })),
    top.length
      ? h(
          'div',
          { class: 'p-podium' },
          [1, 0, 2]
            .filter((i) => top[i])
            .map((i) =>
              h(
                'div',
                { class: ['p-podium-col', 'pos-' + (i + 1), me.team && top[i].id === me.team.id && 'is-mine'], style: { '--team': teamColor(top[i].id, i) } },
                h('span', { class: 'p-podium-name', text: top[i].name }),
                h('span', { class: 'p-podium-block', text: String(top[i].rank) }),
              ),
            ),
        )
      : null,
    h(
      'div',
      { class: 'p-stats' },
      tm ? null : stat(t('final_place'), place(me.score.rank), `${fmtNum(me.score.points)} ${t('points')}`, 'my-final'),
      stat(t('team_place'), place(me.team_score.rank), `${me.team.name} · ${fmtNum(me.team_score.points)} ${t('points')}`, 'team-final'),
    ),
    h('p', { class: 'p-thanks', text: t('thanks_all') }),
    h('button', {
      type: 'button',
      class: 'btn btn-ghost',
      text: t('join_another'),
      onclick: () => {
        if (rec) forget(rec.room);
        showCodeForm('');
      },
    }),
  );
}

const BUILD = {
  lobby: buildLobby,
  question: buildQuestion,
  reveal: buildReveal,
  leaderboard: buildLeaderboard,
  finished: buildFinished,
};

// ------------------------------------------------------------ start

function main() {
  initPage();
  const codeInput = $('#code-input');
  codeInput.addEventListener('input', () => {
    const digits = codeInput.value.replace(/\D/g, '').slice(0, 6);
    if (codeInput.value !== digits) codeInput.value = digits;
    $('#code-error').hidden = true;
    if (digits.length === 6) lookup(digits);
  });
  $('#code-form').addEventListener('submit', (e) => {
    e.preventDefault();
    lookup(codeInput.value.replace(/\D/g, ''));
  });
  $('#join-form').addEventListener('submit', join);
  $('#join-back').addEventListener('click', () => showCodeForm(''));
  $('#join-watch').addEventListener('click', watch);
  window.addEventListener('gamerender', render);
  window.addEventListener('langchange', () => {
    applyI18n();
    if (conn) conn.setLang(lang());
    renderTeamPicker();
    builtKey = '';
    if (document.body.dataset.view === 'room') render();
    if (document.body.dataset.view === 'code' || document.body.dataset.view === 'join') {
      setText($('#code-submit'), t('next'));
      setText($('#join-submit'), t('join'));
    }
  });

  const code = codeFromUrl();
  if (code) {
    codeInput.value = code;
    lookup(code);
    return;
  }
  const last = store.get(LAST_KEY);
  const r = last ? store.get(playerKey(last)) : null;
  if (r && (r.token || r.watch)) enterRoom(r);
  else showCodeForm('');
}

main();
