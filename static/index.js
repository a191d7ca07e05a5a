// index.js: the landing page. The facilitator picks a scenario and team
// settings, creates a room and this laptop becomes the projector with host
// controls.
import { $, api, apiWithNotice, applyI18n, h, initPage, lang, setText, store, t, fmtCode } from '/static/app.js';
import { currentFacilitator, mountAccountBar, toSignIn } from '/static/account.js';

let me = null; // the signed-in facilitator

const MIN_TEAMS = 2;
const MAX_TEAMS = 10;

let scenarios = [];
let teamCount = 4;
const teamNames = []; // what the facilitator typed, by position

function questionCount(sc) {
  let n = 0;
  for (const st of sc.stages || []) {
    if (typeof st.questions === 'number') n += st.questions;
    else if (Array.isArray(st.questions)) n += st.questions.length;
  }
  return n;
}

function caseCount(sc) {
  return (sc.stages || []).reduce((n, st) => n + (st.cases || 0), 0);
}

function renderScenarios() {
  const list = $('#scenario-list');
  const checked = list.querySelector('input[name="scenario"]:checked');
  list.replaceChildren();
  if (!scenarios.length) {
    list.append(h('p', { class: 'muted', text: t('scenarios_empty') }));
    return;
  }
  const selected = checked ? checked.value : scenarios[0].id;
  scenarios.forEach((sc, i) => {
    const id = 'sc-' + i;
    const qn = questionCount(sc);
    const stages = (sc.stages || []).length;
    list.append(
      h(
        'label',
        { class: 'scenario', for: id, 'data-testid': 'scenario', 'data-scenario': sc.id },
        h('input', { type: 'radio', name: 'scenario', id, value: sc.id, checked: sc.id === selected }),
        h(
          'span',
          { class: 'scenario-body' },
          h('span', { class: 'scenario-title', text: sc.title || sc.id }),
          sc.description ? h('span', { class: 'scenario-desc', text: sc.description }) : null,
          h(
            'span',
            { class: 'badges' },
            h('span', { class: 'badge', text: (sc.language || '').toUpperCase() || '—' }),
            qn ? h('span', { class: 'badge', text: t('n_questions', { n: qn }) }) : null,
            caseCount(sc) ? h('span', { class: 'badge', text: t('n_cases', { n: caseCount(sc) }) }) : null,
            (sc.stages || []).some((st) => st.kind === 'board') ? h('span', { class: 'badge', text: t('kind_board') }) : null,
            stages > 1 ? h('span', { class: 'badge', text: t('n_stages', { n: stages }) }) : null,
          ),
        ),
      ),
    );
  });
}

const MODE_KEYS = { average: 'team_mode_average', team: 'team_mode_team' };

// The first choice says what the scenario itself would do.
function renderModeDefault() {
  const picked = document.querySelector('input[name="scenario"]:checked');
  const sc = picked && scenarios.find((s) => s.id === picked.value);
  const opt = $('#team-mode option[value=""]');
  const mode = sc && MODE_KEYS[sc.team_mode];
  setText(opt, mode ? `${t('team_mode_default')}: ${t(mode).toLowerCase()}` : t('team_mode_default'));
  // The team mode decides how a quiz is scored: a game or a board has none.
  const hasQuiz = !sc || (sc.stages || []).some((st) => st.kind === 'quiz');
  $('#team-mode-row').hidden = !hasQuiz;
  if (!hasQuiz) $('#team-mode').value = '';
}

function renderTeams() {
  setText($('#team-count'), teamCount);
  $('#team-fewer').disabled = teamCount <= MIN_TEAMS;
  $('#team-more').disabled = teamCount >= MAX_TEAMS;
  const box = $('#team-names');
  // Keep focus and typed text: only add or remove inputs at the end.
  while (box.children.length > teamCount) box.lastElementChild.remove();
  for (let i = 0; i < teamCount; i++) {
    let input = box.children[i];
    if (!input) {
      input = h('input', {
        type: 'text',
        maxlength: 40,
        class: 'team-name-input',
        'data-index': i,
        'data-testid': 'team-name-' + (i + 1),
        oninput: (e) => {
          teamNames[i] = e.target.value;
        },
      });
      input.value = teamNames[i] || '';
      box.append(input);
    }
    input.placeholder = t('team_default', { n: i + 1 });
    input.setAttribute('aria-label', t('team_default', { n: i + 1 }));
  }
}

