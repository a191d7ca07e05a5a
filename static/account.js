// account.js: what the facilitators' pages share: their strings, who is
// signed in, the account bar in the top bar, signing out. Players never
// load it: they have no accounts.
import { addStrings, api, h, t } from '/static/app.js';

addStrings({
  ru: {
    title_signin: 'huddle — вход для ведущих',
    signin_heading: 'Вход для ведущих',
    signin_lead: 'Ведущие создают комнаты и управляют ими. Участникам учётная запись не нужна.',
    participant_heading: 'Вы участник?',
    participant_lead: 'Введите код с экрана ведущего — без регистрации.',
    login_label: 'Логин или e-mail',
    password_label: 'Пароль',
    password_again: 'Пароль ещё раз',
    signin_button: 'Войти',
    signing_in: 'Входим…',
    signin_help: 'Забыли пароль? Администратор сервера задаст новый командой huddle facilitator reset-password.',
    title_setup: 'huddle — учётная запись ведущего',
    setup_heading: 'Первый запуск: учётная запись ведущего',
    setup_lead: 'С ней вы создаёте комнаты и находите их потом с любого устройства. Участникам учётная запись не нужна.',
    invite_heading: 'Вас пригласили вести занятия',
    invite_lead: 'Создайте учётную запись ведущего: с ней вы создаёте комнаты и находите их с любого устройства.',
    name_label: 'Ваше имя',
    name_help: 'Его видят другие ведущие.',
    login_help: 'Буквы, цифры и . - _ @ +, не короче 3 символов.',
    password_help: 'Не короче 10 символов.',
    create_account: 'Создать и войти',
    creating_account: 'Создаём…',
    passwords_differ: 'Пароли не совпадают.',
    link_missing: 'В ссылке нет ключа. Откройте ссылку целиком — как её напечатал сервер или прислал коллега.',
    fill_all: 'Заполните все поля.',
    nav_new: 'Новая сессия',
    nav_rooms: 'Мои комнаты',
    sign_out: 'Выйти',
    sign_out_everywhere: 'Выйти на всех устройствах',
    confirm_sign_out_everywhere: 'Выйти на всех устройствах? Пульты и проекторы, открытые через вашу учётную запись, отключатся.',
    title_rooms: 'huddle — мои комнаты',
    rooms_heading: 'Мои комнаты',
    rooms_lead: 'Комнаты, которые вы создали или ведёте вместе с коллегами. Проектор и пульт открываются отсюда на любом устройстве, где вы вошли.',
    rooms_empty: 'Комнат пока нет. Создайте первую на странице «Новая сессия».',
    rooms_loading: 'Загружаем комнаты…',
    status_running: 'Идёт',
    status_finished: 'Завершена',
    status_expired: 'Истекла',
    expired_help: 'Сервер удалил комнату по сроку хранения. Сценарий можно провести снова.',
    owner_label: 'Автор: {name}',
    co_label: 'Соведущие',
    co_none: 'Соведущих нет',
    co_add: 'Добавить',
    co_login_placeholder: 'Логин или e-mail ведущего',
    co_remove: 'Убрать',
    act_again: 'Провести снова',
    act_delete: 'Удалить',
    confirm_delete: 'Удалить комнату «{title}»? Она остановится у всех, результаты пропадут.',
    act_links: 'Новые ссылки',
    links_title: 'Отозвать ссылки и выдать новые',
    links_help: 'Старые ссылки перестанут работать сразу, открытые по ним пульт и проектор отключатся. Вы и соведущие по-прежнему открываете комнату отсюда.',
    links_host: 'Ссылка пульта ведущего — не показывайте её участникам',
    links_screen: 'Ссылка проектора, только показ',
    links_issue: 'Отозвать и выдать новые',
    created_at: 'Создана {when}',
    invite_button: 'Пригласить ведущего',
    invite_title: 'Приглашение для ведущего',
    invite_help: 'Отправьте ссылку коллеге. Она действует один раз, до {when}.',
    board_doc: 'Документ DOCX',
    no_token_signin: 'Нет ключа доступа к этой комнате. Откройте ссылку, полученную при создании комнаты, или войдите как её ведущий.',
  },
  en: {
    title_signin: 'huddle — facilitator sign-in',
    signin_heading: 'Facilitator sign-in',
    signin_lead: 'Facilitators create and run rooms. Participants need no account.',
    participant_heading: 'Are you a participant?',
    participant_lead: 'Enter the code from the facilitator’s screen — no account needed.',
    login_label: 'Login or e-mail',
    password_label: 'Password',
    password_again: 'Password again',
    signin_button: 'Sign in',
    signing_in: 'Signing in…',
    signin_help: 'Forgot your password? The server’s administrator sets a new one with huddle facilitator reset-password.',
    title_setup: 'huddle — facilitator account',
    setup_heading: 'First run: the facilitator account',
    setup_lead: 'With it you create rooms and find them later on any device. Participants need no account.',
    invite_heading: 'You are invited to facilitate',
    invite_lead: 'Create your facilitator account: with it you create rooms and find them on any device.',
    name_label: 'Your name',
    name_help: 'Other facilitators see it.',
    login_help: 'Letters, digits and . - _ @ +, at least 3 characters.',
    password_help: 'At least 10 characters.',
    create_account: 'Create and sign in',
    creating_account: 'Creating…',
    passwords_differ: 'The passwords differ.',
    link_missing: 'The link has no key. Open the whole link, as the server printed it or a colleague sent it.',
    fill_all: 'Fill in every field.',
    nav_new: 'New session',
    nav_rooms: 'My rooms',
    sign_out: 'Sign out',
    sign_out_everywhere: 'Sign out everywhere',
    confirm_sign_out_everywhere: 'Sign out on every device? Remotes and projectors opened through your account disconnect.',
    title_rooms: 'huddle — my rooms',
    rooms_heading: 'My rooms',
    rooms_lead: 'Rooms you created or run with colleagues. Open the projector and the remote from here on any device where you are signed in.',
    rooms_empty: 'No rooms yet. Create the first one on the “New session” page.',
    rooms_loading: 'Loading rooms…',
    status_running: 'Running',
    status_finished: 'Finished',
    status_expired: 'Expired',
    expired_help: 'The server removed this room when its time was up. You can run the scenario again.',
    owner_label: 'Owner: {name}',
    co_label: 'Co-facilitators',
    co_none: 'No co-facilitators',
    co_add: 'Add',
    co_login_placeholder: 'A facilitator’s login or e-mail',
    co_remove: 'Remove',
    act_again: 'Run again',
    act_delete: 'Delete',
    confirm_delete: 'Delete the room “{title}”? It stops for everyone and its results are gone.',
    act_links: 'New links',
    links_title: 'Revoke the links and issue new ones',
    links_help: 'The old links stop working at once; a remote or projector opened with them disconnects. You and co-facilitators still open the room from here.',
    links_host: 'Host remote link — do not show it to participants',
    links_screen: 'Projector link, view only',
    links_issue: 'Revoke and issue new ones',
    created_at: 'Created {when}',
    invite_button: 'Invite a facilitator',
    invite_title: 'Invitation for a facilitator',
    invite_help: 'Send this link to a colleague. It works once, until {when}.',
    board_doc: 'Document DOCX',
    no_token_signin: 'No access key for this room. Open the link you got when the room was created, or sign in as its facilitator.',
  },
});

