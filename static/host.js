// host.js: the facilitator's remote on a phone. Same host connection as the
// projector's control bar, plus what only the host may see: the correct
// answer while the question is open, who answered, kick and let back in,
// exports.
import {
  isLastQuestion,
  $,
  Connection,
  applyI18n,
  countdown,
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
  secondsLeft,
  setLang,
  setText,
  store,
  t,
  teamColor,
  toast,
} from '/static/app.js';
import { gameAllDone, gameNextLabel, renderGameHost, screenPages } from '/static/game.js';
import { boardHost, boardNextLabel, boardPhaseName } from '/static/board.js';
import { dayNextLabel, podiumDone, podiumNextLabel } from '/static/day.js';
import '/static/account.js';

const room = pathPart(1);
const hostKey = 'huddle.host.' + room;

let token = '';
let conn = null;
let view = null;
let busy = false;
let timerKey = '';
let stopTimer = null;
let teamsKey = '';
let questionKey = '';

function resolveToken() {
  const hp = hashParams();
  const rec = store.get(hostKey);
  const fromHash = hp.h || hp.token || '';
  if (fromHash) {
    store.set(hostKey, { ...(rec || {}), room, host_token: fromHash, created: (rec && rec.created) || Date.now() });
    return fromHash;
  }
  return (rec && rec.host_token) || '';
}

// ------------------------------------------------------------ render

// renderTexts lists the grouped open-text answers the projector shows, each
// with a button to take it off the projector and the phones, or put it back.
function renderTexts(v) {
  const box = $('#h-texts');
  const q = v.question;
  const r = v.reveal;
  const on = !!(q && r && q.type === 'text' && r.question === q.id && (v.phase === 'reveal' || v.phase === 'leaderboard') && (r.texts || []).length);
  box.hidden = !on;
  if (!on) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    h('h2', { text: t('texts_heading') }),
    h(
      'ul',
      { class: 'h-text-list' },
      r.texts.map((x) =>
        h(
          'li',
          { class: ['h-text', x.hidden && 'is-hidden'], 'data-testid': 'host-text' },
          h('span', { class: 'h-text-value', text: x.text }),
          h('span', { class: 'h-text-count', text: '× ' + fmtNum(x.count) }),
          h('button', {
            type: 'button',
            class: 'btn btn-small',
            'data-testid': x.hidden ? 'host-text-show' : 'host-text-hide',
            disabled: busy,
            text: x.hidden ? t('text_show') : t('text_hide'),
            onclick: () => command('quiz.hide', { question: r.question, text: x.text, hidden: !x.hidden }),
          }),
        ),
      ),
    ),
  );
}

function renderCorrect(v) {
  const box = $('#h-correct');
  const list = $('#h-correct-list');
  const q = v.question;
  let items = [];
  if (q && (v.phase === 'question' || v.phase === 'reveal' || v.phase === 'leaderboard') && q.type !== 'poll') {
    // While the question is open only the host section knows the answer.
    const r = v.phase === 'question' ? v.host || {} : v.reveal;
    const ids = (r && r.correct) || [];
    if (q.type === 'numeric' && r && r.answer != null) {
      items = [h('li', { text: fmtNum(r.answer) + (r.tolerance ? ' ' + t('tolerance', { n: fmtNum(r.tolerance) }) : '') })];
    } else if (q.type === 'text' && r) {
      items = (r.accept || []).map((a) => h('li', { text: a }));
    } else {
      const opts = q.options || [];
      items = ids.map((id) => {
        const i = opts.findIndex((o) => o.id === id);
        if (i < 0) return h('li', { text: id });
        const look = optionLook(q, i);
        return h(
          'li',
          { class: ['h-correct-item', 'opt-' + (look.style % 8)] },
          optionBadge(q, i),
          h('span', null, md(optionLabel(q, opts[i]))),
        );
      });
    }
  }
  box.hidden = items.length === 0;
  $('#h-for-you').hidden = v.phase !== 'question';
  list.replaceChildren(...items);
}

