// signin.js: the facilitators' sign-in. Participants are pointed to the code
// page first: they never need an account.
import { $, api, applyI18n, initPage, setText, t } from '/static/app.js';
import { currentFacilitator, safeNext } from '/static/account.js';

const next = safeNext(new URLSearchParams(location.search).get('next'));

async function submit(ev) {
  ev.preventDefault();
  const err = $('#form-error');
  err.hidden = true;
  const login = $('#login').value.trim();
  const password = $('#password').value;
  if (!login || !password) {
    err.textContent = t('fill_all');
    err.hidden = false;
    return;
  }
  const btn = $('[data-testid="signin"]');
  btn.disabled = true;
  setText(btn, t('signing_in'));
  try {
    await api('POST', '/api/account/signin', { login, password });
    location.assign(next);
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
    btn.disabled = false;
    setText(btn, t('signin_button'));
    $('#password').select();
  }
}

async function main() {
  initPage();
  window.addEventListener('langchange', () => applyI18n());
  $('#signin-form').addEventListener('submit', submit);
  // Already signed in on this browser: straight on.
  if (await currentFacilitator().catch(() => null)) location.replace(next);
}

main();
