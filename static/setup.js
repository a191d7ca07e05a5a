// setup.js: creates a facilitator account from a one-time link: the setup
// link a fresh server prints (/setup#…) or an invitation (/invite#…). The
// key is in the fragment, so it never reaches a log or a Referer.
import { $, api, applyI18n, initPage, setText, t } from '/static/app.js';
import '/static/account.js';

const invite = location.pathname.startsWith('/invite');
const token = location.hash.replace(/^#/, '');

function texts() {
  applyI18n();
  setText($('#heading'), t(invite ? 'invite_heading' : 'setup_heading'));
  setText($('#lead'), t(invite ? 'invite_lead' : 'setup_lead'));
}

function fail(message) {
  const err = $('#form-error');
  err.textContent = message;
  err.hidden = false;
}

async function submit(ev) {
  ev.preventDefault();
  $('#form-error').hidden = true;
  const body = { token, name: $('#name').value.trim(), login: $('#login').value.trim(), password: $('#password').value };
  if (!body.name || !body.login || !body.password) return fail(t('fill_all'));
  if (body.password !== $('#password2').value) return fail(t('passwords_differ'));
  const btn = $('[data-testid="register"]');
  btn.disabled = true;
  setText(btn, t('creating_account'));
  try {
    await api('POST', '/api/account/register', body);
    // The key is used up: keep it out of the history.
    history.replaceState(null, '', location.pathname);
    location.assign('/');
  } catch (e) {
    fail(e.message);
    btn.disabled = false;
    setText(btn, t('create_account'));
  }
}

function main() {
  initPage();
  texts();
  window.addEventListener('langchange', texts);
  $('#register-form').addEventListener('submit', submit);
  if (!token) {
    fail(t('link_missing'));
    $('[data-testid="register"]').disabled = true;
  }
}

main();
