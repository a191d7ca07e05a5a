// rooms.js: "my rooms". Every room the facilitator created or co-runs:
// running, finished or expired; the projector and the remote open through
// the session (no token on this page); exports; run again; delete;
// co-facilitators; new links on request.
import { $, api, applyI18n, fmtCode, h, initPage, lang, store, t, toast } from '/static/app.js';
import { currentFacilitator, mountAccountBar, toSignIn } from '/static/account.js';

let me = null;
let rooms = [];
let linksFor = null; // the room whose links the dialog reissues

function when(iso) {
  return new Date(iso).toLocaleString(lang() === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

async function load() {
  try {
    rooms = await api('GET', '/api/account/rooms');
    render();
  } catch (e) {
    if (e.status === 401) return toSignIn();
    const err = $('#rooms-error');
    err.textContent = e.message;
    err.hidden = false;
  }
}

function exportsOf(r) {
  const enc = encodeURIComponent(r.room);
  const links = [
    ['XLSX', `/api/rooms/${enc}/export.xlsx`],
    ['CSV', `/api/rooms/${enc}/export.csv`],
    ['JSON', `/api/rooms/${enc}/export.json`],
  ];
  if (r.board) links.push([t('board_doc'), `/api/rooms/${enc}/board.docx`]);
  return h(
    'span',
    { class: 'room-exports' },
    h('span', { class: 'muted', text: t('export_results') + ':' }),
    links.map(([text, href]) => h('a', { href, class: 'btn btn-small btn-ghost', download: '', text })),
  );
}

function coBlock(r, live) {
  const list = h(
    'ul',
    { class: 'co-list' },
    r.co.length
      ? r.co.map((p) =>
          h(
            'li',
            null,
            h('span', { text: `${p.name} (${p.login})` }),
            r.mine
              ? h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-testid': 'co-remove', text: t('co_remove'), onclick: () => removeCo(r, p) })
              : null,
          ),
        )
      : h('li', { class: 'muted', text: t('co_none') }),
  );
  let form = null;
  if (r.mine && live) {
    const input = h('input', { type: 'text', maxlength: 100, autocapitalize: 'none', spellcheck: 'false', placeholder: t('co_login_placeholder'), 'aria-label': t('co_login_placeholder'), 'data-testid': 'co-login' });
    form = h(
      'form',
      { class: 'co-form', onsubmit: (ev) => { ev.preventDefault(); addCo(r, input.value.trim()); } },
      input,
      h('button', { type: 'submit', class: 'btn', 'data-testid': 'co-add', text: t('co_add') }),
    );
  }
  return h('div', { class: 'co-block' }, h('h3', { text: t('co_label') }), list, form);
}

function card(r) {
  const enc = encodeURIComponent(r.room);
  const live = r.status !== 'expired';
  const facts = [r.code ? `${t('code')} ${fmtCode(r.code)}` : '', t('created_at', { when: when(r.created) })];
  if (live) facts.push(t('players_count', { n: r.players }));
  if (!r.mine) facts.push(t('owner_label', { name: r.owner.name || r.owner.login || '—' }));
  const actions = [];
  if (live) {
    actions.push(
      h('a', { class: 'btn btn-primary', href: `/screen/${enc}`, 'data-testid': 'open-projector', text: t('open_projector') }),
      h('a', { class: 'btn', href: `/host/${enc}`, 'data-testid': 'open-remote', text: t('open_remote') }),
      h('button', { type: 'button', class: 'btn', 'data-testid': 'remote-qr-open', text: t('remote_qr'), onclick: () => openQR(r) }),
    );
  }
  if (r.again) actions.push(h('button', { type: 'button', class: 'btn', 'data-testid': 'again', text: t('act_again'), onclick: () => again(r) }));
  if (live) actions.push(h('button', { type: 'button', class: 'btn btn-ghost', 'data-testid': 'new-links', text: t('act_links'), onclick: () => openLinks(r) }));
  if (r.mine) actions.push(h('button', { type: 'button', class: 'btn btn-ghost btn-danger', 'data-testid': 'delete', text: t('act_delete'), onclick: () => remove(r) }));
  return h(
    'article',
    { class: ['card', 'room-card', 'is-' + r.status], 'data-testid': 'my-room', 'data-room': r.room, 'data-status': r.status },
    h(
      'div',
      { class: 'room-head' },
      h('h2', { class: 'room-title', text: r.title || r.scenario }),
      h('span', { class: ['room-status', 'status-' + r.status], 'data-testid': 'room-status', text: t('status_' + r.status) }),
    ),
    h('p', { class: 'muted room-facts', text: facts.filter(Boolean).join(' · ') }),
    r.status === 'expired' ? h('p', { class: 'help', text: t('expired_help') }) : null,
    h('div', { class: 'room-actions' }, actions),
    live ? exportsOf(r) : null,
    live || r.co.length ? coBlock(r, live) : null,
  );
}

function render() {
  const box = $('#rooms');
  if (!rooms.length) {
    box.replaceChildren(h('p', { class: 'card muted', 'data-testid': 'rooms-empty', text: t('rooms_empty') }));
    return;
  }
  box.replaceChildren(...rooms.map(card));
}

function replace(updated) {
  rooms = rooms.map((r) => (r.room === updated.room ? updated : r));
  render();
}

async function addCo(r, login) {
  if (!login) return;
  try {
    replace(await api('POST', `/api/account/rooms/${encodeURIComponent(r.room)}/co`, { login }));
  } catch (e) {
    toast(e.message, 'error');
  }
}

async function removeCo(r, p) {
  try {
    replace(await api('DELETE', `/api/account/rooms/${encodeURIComponent(r.room)}/co/${encodeURIComponent(p.id)}`, {}));
  } catch (e) {
    toast(e.message, 'error');
  }
}

async function remove(r) {
  if (!confirm(t('confirm_delete', { title: r.title }))) return;
  try {
    await api('DELETE', `/api/account/rooms/${encodeURIComponent(r.room)}`, {});
    rooms = rooms.filter((x) => x.room !== r.room);
    render();
  } catch (e) {
    toast(e.message, 'error');
  }
}

// again creates a room of the same scenario with the same settings, owned
// by whoever runs it again, and opens its projector on this device.
async function again(r) {
  const o = r.options || {};
  try {
    const res = await api('POST', '/api/rooms', { scenario: r.scenario, team_mode: o.team_mode || '', teams: o.teams || null, team_count: o.team_count || 0, lang: o.lang || '' });
    store.set('huddle.host.' + res.room, { room: res.room, code: res.code, host_token: res.host_token, screen_token: res.screen_token, host_url: res.host_url, screen_url: res.screen_url, join_url: res.join_url, title: r.title, created: Date.now() });
    location.assign(`/screen/${encodeURIComponent(res.room)}#h=${res.host_token}`);
  } catch (e) {
    toast(e.message, 'error');
  }
}

// openQR shows the QR code of the room's remote: the phone that scans it
// signs in and gets the remote; the code holds no key.
function openQR(r) {
  $('#qr-title').textContent = t('remote_qr_title', { title: r.title || r.scenario });
  $('#qr-img').src = `/api/account/rooms/${encodeURIComponent(r.room)}/remote.png`;
  $('#qr-dialog').showModal();
}

function openLinks(r) {
  linksFor = r;
  $('#links-result').hidden = true;
  $('#links-error').hidden = true;
  $('#links-issue').disabled = false;
  $('#links-dialog').showModal();
}

async function issueLinks() {
  if (!linksFor) return;
  $('#links-issue').disabled = true;
  try {
    const res = await api('POST', `/api/account/rooms/${encodeURIComponent(linksFor.room)}/links`, { host: true, screen: true });
    $('#links-host').value = res.host_url;
    $('#links-screen').value = res.screen_url;
    $('#links-result').hidden = false;
    // This browser's saved host link for the room is now the new one.
    const key = 'huddle.host.' + linksFor.room;
    const rec = store.get(key);
    if (rec) store.set(key, { ...rec, host_token: res.host_token, screen_token: res.screen_token, host_url: res.host_url, screen_url: res.screen_url });
  } catch (e) {
    const err = $('#links-error');
    err.textContent = e.message;
    err.hidden = false;
    $('#links-issue').disabled = false;
  }
}

async function invite() {
  try {
    const res = await api('POST', '/api/account/invitations', {});
    $('#invite-url').value = res.url;
    $('#invite-help').textContent = t('invite_help', { when: when(res.expires) });
    $('#invite-dialog').showModal();
  } catch (e) {
    toast(e.message, 'error');
  }
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

async function main() {
  initPage();
  me = await currentFacilitator().catch(() => null);
  if (!me) return toSignIn();
  mountAccountBar(me, 'nav_rooms');
  $('#invite').addEventListener('click', invite);
  $('#invite-copy').addEventListener('click', () => copyFrom($('#invite-url')));
  $('#links-issue').addEventListener('click', issueLinks);
  $('#links-host-copy').addEventListener('click', () => copyFrom($('#links-host')));
  $('#links-screen-copy').addEventListener('click', () => copyFrom($('#links-screen')));
  window.addEventListener('langchange', () => {
    applyI18n();
    mountAccountBar(me, 'nav_rooms');
    render();
  });
  load();
}

main();