function renderTimer(v) {
  const q = v.question;
  const key = v.phase === 'question' && q ? q.id + '|' + q.deadline : '';
  if (key === timerKey) return;
  timerKey = key;
  if (stopTimer) stopTimer();
  stopTimer = null;
  const el = $('#h-timer');
  if (!key || !q.deadline) {
    setText(el, '');
    return;
  }
  stopTimer = countdown(q.deadline, (ms) => {
    setText(el, ms > 0 ? `${secondsLeft(ms)} ${t('seconds_short')}` : t('time_up'));
    el.classList.toggle('urgent', ms > 0 && ms <= 5000);
  });
}

function renderTeams(v) {
  const answered = new Set((v.phase === 'question' && v.host && v.host.answered_by) || []);
  const teams = v.teams || [];
  const key = JSON.stringify([lang(), teams.map((tm) => [tm.id, tm.name, tm.size, tm.online, tm.players]), [...answered]]);
  if (key === teamsKey) return;
  teamsKey = key;
  $('#h-teams').hidden = teams.length === 0;
  const box = $('#h-team-list');
  box.replaceChildren(
    ...teams.map((tm, i) =>
      h(
        'div',
        { class: 'h-team', style: { '--team': teamColor(tm.id, i) } },
        h(
          'div',
          { class: 'h-team-head' },
          h('span', { class: 'team-dot' }),
          h('span', { class: 'h-team-name', text: tm.name }),
          h('span', { class: 'h-team-count', text: t('players_online', { online: tm.online || 0, size: tm.size || 0 }) }),
        ),
        (tm.players || []).length
          ? h(
              'ul',
              { class: 'h-players' },
              tm.players.map((p) =>
                h(
                  'li',
                  { class: ['h-player', !p.online && 'away'], 'data-player': p.id },
                  h('span', { class: ['online-dot', p.online ? 'on' : 'off'], title: t(p.online ? 'online' : 'offline') }),
                  h('span', { class: 'h-player-name', text: p.name }),
                  answered.has(p.id) ? h('span', { class: 'h-answered-mark', title: t('answered_mark') }, icon('check')) : null,
                  teams.length > 1
                    ? h(
                        'select',
                        {
                          class: 'h-move',
                          'data-testid': 'move',
                          'aria-label': `${t('move_to')}: ${p.name}`,
                          onchange: (e) => {
                            const to = e.target.value;
                            e.target.value = '';
                            if (to) command('move', { player: p.id, team: to });
                          },
                        },
                        h('option', { value: '', text: t('move_to') }),
                        teams.filter((o) => o.id !== tm.id).map((o) => h('option', { value: o.id, text: o.name })),
                      )
                    : null,
                  h('button', {
                    type: 'button',
                    class: 'btn btn-small btn-ghost h-kick',
                    'data-testid': 'kick',
                    'aria-label': `${t('kick')}: ${p.name}`,
                    text: t('kick'),
                    onclick: () => kick(p),
                  }),
                ),
              ),
            )
          : h('p', { class: 'muted h-empty', text: t('team_empty') }),
      ),
    ),
  );
}

// renderRemoved lists the players the host removed, each with a way to let
// them back in: until then their name and phone are refused on join.
let removedKey = '';
function renderRemoved(v) {
  const removed = v.removed || [];
  const key = JSON.stringify([lang(), removed]);
  if (key === removedKey) return;
  removedKey = key;
  $('#h-removed').hidden = removed.length === 0;
  $('#h-removed-list').replaceChildren(
    ...removed.map((p) =>
      h(
        'li',
        { class: 'h-player', 'data-player': p.id },
        h('span', { class: 'h-player-name', text: p.name }),
        h('button', {
          type: 'button',
          class: 'btn btn-small btn-ghost h-readmit',
          'data-testid': 'readmit',
          'aria-label': `${t('readmit')}: ${p.name}`,
          text: t('readmit'),
          onclick: () => readmit(p),
        }),
      ),
    ),
  );
}