function renderRecent() {
  const keys = store.keys('huddle.host.');
  const rooms = keys
    .map((k) => ({ key: k, ...(store.get(k) || {}) }))
    .filter((r) => r.room && r.host_token)
    .sort((a, b) => (b.created || 0) - (a.created || 0))
    .slice(0, 5);
  const list = $('#recent-list');
  list.replaceChildren();
  $('#recent').hidden = rooms.length === 0;
  for (const r of rooms) {
    const when = r.created ? new Date(r.created).toLocaleString(lang() === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' }) : '';
    list.append(
      h(
        'li',
        null,
        h(
          'span',
          { class: 'recent-info' },
          h('span', { class: 'recent-title', text: r.title || r.room }),
          h('span', { class: 'muted', text: [r.code ? `${t('code')} ${fmtCode(r.code)}` : '', when].filter(Boolean).join(' · ') }),
        ),
        // No token in the page: the projector and the remote come in
        // through the session (or this browser's saved key).
        h('a', { class: 'btn btn-small', href: `/screen/${encodeURIComponent(r.room)}`, text: t('open_projector') }),
        h('a', { class: 'btn btn-small btn-ghost', href: `/host/${encodeURIComponent(r.room)}`, text: t('open_remote') }),
        h('button', {
          type: 'button',
          class: 'btn btn-small btn-ghost',
          text: t('forget'),
          onclick: () => {
            store.remove(r.key);
            renderRecent();
          },
        }),
      ),
    );
  }
}

async function loadScenarios() {
  try {
    const list = await api('GET', '/api/scenarios');
    scenarios = Array.isArray(list) ? list : [];
    // Scenarios in the interface language first.
    scenarios.sort((a, b) => (a.language === lang() ? 0 : 1) - (b.language === lang() ? 0 : 1));
    renderScenarios();
    renderModeDefault();
    $('#create-room').disabled = scenarios.length === 0;
  } catch (err) {
    const list = $('#scenario-list');
    list.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: err.message }));
  }
}

// showReady shows the room just made on this device, before anything goes
// on the screen: the remote's QR code (no key in it: the phone signs in)
// and the way to the projector, which comes in through the session, so no
// key is ever in its address.
function showReady(res, title) {
  const enc = encodeURIComponent(res.room);
  $('#create-form').hidden = true;
  $('.index-intro').hidden = true;
  $('#recent').hidden = true;
  const ready = $('#ready');
  ready.hidden = false;
  ready.dataset.room = res.room;
  ready.dataset.title = title;
  setText($('#ready-title'), t('room_ready', { title }));
  setText($('#ready-code'), `${t('code')} ${fmtCode(res.code)}`);
  $('#ready-remote-qr').src = `/api/account/rooms/${enc}/remote.png`;
  $('#ready-projector').href = `/screen/${enc}`;
  $('#ready-remote').href = `/host/${enc}`;
  $('#ready-projector').focus();
}

async function createRoom(ev) {
  ev.preventDefault();
  const err = $('#create-error');
  err.hidden = true;
  const picked = document.querySelector('input[name="scenario"]:checked');
  if (!picked) return;
  const typed = teamNames.slice(0, teamCount).map((s) => (s || '').trim());
  const anyTyped = typed.some(Boolean);
  const body = {
    scenario: picked.value,
    team_mode: $('#team-mode').value,
    teams: anyTyped ? typed.map((s, i) => s || t('team_default', { n: i + 1 })) : null,
    team_count: teamCount,
    lang: lang(),
    relaxed: $('#relaxed').checked,
  };
  const btn = $('#create-room');
  btn.disabled = true;
  setText(btn, t('creating'));
  try {
    const res = await apiWithNotice('POST', '/api/rooms', body, btn);
    const sc = scenarios.find((s) => s.id === body.scenario);
    store.set('huddle.host.' + res.room, {
      room: res.room,
      code: res.code,
      host_token: res.host_token,
      screen_token: res.screen_token,
      host_url: res.host_url,
      screen_url: res.screen_url,
      join_url: res.join_url,
      title: sc ? sc.title : '',
      created: Date.now(),
    });
    showReady(res, sc ? sc.title : '');
  } catch (e) {
    if (e.status === 401) return toSignIn(); // signed out meanwhile (elsewhere, everywhere)
    err.textContent = e.message;
    err.hidden = false;
    btn.disabled = false;
    setText(btn, t('create_room'));
  }
}

async function main() {
  initPage();
  currentFacilitator()
    .then((m) => {
      me = m;
      if (!me) return toSignIn();
      mountAccountBar(me, 'nav_new');
    })
    .catch(() => {});
  $('#team-fewer').addEventListener('click', () => {
    teamCount = Math.max(MIN_TEAMS, teamCount - 1);
    renderTeams();
  });
  $('#team-more').addEventListener('click', () => {
    teamCount = Math.min(MAX_TEAMS, teamCount + 1);
    renderTeams();
  });
  $('#create-form').addEventListener('submit', createRoom);
  $('#scenario-list').addEventListener('change', renderModeDefault);
  window.addEventListener('langchange', () => {
    applyI18n();
    renderScenarios();
    renderModeDefault();
    renderTeams();
    if ($('#recent') && $('#ready').hidden) renderRecent();
    const ready = $('#ready');
    if (!ready.hidden) setText($('#ready-title'), t('room_ready', { title: ready.dataset.title || '' }));
    mountAccountBar(me, 'nav_new');
  });
  renderTeams();
  renderRecent();
  loadScenarios();
}

main();