/** currentFacilitator returns the signed-in facilitator, or null. */
export async function currentFacilitator() {
  try {
    return await api('GET', '/api/account');
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

/** toSignIn sends the browser to the sign-in page, which brings it back here. */
export function toSignIn() {
  location.assign('/signin?next=' + encodeURIComponent(location.pathname));
}

/** safeNext keeps a ?next= target on this site: a path, never "//host". */
export function safeNext(next) {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

/** mountAccountBar fills .account-bar with the pages, the name and sign-out. */
export function mountAccountBar(me, current) {
  const box = document.querySelector('.account-bar');
  if (!box || !me) return;
  const link = (href, key) =>
    h('a', { href, class: ['nav-link', current === key && 'is-current'], 'aria-current': current === key ? 'page' : null, 'data-testid': 'nav-' + key, text: t(key) });
  const menu = h(
    'details',
    { class: 'account-menu' },
    h('summary', { 'data-testid': 'account-name', text: me.name }),
    h(
      'div',
      { class: 'account-menu-body' },
      h('span', { class: 'muted', text: me.login }),
      h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'sign-out', text: t('sign_out'), onclick: () => signOut(false) }),
      h('button', {
        type: 'button',
        class: 'btn btn-small btn-danger',
        'data-testid': 'sign-out-everywhere',
        text: t('sign_out_everywhere'),
        onclick: () => {
          if (confirm(t('confirm_sign_out_everywhere'))) signOut(true);
        },
      }),
    ),
  );
  box.replaceChildren(link('/', 'nav_new'), link('/rooms', 'nav_rooms'), menu);
}

async function signOut(everywhere) {
  try {
    await api('POST', everywhere ? '/api/account/signout-everywhere' : '/api/account/signout', {});
  } finally {
    location.assign('/signin');
  }
}