function render() {
  const v = view;
  if (!v) return;
  document.body.dataset.phase = v.phase;
  setText($('#h-title'), v.room.title);
  $('#h-status').hidden = false;
  $('#h-controls').hidden = false;
  // The store is down: the room runs from memory, answers wait for their ack.
  $('#h-storage').hidden = v.storage !== 'unavailable';
  setText($('#h-storage'), v.storage === 'unavailable' ? t('storage_unavailable') : '');
  setText($('#h-phase'), v.board && v.phase !== 'between' ? boardPhaseName(v.phase) : t('phase_' + v.phase));
  $('#h-phase').dataset.phase = v.phase;
  setText($('#h-code'), v.room.code ? `${t('code')} ${fmtCode(v.room.code)}` : '');
  setText($('#h-players'), t('players_count', { n: v.players || 0 }) + (v.watchers ? ' · ' + t('watchers_count', { n: v.watchers }) : ''));

  const q = v.question;
  const hasQ = !!q && v.phase !== 'lobby';
  $('#h-question').hidden = !hasQ;
  $('#h-no-question').hidden = hasQ || v.phase !== 'lobby';
  if (hasQ) {
    setText($('#h-q-num'), t('question_n', { n: q.index + 1, count: q.count }));
    if (questionKey !== q.id + lang()) {
      questionKey = q.id + lang();
      $('#h-q-text').replaceChildren(md(q.text));
    }
    const open = v.phase === 'question';
    $('#h-answered').hidden = !open;
    if (open) {
      const a = q.answered || 0;
      const e = q.expected || 0;
      setText($('#h-answered-text'), t('answered_x_y', { x: fmtNum(a), y: fmtNum(e) }));
      $('#h-answered-bar').style.width = (e ? Math.min(100, (a / e) * 100) : 0) + '%';
    }
  }
  renderTimer(v);
  renderCorrect(v);
  renderTexts(v);

  // Only the controls that apply now: one way forward, and "close" while
  // a question is open. Ending the session stands apart, at the bottom.
  const ph = v.phase;
  const inGame = ph === 'game' || ph === 'debrief';
  // The podium goes up step by step with "next" before the session is over.
  const podiumStep = ph === 'finished' && !podiumDone(v);
  const canNext = podiumStep || (ph !== 'finished' && ph !== 'lobby' &&
    (!!v.board || ph === 'reveal' || ph === 'leaderboard' || ph === 'between' || inGame));
  $('#h-start').hidden = ph !== 'lobby';
  $('#h-close').hidden = ph !== 'question' || !!v.board;
  // Pause, +30 s and skip apply to an open question only: shown only then.
  const paused = !!(q && q.paused);
  for (const id of ['#h-pause', '#h-extend', '#h-skip']) $(id).hidden = ph !== 'question' || !!v.board;
  $('#h-pause').setAttribute('aria-pressed', String(paused));
  setText($('#h-pause'), paused ? t('control_resume') : t('control_pause'));
  $('#h-next').hidden = !canNext;
  const over = ph === 'finished' && !podiumStep;
  $('#h-wait').hidden = ph !== 'question' && !over;
  setText($('#h-wait'), ph === 'question' ? t(paused ? 'wait_paused' : 'wait_question') : over ? t('session_over') : '');
  // The projector's pages: it alone knows how many it has at its size.
  $('#h-pages').hidden = !screenPages(v);
  for (const id of ['#h-start', '#h-close', '#h-pause', '#h-extend', '#h-skip', '#h-next', '#h-page-prev', '#h-page-next']) $(id).disabled = busy;
  $('#h-end-zone').hidden = ph === 'finished';
  $('#h-end').disabled = busy;
  const locked = !!(v.room && v.room.locked);
  $('#h-lock').disabled = busy;
  $('#h-lock').hidden = ph === 'finished';
  $('#h-lock').setAttribute('aria-pressed', String(locked));
  setText($('#h-lock'), locked ? t('control_unlock') : t('control_lock'));
  let nextLabel = t('control_next');
  if (ph === 'reveal') nextLabel = t('control_next_leaderboard');
  else if (ph === 'leaderboard') nextLabel = isLastQuestion(v) ? t('control_next_final') : t('control_next_question');
  if (inGame) nextLabel = gameNextLabel(v);
  if (v.board) nextLabel = boardNextLabel(v.board);
  if (ph === 'between') nextLabel = dayNextLabel(v);
  if (podiumStep) nextLabel = podiumNextLabel(v);
  setText($('#h-next'), nextLabel);
  renderGameHost($('#h-game'), v, command);
  $('#h-board').hidden = !v.board;
  if (!v.board) document.body.classList.remove('board-wide');
  if (v.board) boardHost($('#h-board'), v, (type, data) => conn.send(type, data), token);

  renderTeams(v);
  renderRemoved(v);

  $('#h-exports').hidden = false;
  const enc = encodeURIComponent(room);
  const tok = encodeURIComponent(token);
  $('#h-export-xlsx').href = `/api/rooms/${enc}/export.xlsx?token=${tok}`;
  $('#h-export-csv').href = `/api/rooms/${enc}/export.csv?token=${tok}`;
  $('#h-export-json').href = `/api/rooms/${enc}/export.json?token=${tok}`;
}

// ------------------------------------------------------------ commands

async function command(type, data) {
  if (busy || !conn) return;
  busy = true;
  render();
  try {
    await conn.send(type, data);
    return true;
  } catch (e) {
    toast(e.message, 'error');
    return false;
  } finally {
    busy = false;
    render();
  }
}

async function kick(p) {
  if (!confirm(t('kick_confirm', { name: p.name }))) return;
  if (await command('kick', { player: p.id })) toast(t('kicked_ok'));
}

async function readmit(p) {
  if (await command('readmit', { player: p.id })) toast(t('readmitted_ok', { name: p.name }));
}

// followRoomLang speaks the room's language unless this phone chose one.
function followRoomLang(v) {
  const l = v && v.room && v.room.lang;
  if (!langWasChosen() && (l === 'ru' || l === 'en') && l !== lang()) setLang(l, { remember: false });
}

function onFrame(msg) {
  const d = payload(msg);
  if (msg.type === 'view') {
    view = d;
    followRoomLang(d);
    render();
  } else if (msg.type === 'welcome' && d.role && d.role !== 'host') {
    showMessage(t('access_denied'));
    conn.stop();
  } else if (msg.type === 'error' && !msg.id && msg.code !== 'unauthorized' && msg.code !== 'room_gone' && msg.message) {
    toast(msg.message, 'error');
  }
}

function showMessage(text) {
  const el = $('#h-message');
  el.textContent = text;
  el.hidden = false;
}

function main() {
  initPage();
  token = resolveToken();
  $('#h-start').addEventListener('click', () => command('start'));
  $('#h-close').addEventListener('click', () => command('close'));
  $('#h-pause').addEventListener('click', () => command('quiz.pause', { paused: !(view && view.question && view.question.paused) }));
  $('#h-extend').addEventListener('click', () => command('quiz.extend', { seconds: 30 }));
  $('#h-skip').addEventListener('click', () => {
    if (confirm(t('skip_confirm'))) command('quiz.skip');
  });
  $('#h-next').addEventListener('click', () => {
    if (view && view.phase === 'game' && !gameAllDone(view) && !confirm(t('game_confirm_next'))) return;
    command('next');
  });
  $('#h-page-prev').addEventListener('click', () => command('screen.page', { step: -1 }));
  $('#h-page-next').addEventListener('click', () => command('screen.page', { step: 1 }));
  $('#h-lock').addEventListener('click', () => command('lock', { locked: !(view && view.room && view.room.locked) }));
  $('#h-end').addEventListener('click', () => {
    if (confirm(t('confirm_end'))) command('end');
  });
  if (!room) {
    showMessage(t('no_token'));
    return;
  }
  // Without a token the socket asks as the signed-in facilitator, if any.
  const status = mountConnBanner();
  conn = new Connection({
    room,
    token,
    lang: lang(),
    onFrame,
    onStatus: status,
    onFatal: (code) => {
      if (code === 'unauthorized') {
        const rec = store.get(hostKey);
        if (rec && rec.host_token === token) store.remove(hostKey);
        showMessage(t(token ? 'access_denied' : 'no_token_signin'));
        if (!token) {
          $('#h-message').after(h('a', { class: 'btn btn-primary btn-xl', href: '/signin?next=' + encodeURIComponent(location.pathname), text: t('signin_button') }));
        }
        $('#h-controls').hidden = true;
      } else if (code === 'room_gone') {
        showMessage(t('room_gone'));
        $('#h-controls').hidden = true;
      }
    },
  });
  window.addEventListener('langchange', () => {
    applyI18n();
    conn.setLang(lang());
    teamsKey = '';
    removedKey = '';
    timerKey = '';
    questionKey = '';
    render();
  });
  conn.connect();
}

main();
