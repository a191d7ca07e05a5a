// board.js: the hackathon board stage on the projector, the host's remote
// and the phones. Card texts are what people typed: they are always set as
// text, never parsed as Markdown or HTML. Teams and authors are shown only
// where the server sends them, which it does only where the scenario allows.
import { h, lang, countdown, secondsLeft, teamColor, toast } from '/static/app.js';

// ------------------------------------------------------------ words

const WORDS = {
  ru: {
    phase_write: 'Карточки',
    phase_reveal: 'Показ',
    phase_group: 'Темы',
    phase_vote: 'Голосование',
    phase_results: 'Итоги голосования',
    phase_recommend: 'Рекомендации',
    phase_final: 'Готово',
    lead_write: 'Команды пишут карточки на телефонах. Другие команды их пока не видят.',
    lead_write_open: 'Команды пишут карточки на телефонах.',
    lead_reveal: 'Смотрим, что написали команды.',
    lead_group: 'Ведущий собирает карточки в темы.',
    lead_vote: 'Распределите {dots} на телефоне: не больше {per} на одну карточку.',
    lead_vote_own: 'Голосовать за карточки своей команды нельзя.',
    lead_results: 'Темы, которые поддержали больше всего.',
    lead_recommend: 'Команды превращают главные темы в рекомендации: что сделать, кто отвечает, срок, риски.',
    lead_final: 'Рекомендации утверждены — это проект модели партнёрства.',
    cards: ['{n} карточка', '{n} карточки', '{n} карточек'],
    dots: ['{n} голос', '{n} голоса', '{n} голосов'],
    voted: 'Проголосовали: {n} из {of}',
    similar: ['+{n} похожая', '+{n} похожие', '+{n} похожих'],
    no_theme: 'Без темы',
    more: ['и ещё {n} карточка', 'и ещё {n} карточки', 'и ещё {n} карточек'],
    more_themes: ['и ещё {n} тема', 'и ещё {n} темы', 'и ещё {n} тем'],
    no_cards_yet: 'Карточек пока нет',
    prompt_n: 'Вопрос {n} из {of}',
    both_sides: 'обе стороны',
    s_state: 'учреждения',
    s_ngo: 'НКО',
    s_other: 'не указали',
    action: 'Что сделать',
    responsible: 'Кто отвечает',
    deadline: 'Срок',
    risk: 'Риски',
    r_state: 'Учреждение',
    r_ngo: 'НКО',
    r_both: 'Вместе',
    by_teams: 'Готовят: {teams}',
    empty_field: '—',
    // phone
    your_cards: 'Карточки команды',
    add_card: 'Добавить',
    card_placeholder: 'Одна мысль — одна карточка',
    left_cards: 'Можно ещё {n} из {of}',
    limit_reached: 'Команда написала все карточки к этому вопросу',
    delete: 'Удалить',
    delete_confirm: 'Удалить карточку команды?',
    look_screen: 'Смотрите на экран.',
    back_to_you: 'Ведущий просит переформулировать',
    rewrite: 'Отправить',
    dots_left: 'Осталось голосов: {n} из {of}',
    own_card: 'ваша команда',
    give: 'Дать голос',
    take: 'Снять голос',
    your_rec: 'Ваша рекомендация',
    save: 'Сохранить',
    saved: 'Сохранено',
    other_recs: 'Рекомендации других команд',
    no_recs: 'Ни одна тема не набрала голосов.',
    thanks: 'Спасибо! Рекомендации переданы ведущему.',
    sector_legend: 'Где вы работаете?',
    sector_state: 'Государственное учреждение',
    sector_ngo: 'НКО',
    sector_none: 'Не указывать',
    // host
    flagged: 'Проверьте: возможно, грубое слово',
    hide: 'Скрыть',
    restore: 'Вернуть',
    hidden: 'скрыта',
    returned: 'на доработке',
    merge: 'Дубликат…',
    merge_into: 'Это дубликат карточки:',
    unmerge: 'Отделить',
    merged_into: 'дубликат',
    reformulate: 'На доработку',
    reformulate_note: 'Что уточнить команде? (необязательно)',
    theme: 'Тема',
    new_theme: 'Новая тема…',
    theme_name: 'Название темы',
    rename: 'Переименовать',
    exports: 'Документ по итогам',
    print: 'Версия для печати',
    next_write: 'Закрыть приём карточек',
    next_reveal: 'Показать следующий вопрос',
    next_reveal_last: 'К темам',
    next_group: 'Начать голосование',
    next_vote: 'Закрыть голосование',
    next_results: 'К рекомендациям',
    next_recommend: 'Утвердить рекомендации',
    next_final: 'Дальше',
    page_n: 'Страница {n} из {of}',
    screen_page: 'Экран: страница {n} из {of}',
    page_prev: 'Предыдущая страница на экране',
    page_next: 'Следующая страница на экране',
    card_tools: 'Действия с карточкой',
    send_back: 'Отправить команде',
    sugg_title: 'Возможные дубликаты: {n}',
    sugg_exact: 'Одинаковые карточки — объединить?',
    sugg_near: 'Похожие карточки — объединить?',
    sugg_merge: 'Объединить',
    sugg_dismiss: 'Не дубликаты',
    sugg_more: 'Показать ещё {n}',
    drop_new: 'Новая тема: положите сюда карточку',
    themes_n: 'Темы: {n}',
    move_theme: 'Перенести тему',
    fold: 'Свернуть',
    unfold: 'Развернуть',
    dissolve: 'Разобрать тему',
    loose_n: 'Без темы: {n}',
    off_board: 'Сняты с доски: {n}',
    final_badge: 'Утверждена',
    drafts_n: 'Черновики команд: {n}',
    adopt: 'Взять этот вариант',
    no_drafts: 'Команды ещё не прислали черновик.',
    finalise: 'Утвердить',
    reopen: 'Вернуть командам',
    undo: 'Отменить шаг ({n})',
    ws_help: 'Перетащите карточку на другую — получится тема, на тему — карточка войдёт в неё. С клавиатуры или касанием: выберите карточку (Enter), затем куда её положить (Enter). Esc — отмена, Ctrl+Z — отменить шаг.',
    picked_card: 'Выбрана карточка «{what}». Выберите другую карточку, тему, «Новая тема» или колонку вопроса. Esc — отмена.',
    picked_theme: 'Выбрана тема «{what}». Выберите тему, с которой её объединить. Esc — отмена.',
    ws_help_touch: 'Коснитесь карточки, затем другой карточки или темы — туда она и ляжет. «Отменить шаг» вернёт как было.',
    draft_saved: 'Черновик сохранён',
    final_phone: 'Ведущий утвердил эту рекомендацию.',
    earlier: 'прежде',
  },
  en: {
    phase_write: 'Cards',
    phase_reveal: 'Reveal',
    phase_group: 'Themes',
    phase_vote: 'Vote',
    phase_results: 'Vote results',
    phase_recommend: 'Recommendations',
    phase_final: 'Done',
    lead_write: 'Teams write cards on their phones. Other teams cannot see them yet.',
    lead_write_open: 'Teams write cards on their phones.',
    lead_reveal: 'Here is what the teams wrote.',
    lead_group: 'The facilitator groups the cards into themes.',
    lead_vote: 'Give your {dots} on your phone: at most {per} on one card.',
    lead_vote_own: "Your own team's cards take no votes.",
    lead_results: 'The themes with the most support.',
    lead_recommend: 'Teams turn the top themes into recommendations: action, who is responsible, deadline, risks.',
    lead_final: 'The recommendations are final: a draft model of partnership.',
    cards: ['{n} card', '{n} cards'],
    dots: ['{n} vote', '{n} votes'],
    voted: 'Voted: {n} of {of}',
    similar: ['+{n} similar', '+{n} similar'],
    no_theme: 'No theme',
    more: ['and {n} more card', 'and {n} more cards'],
    more_themes: ['and {n} more theme', 'and {n} more themes'],
    no_cards_yet: 'No cards yet',
    prompt_n: 'Prompt {n} of {of}',
    both_sides: 'both sides',
    s_state: 'institutions',
    s_ngo: 'NGOs',
    s_other: 'not stated',
    action: 'Action',
    responsible: 'Responsible',
    deadline: 'Deadline',
    risk: 'Risks',
    r_state: 'Institution',
    r_ngo: 'NGO',
    r_both: 'Both',
    by_teams: 'Prepared by: {teams}',
    empty_field: '—',
    your_cards: "Your team's cards",
    add_card: 'Add',
    card_placeholder: 'One idea per card',
    left_cards: '{n} more of {of}',
    limit_reached: 'Your team has written all the cards for this prompt',
    delete: 'Delete',
    delete_confirm: "Delete your team's card?",
    look_screen: 'Look at the screen.',
    back_to_you: 'The facilitator asks you to reword',
    rewrite: 'Send',
    dots_left: 'Votes left: {n} of {of}',
    own_card: 'your team',
    give: 'Give a vote',
    take: 'Take a vote back',
    your_rec: 'Your recommendation',
    save: 'Save',
    saved: 'Saved',
    other_recs: "Other teams' recommendations",
    no_recs: 'No theme got any votes.',
    thanks: 'Thank you! The recommendations are with the facilitator.',
    sector_legend: 'Where do you work?',
    sector_state: 'State institution',
    sector_ngo: 'NGO',
    sector_none: 'Prefer not to say',
    flagged: 'Check: possibly a rude word',
    hide: 'Hide',
    restore: 'Restore',
    hidden: 'hidden',
    returned: 'being reworded',
    merge: 'Duplicate…',
    merge_into: 'This duplicates the card:',
    unmerge: 'Separate',
    merged_into: 'duplicate',
    reformulate: 'Ask to reword',
    reformulate_note: 'What should the team make clearer? (optional)',
    theme: 'Theme',
    new_theme: 'New theme…',
    theme_name: 'Theme name',
    rename: 'Rename',
    exports: 'Final document',
    print: 'Printable version',
    next_write: 'Close card writing',
    next_reveal: 'Show the next prompt',
    next_reveal_last: 'On to themes',
    next_group: 'Start the vote',
    next_vote: 'Close the vote',
    next_results: 'On to recommendations',
    next_recommend: 'Finalise recommendations',
    next_final: 'Next',
    page_n: 'Page {n} of {of}',
    screen_page: 'Screen: page {n} of {of}',
    page_prev: 'Previous page on the screen',
    page_next: 'Next page on the screen',
    card_tools: 'Card actions',
    send_back: 'Send to the team',
    sugg_title: 'Possible duplicates: {n}',
    sugg_exact: 'The same card — merge these?',
    sugg_near: 'Similar cards — merge these?',
    sugg_merge: 'Merge',
    sugg_dismiss: 'Not duplicates',
    sugg_more: 'Show {n} more',
    drop_new: 'New theme: put a card here',
    themes_n: 'Themes: {n}',
    move_theme: 'Move the theme',
    fold: 'Fold',
    unfold: 'Unfold',
    dissolve: 'Take the theme apart',
    loose_n: 'No theme yet: {n}',
    off_board: 'Off the board: {n}',
    final_badge: 'Final',
    drafts_n: "Teams' drafts: {n}",
    adopt: 'Use this draft',
    no_drafts: 'No team has sent a draft yet.',
    finalise: 'Finalise',
    reopen: 'Open to the teams again',
    undo: 'Undo ({n})',
    ws_help: 'Drag a card onto another to make a theme, onto a theme to join it. By keyboard or touch: pick a card (Enter), then where it goes (Enter). Esc cancels, Ctrl+Z undoes a step.',
    picked_card: 'Picked the card “{what}”. Choose another card, a theme, “New theme” or a prompt’s column. Esc cancels.',
    picked_theme: 'Picked the theme “{what}”. Choose the theme to merge it with. Esc cancels.',
    ws_help_touch: 'Tap a card, then another card or a theme: that is where it goes. “Undo” takes a step back.',
    draft_saved: 'Draft saved',
    final_phone: 'The facilitator has finalised this recommendation.',
    earlier: 'earlier',
  },
};

// put appends children as h does: arrays flattened, null and false skipped.
function put(el, ...kids) {
  for (const k of kids.flat(Infinity)) if (k != null && k !== false) el.append(k);
}

function plural(n, forms) {
  if (!Array.isArray(forms)) return forms;
  if (lang() === 'ru') {
    const m10 = n % 10;
    const m100 = n % 100;
    if (m10 === 1 && m100 !== 11) return forms[0];
    if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return forms[1];
    return forms[2];
  }
  return n === 1 ? forms[0] : forms[1];
}

/** bt translates a board word; vars.n picks a plural form. */
export function bt(key, vars) {
  let s = (WORDS[lang()] || WORDS.ru)[key];
  if (s === undefined) s = WORDS.ru[key];
  if (s === undefined) return key;
  s = plural(vars && vars.n !== undefined ? vars.n : 0, s);
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

/** boardNextLabel is what the host's "next" does in a board phase. */
export function boardNextLabel(b) {
  if (b.phase === 'reveal') return bt(b.shown < b.prompts.length ? 'next_reveal' : 'next_reveal_last');
  return bt('next_' + b.phase);
}

/** boardPhaseName names a board phase for the host's phase pill. */
export function boardPhaseName(phase) {
  return bt('phase_' + phase);
}

// ------------------------------------------------------------ pieces

// The countdowns of the latest drawing; every drawing stops the earlier ones.
let timers = [];

function stopTimers() {
  for (const stop of timers) stop();
  timers = [];
}

function timer(deadline) {
  if (!deadline) return null;
  const el = h('span', { class: 'bd-timer', 'data-testid': 'board-timer' });
  timers.push(countdown(deadline, (ms) => {
    const s = secondsLeft(ms);
    el.textContent = ms > 0 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}` : '0:00';
    el.classList.toggle('urgent', ms > 0 && ms <= 30000);
  }));
  return el;
}

function head(b, lead) {
  return h(
    'header',
    { class: 'bd-head' },
    h('span', { class: 'bd-phase', text: boardPhaseName(b.phase) }),
    h('p', { class: 'bd-lead', text: lead }),
    timer(b.deadline),
  );
}

function teamChip(name, teams) {
  if (!name) return null;
  const i = (teams || []).findIndex((tm) => tm.name === name);
  const id = i >= 0 ? teams[i].id : name;
  return h('span', { class: 'bd-team', style: { '--team': teamColor(id, i) } }, h('span', { class: 'team-dot' }), h('span', { text: name }));
}

function cardEl(c, teams, extra) {
  return h(
    'div',
    { class: ['bd-card', c.flagged && 'flagged', c.hidden && 'is-hidden'], 'data-card': c.id, 'data-testid': 'board-card' },
    h('p', { class: 'bd-card-text', text: c.text }),
    h(
      'div',
      { class: 'bd-card-meta' },
      teamChip(c.team, teams),
      c.author ? h('span', { class: 'bd-author', text: c.author }) : null,
      c.merged && c.merged.length ? h('span', { class: 'bd-similar', title: c.merged.join('\n'), text: bt('similar', { n: c.merged.length }) }) : null,
      c.votes ? h('span', { class: 'bd-votes', text: bt('dots', { n: c.votes.total }) }) : null,
    ),
    extra || null,
  );
}

function tally(votes) {
  if (!votes) return null;
  const total = votes.total || 1;
  return h(
    'div',
    { class: 'bd-tally' },
    h('span', { class: 'bd-tally-total', text: bt('dots', { n: votes.total }) }),
    h(
      'span',
      { class: 'bd-bar', 'aria-hidden': 'true' },
      h('span', { class: 'bd-bar-state', style: { width: (votes.state / total) * 100 + '%' } }),
      h('span', { class: 'bd-bar-ngo', style: { width: (votes.ngo / total) * 100 + '%' } }),
      h('span', { class: 'bd-bar-other', style: { width: (votes.other / total) * 100 + '%' } }),
    ),
    h('span', { class: 'bd-tally-split', text: `${bt('s_state')} ${votes.state} · ${bt('s_ngo')} ${votes.ngo}` + (votes.other ? ` · ${bt('s_other')} ${votes.other}` : '') }),
    votes.state > 0 && votes.ngo > 0 ? h('span', { class: 'bd-both', text: bt('both_sides') }) : null,
  );
}

// rankedThemes are the themes that got votes, best first.
function rankedThemes(b) {
  return b.themes.filter((th) => th.votes && th.votes.total > 0).sort((a, c) => a.rank - c.rank);
}

function respText(r) {
  return r ? bt('r_' + r) : bt('empty_field');
}

function recEl(r, mine) {
  const row = (label, value, wide) => h('div', { class: ['bd-field', wide] }, h('dt', { text: label }), h('dd', { text: value || bt('empty_field') }));
  return h(
    'article',
    { class: ['bd-rec', mine && 'mine'], 'data-testid': 'board-rec' },
    h('h3', null, h('span', { class: 'bd-rank', text: String(r.rank) }), h('span', { text: r.name })),
    h('dl', null, row(bt('action'), r.action, 'wide'), row(bt('responsible'), r.responsible ? respText(r.responsible) : ''), row(bt('deadline'), r.deadline), row(bt('risk'), r.risk, 'wide')),
    tally(r.votes),
    r.teams && r.teams.length ? h('p', { class: 'bd-by', text: bt('by_teams', { teams: r.teams.join(', ') }) }) : null,
  );
}

function themedGroups(b, cards) {
  const byId = new Map(cards.map((c) => [c.id, c]));
  const groups = b.themes.map((th) => ({ theme: th, cards: th.cards.map((id) => byId.get(id)).filter(Boolean) }));
  const loose = cards.filter((c) => !c.theme || !b.themes.some((th) => th.id === c.theme));
  return { groups, loose };
}

// ------------------------------------------------------------ projector

// The projector never scrolls: what does not fit goes on further pages,
// and the facilitator turns them from the remote (board.page). Pages are
// laid out here from the view alone, by an estimate of each item's height
// in rem at the projector's fixed 16:9 layout (1rem = 16px at 1920×1080),
// so the host's remote and the projector count the same pages. The
// estimates leave a tenth of the height spare; TestBrowserBoardAtScale
// checks every page of a full hackathon for clipping at 1920×1080 and
// 1280×720.

const SCREEN = {
  width: 115, // rem: the stage's width at 1920 (120 less the padding)
  height: 46, // rem: under the top bar, the head and the host's control bar (50rem), less a margin
  gap: 1,
  char: 0.62, // em: the width of an average Cyrillic letter, with room for wide ones
};

/** cut shortens a text to n characters at a word boundary, with "…". */
function cut(s, n) {
  const chars = [...String(s || '')];
  if (chars.length <= n) return chars.join('');
  let out = chars.slice(0, n - 1).join('');
  const sp = out.lastIndexOf(' ');
  if (sp > n * 0.6) out = out.slice(0, sp);
  return out.replace(/[\s,.;:—-]+$/, '') + '…';
}

/** lines estimates how many lines a text takes in a box width rem wide at font rem. */
function lines(text, width, font) {
  const perLine = Math.max(8, Math.floor(width / (font * SCREEN.char)));
  let n = 0;
  for (const para of String(text || '').split('\n')) {
    // Words do not break: a line holds whole words, so count by words.
    let len = 0;
    let l = 1;
    for (const w of para.split(/\s+/)) {
      const wl = [...w].length;
      if (len && len + 1 + wl > perLine) {
        l++;
        len = 0;
      }
      len += (len ? 1 : 0) + wl;
      while (len > perLine) {
        l++;
        len -= perLine;
      }
    }
    n += l;
  }
  return Math.max(1, n);
}

/** packRows lays items of estimated heights into rows of cols, rows into pages of the given height. */
function packRows(items, heights, cols, budget) {
  const pages = [];
  let page = [];
  let used = 0;
  for (let i = 0; i < items.length; i += cols) {
    const row = items.slice(i, i + cols);
    const h = Math.max(...heights.slice(i, i + cols)) + SCREEN.gap;
    if (page.length && used + h > budget) {
      pages.push(page);
      page = [];
      used = 0;
    }
    page.push(...row);
    used += h;
  }
  if (page.length || !pages.length) pages.push(page);
  return pages;
}

const liveCard = (c) => !c.hidden && !c.merged_into && !c.reformulate;

/** screenCards are the cards the projector may show: live, of prompts revealed. */
function screenCards(b) {
  const shown = new Set(b.prompts.filter((p) => p.shown).map((p) => p.id));
  return b.cards.filter((c) => liveCard(c) && shown.has(c.prompt));
}

const CARD = { font: 1.6, cols: 3 };
const CLUSTER = { name: 1.75, text: 1.5, cols: 3, snippets: 3, snippet: 44 };
const CHIP = { cols: 3, height: 3.1, chars: 38 };
const BAR = { height: 4.1, name: 64 };
const REC = { title: 1.9, text: 1.55, cols: 2 };

function colWidth(cols) {
  return (SCREEN.width - (cols - 1) * SCREEN.gap) / cols;
}

function cardHeight(c) {
  const w = colWidth(CARD.cols) - 2.4; // padding and the coloured edge
  // text, the padding (0.8em each side), the line of the team
  return lines(c.text, w, CARD.font) * CARD.font * 1.3 + 2.56 + 3.1;
}

/** clusters are the themes on the projector, biggest first, and the cards in none. */
function clusters(b) {
  const cards = screenCards(b);
  const byId = new Map(cards.map((c) => [c.id, c]));
  const out = b.themes
    .map((th) => ({ theme: th, cards: th.cards.map((id) => byId.get(id)).filter(Boolean) }))
    .filter((g) => g.cards.length);
  out.sort((a, c) => c.cards.length - a.cards.length);
  const loose = cards.filter((c) => !c.theme || !b.themes.some((th) => th.id === c.theme));
  if (loose.length) out.push({ theme: null, cards: loose });
  return out;
}

function clusterHeight(g) {
  const w = colWidth(CLUSTER.cols) - 2.4;
  const name = g.theme ? cut(g.theme.name, 90) : bt('no_theme');
  const n = Math.min(CLUSTER.snippets, g.cards.length);
  return lines(name, w - 5, CLUSTER.name) * CLUSTER.name * 1.25 + n * (CLUSTER.text * 1.35 + 0.35) + (g.cards.length > n ? CLUSTER.text * 1.5 : 0) + 3.2;
}

function recHeight(r, cols) {
  const w = colWidth(cols) - 2.6;
  const f = REC.text * 1.35;
  let h = lines(r.rank + '  ' + r.name, w - 3, REC.title) * REC.title * 1.25 + 0.8;
  h += (lines(r.action || '—', w, REC.text) + 1) * f; // label and text
  h += 2 * f; // responsible and deadline labels with their values, side by side
  h += Math.max(0, lines(r.deadline || '—', w / 2, REC.text) - 1) * f;
  h += (lines(r.risk || '—', w, REC.text) + 1) * f;
  h += 2.4 + 2.4; // the votes and the line of teams
  // The card's padding and the gaps between its rows: without them a
  // card of short fields was taken for a fifth shorter than it is drawn,
  // and two rows were put on a page that holds one.
  h += 3.4 + 3 * 0.8;
  return h + 0.8;
}

/**
 * screenPages splits what the projector shows in the board's phase into
 * pages: {pages: [[items]], kind}. The remote uses it to count pages.
 */
export function screenPages(b) {
  switch (b.phase) {
    case 'write': {
      const w = colWidth(2) - 6;
      const hint = b.prompts.length <= 4;
      const hs = b.prompts.map((p) => lines(p.question, w, 1.75) * 1.75 * 1.25 + (hint && p.hint ? lines(p.hint, w, 1.5) * 1.5 * 1.3 : 0) + 2.3 + 2);
      return { kind: 'prompts', pages: packRows(b.prompts, hs, 2, SCREEN.height), hint };
    }
    case 'reveal': {
      const p = b.prompts[Math.max(0, b.shown - 1)];
      const cards = screenCards(b).filter((c) => c.prompt === p.id);
      const q = lines(p.question, SCREEN.width, 2.4) * 2.4 * 1.2 + 4.4; // the question, "Prompt n of m" and the gaps
      return { kind: 'cards', pages: packRows(cards, cards.map(cardHeight), CARD.cols, SCREEN.height - q) };
    }
    case 'group': {
      const gs = clusters(b);
      return { kind: 'clusters', pages: packRows(gs, gs.map(clusterHeight), CLUSTER.cols, SCREEN.height - 1) };
    }
    case 'vote': {
      const names = clusters(b).filter((g) => g.theme);
      return { kind: 'chips', pages: packRows(names, names.map(() => CHIP.height), CHIP.cols, SCREEN.height - 4) };
    }
    case 'results': {
      const ranked = rankedThemes(b);
      return { kind: 'bars', pages: packRows(ranked, ranked.map(() => BAR.height), 1, SCREEN.height - 3) };
    }
    default: {
      const recs = b.recommendations;
      const cols = recs.some((r) => recHeight(r, REC.cols) > SCREEN.height) ? 1 : REC.cols;
      return { kind: 'recs', pages: packRows(recs, recs.map((r) => recHeight(r, cols)), cols, SCREEN.height), cols };
    }
  }
}

/** screenPage is the page the projector shows: the host's, wrapped around the count. */
export function screenPage(b, count) {
  const n = count || screenPages(b).pages.length;
  return ((b.page || 0) % n + n) % n;
}

function pager(i, n) {
  if (n <= 1) return null;
  return h('span', { class: 'bd-pager', 'data-testid': 'board-pager', text: bt('page_n', { n: i + 1, of: n }) });
}

function screenCard(c, teams) {
  return h(
    'div',
    { class: 'bd-card', 'data-card': c.id, 'data-testid': 'board-card' },
    h('p', { class: 'bd-card-text', text: c.text }),
    h(
      'div',
      { class: 'bd-card-meta' },
      teamChip(c.team, teams),
      c.author ? h('span', { class: 'bd-author', text: c.author }) : null,
      c.merged && c.merged.length ? h('span', { class: 'bd-similar', text: bt('similar', { n: c.merged.length }) }) : null,
    ),
  );
}

function cluster(g) {
  const n = Math.min(CLUSTER.snippets, g.cards.length);
  return h(
    'section',
    { class: ['bd-cluster', !g.theme && 'loose'], 'data-testid': 'board-cluster' },
    h(
      'header',
      null,
      h('h3', { text: g.theme ? cut(g.theme.name, 90) : bt('no_theme') }),
      h('span', { class: 'bd-count-badge', text: String(g.cards.length) }),
    ),
    h('ul', null, g.cards.slice(0, n).map((c) => h('li', { text: cut(c.text, CLUSTER.snippet) }))),
    g.cards.length > n ? h('p', { class: 'bd-cluster-more', text: bt('more', { n: g.cards.length - n }) }) : null,
  );
}

function bar(th, max, top) {
  const v = th.votes;
  const pct = (x) => (x / max) * 100 + '%';
  return h(
    'li',
    { class: ['bd-bar-row', th.rank <= top && 'top'], 'data-testid': 'board-ranked' },
    h('span', { class: 'bd-rank', text: String(th.rank) }),
    h(
      'div',
      { class: 'bd-bar-main' },
      h('span', { class: 'bd-bar-name', text: cut(th.name, BAR.name) }),
      h(
        'span',
        { class: 'bd-hbar', 'aria-hidden': 'true' },
        h('span', { class: 'bd-bar-state', style: { width: pct(v.state) } }),
        h('span', { class: 'bd-bar-ngo', style: { width: pct(v.ngo) } }),
        h('span', { class: 'bd-bar-other', style: { width: pct(v.other) } }),
      ),
    ),
    h('span', { class: 'bd-bar-total', text: String(v.total) }),
    v.state > 0 && v.ngo > 0 ? h('span', { class: 'bd-both', text: bt('both_sides') }) : h('span'),
  );
}

function legend() {
  return h(
    'p',
    { class: 'bd-legend' },
    h('span', { class: 'bd-key state', text: bt('s_state') }),
    h('span', { class: 'bd-key ngo', text: bt('s_ngo') }),
    h('span', { class: 'bd-key other', text: bt('s_other') }),
  );
}

/** boardScreen draws the board for the projector from a host or screen view. */
export function boardScreen(v) {
  stopTimers();
  const b = v.board;
  const teams = v.teams || [];
  const { pages, kind, hint, cols } = screenPages(b);
  const i = screenPage(b, pages.length);
  const items = pages[i];
  const wrap = h('section', { class: ['bd', 'bd-screen', 'bd-' + b.phase], 'data-testid': 'board-' + b.phase, 'data-page': String(i), 'data-pages': String(pages.length), 'data-shown': String(b.shown) });
  let lead = bt('lead_' + b.phase);
  if (b.phase === 'write' && !b.settings.blind) lead = bt('lead_write_open');
  if (b.phase === 'vote') {
    lead = bt('lead_vote', { dots: bt('dots', { n: b.settings.dots }), per: b.settings.per_card });
    if (!b.settings.own_team) lead += ' ' + bt('lead_vote_own');
  }
  const top = head(b, lead);
  put(top, pager(i, pages.length));
  put(wrap, top);
  const body = h('div', { class: 'bd-body' });
  switch (kind) {
    case 'prompts':
      put(
        body,
        h(
          'div',
          { class: 'bd-prompts' },
          items.map((p) =>
            h(
              'div',
              { class: 'bd-prompt' },
              h('span', { class: 'bd-prompt-n', text: String(b.prompts.indexOf(p) + 1) }),
              h('h2', { text: p.question }),
              hint && p.hint ? h('p', { class: 'bd-hint', text: p.hint }) : null,
              h('span', { class: 'bd-count', text: bt('cards', { n: p.cards }) }),
            ),
          ),
        ),
      );
      break;
    case 'cards': {
      const n = Math.max(0, b.shown - 1);
      const p = b.prompts[n];
      put(
        body,
        h('p', { class: 'bd-prompt-n-of', text: bt('prompt_n', { n: n + 1, of: b.prompts.length }) }),
        h('h2', { class: 'bd-question', text: p.question }),
        items.length ? h('div', { class: 'bd-cards' }, items.map((c) => screenCard(c, teams))) : h('p', { class: 'bd-empty', text: bt('no_cards_yet') }),
      );
      break;
    }
    case 'clusters':
      put(body, items.length ? h('div', { class: 'bd-clusters' }, items.map(cluster)) : h('p', { class: 'bd-empty', text: bt('no_cards_yet') }));
      break;
    case 'chips':
      put(
        body,
        h('p', { class: 'bd-progress', 'data-testid': 'board-voted', text: bt('voted', { n: b.voters, of: v.players || 0 }) }),
        h('ul', { class: 'bd-chips' }, items.map((g) => h('li', { class: 'bd-chip' }, h('span', { text: cut(g.theme.name, CHIP.chars) }), h('b', { text: String(g.cards.length) })))),
      );
      break;
    case 'bars': {
      const ranked = rankedThemes(b);
      const max = Math.max(1, ...ranked.map((th) => th.votes.total));
      put(
        body,
        ranked.length ? legend() : null,
        ranked.length
          ? h('ol', { class: 'bd-bars', 'data-testid': 'board-ranking' }, items.map((th) => bar(th, max, b.settings.top)))
          : h('p', { class: 'bd-empty', text: bt('no_recs') }),
      );
      break;
    }
    default:
      put(
        body,
        items.length
          ? h('div', { class: ['bd-recs', cols === 1 && 'one'] }, items.map((r) => recEl(r)))
          : h('p', { class: 'bd-empty', text: bt('no_recs') }),
      );
  }
  put(wrap, body);
  return wrap;
}

// ------------------------------------------------------------ drafts

// Views are rebuilt on every update; what people are typing is kept here by
// field key and put back, focus and caret included.
const drafts = new Map();

function keep(el, key, value) {
  el.dataset.key = key;
  el.value = drafts.has(key) ? drafts.get(key) : value || '';
  el.addEventListener('input', () => drafts.set(key, el.value));
  return el;
}

function focusState(root) {
  const a = document.activeElement;
  if (!a || !root.contains(a) || !a.dataset || !a.dataset.key) return null;
  return { key: a.dataset.key, start: a.selectionStart, end: a.selectionEnd };
}

function restoreFocus(root, f) {
  if (!f) return;
  const el = root.querySelector(`[data-key="${CSS.escape(f.key)}"]`);
  if (!el) return;
  el.focus();
  try {
    if (f.start != null) el.setSelectionRange(f.start, f.end);
  } catch {
    // not a text field
  }
}

/** typing reports whether someone is typing in root: a rebuild can wait. */
export function typing(root) {
  const a = document.activeElement;
  return !!(a && root.contains(a) && (a.tagName === 'TEXTAREA' || a.tagName === 'INPUT' || a.tagName === 'SELECT'));
}

async function run(send, type, data, okText) {
  try {
    await send(type, data);
    if (okText) toast(okText);
    return true;
  } catch (e) {
    toast(e.message, 'error');
    return false;
  }
}

function counter(el, limit) {
  const out = h('span', { class: 'bd-counter' });
  const upd = () => {
    const n = [...el.value].length;
    out.textContent = `${n}/${limit}`;
    out.classList.toggle('over', n > limit);
  };
  el.addEventListener('input', upd);
  upd();
  return out;
}

// ------------------------------------------------------------ phone

let pendingPhone = null; // the latest update held back while someone types

/**
 * boardPhone draws a phone's board into root from the phone-wide state and
 * the player's own me. send(type, data) sends a command.
 */
export function boardPhone(root, state, me, send) {
  // A redraw under someone's fingers would close the phone's keyboard: while
  // they type, only a new phase redraws; the rest waits until they leave the
  // field (after a tap on a button has had time to land).
  const drawn = root.querySelector('.bd-phone');
  const finals = state.board.recommendations.filter((r) => r.final).map((r) => r.theme).join(' ');
  if (typing(root) && drawn && drawn.dataset.phase === state.board.phase && drawn.dataset.final === finals) {
    pendingPhone = [root, state, me, send];
    if (!root.dataset.bdDeferred) {
      root.dataset.bdDeferred = '1';
      root.addEventListener('focusout', () =>
        setTimeout(() => {
          if (pendingPhone && !typing(root)) {
            const args = pendingPhone;
            pendingPhone = null;
            boardPhone(...args);
          }
        }, 300),
      );
    }
    return;
  }
  pendingPhone = null;
  const b = state.board;
  const mine = (me && me.board) || { cards: [], given: {}, recommendations: [], dots_left: 0 };
  const f = focusState(root);
  stopTimers();
  const wrap = h('section', { class: ['bd', 'bd-phone', 'bd-' + b.phase], 'data-testid': 'board-phone-' + b.phase, 'data-phase': b.phase, 'data-final': finals });
  const myTeam = me && me.team ? me.team.name : '';
  switch (b.phase) {
    case 'write':
      put(wrap, head(b, bt(b.settings.blind ? 'lead_write' : 'lead_write_open')));
      b.prompts.forEach((p, i) => {
        const own = mine.cards.filter((c) => c.prompt === p.id);
        const left = b.settings.team_cards - own.length;
        const key = 'new:' + p.id;
        const ta = keep(h('textarea', { class: 'bd-input', rows: 2, maxlength: b.settings.card_limit * 2, placeholder: bt('card_placeholder'), 'data-testid': 'card-input', 'aria-label': p.question }), key);
        const add = async (ev) => {
          ev.preventDefault();
          const text = ta.value.trim();
          if (!text) return;
          if (await run(send, 'board.card', { prompt: p.id, text })) drafts.delete(key);
        };
        const others = b.settings.blind ? [] : b.cards.filter((c) => c.prompt === p.id && c.team !== myTeam);
        put(wrap, 
          h(
            'section',
            { class: 'bd-prompt' },
            h('span', { class: 'bd-prompt-n', text: String(i + 1) }),
            h('h2', { text: p.question }),
            p.hint ? h('p', { class: 'bd-hint', text: p.hint }) : null,
            h(
              'ul',
              { class: 'bd-own' },
              own.map((c) =>
                h(
                  'li',
                  { class: 'bd-card own' },
                  h('p', { class: 'bd-card-text', text: c.text }),
                  h('button', {
                    type: 'button',
                    class: 'btn btn-small btn-ghost',
                    text: bt('delete'),
                    onclick: () => {
                      if (confirm(bt('delete_confirm'))) run(send, 'board.delete', { card: c.id });
                    },
                  }),
                ),
              ),
            ),
            left > 0
              ? h(
                  'form',
                  { class: 'bd-add', onsubmit: add },
                  ta,
                  h('div', { class: 'bd-add-row' }, counter(ta, b.settings.card_limit), h('span', { class: 'bd-left', text: bt('left_cards', { n: left, of: b.settings.team_cards }) }), h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'card-add', text: bt('add_card') })),
                )
              : h('p', { class: 'bd-left', text: bt('limit_reached') }),
            others.length ? h('div', { class: 'bd-cards' }, others.map((c) => cardEl(c))) : null,
          ),
        );
      });
      break;
    case 'reveal':
    case 'group': {
      put(wrap, head(b, bt(b.phase === 'reveal' ? 'lead_reveal' : 'lead_group')));
      for (const c of mine.cards.filter((x) => x.reformulate)) {
        const key = 'edit:' + c.id;
        const ta = keep(h('textarea', { class: 'bd-input', rows: 3, 'data-testid': 'rewrite-input' }), key, c.text);
        put(wrap, 
          h(
            'form',
            {
              class: 'bd-back',
              onsubmit: async (ev) => {
                ev.preventDefault();
                if (await run(send, 'board.edit', { card: c.id, text: ta.value.trim() })) drafts.delete(key);
              },
            },
            h('p', { class: 'bd-back-title', text: bt('back_to_you') }),
            c.reformulate !== '?' ? h('p', { class: 'bd-note', text: '«' + c.reformulate + '»' }) : null,
            ta,
            h('div', { class: 'bd-add-row' }, counter(ta, b.settings.card_limit), h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'rewrite-send', text: bt('rewrite') })),
          ),
        );
      }
      put(wrap, h('p', { class: 'bd-look', text: bt('look_screen') }));
      break;
    }
    case 'vote': {
      const live = b.cards;
      const own = new Set(mine.cards.map((c) => c.id));
      const { groups, loose } = themedGroups(b, live);
      const dotRow = (c) => {
        const given = mine.given[c.id] || 0;
        const blocked = own.has(c.id) && !b.settings.own_team;
        return h(
          'div',
          { class: 'bd-dots' },
          blocked
            ? h('span', { class: 'bd-own-tag', text: bt('own_card') })
            : [
                h('button', { type: 'button', class: 'btn btn-small', 'aria-label': bt('take'), disabled: given === 0, text: '−', onclick: () => run(send, 'board.dots', { card: c.id, dots: given - 1 }) }),
                h('span', { class: 'bd-given', 'data-testid': 'dots-given', text: '●'.repeat(given) || '○' }),
                h('button', { type: 'button', class: 'btn btn-small btn-primary', 'aria-label': bt('give'), 'data-testid': 'dot-plus', disabled: given >= b.settings.per_card || mine.dots_left <= 0, text: '+', onclick: () => run(send, 'board.dots', { card: c.id, dots: given + 1 }) }),
              ],
        );
      };
      put(wrap, 
        head(b, bt('dots_left', { n: mine.dots_left, of: b.settings.dots })),
        groups.map((g) =>
          h(
            'section',
            { class: 'bd-theme' },
            g.cards.length === 1 && g.cards[0].text === g.theme.name ? null : h('h3', { text: g.theme.name }),
            g.cards.map((c) => cardEl(c, null, dotRow(c))),
          ),
        ),
        loose.length ? h('section', { class: 'bd-theme' }, h('h3', { text: bt('no_theme') }), loose.map((c) => cardEl(c, null, dotRow(c)))) : null,
      );
      break;
    }
    case 'results': {
      const ranked = rankedThemes(b);
      put(wrap, 
        head(b, bt('lead_results')),
        h('ol', { class: 'bd-ranking' }, ranked.map((th) => h('li', { class: 'bd-ranked' }, h('span', { class: 'bd-rank', text: String(th.rank) }), h('span', { class: 'bd-ranked-name', text: th.name }), tally(th.votes)))),
      );
      break;
    }
    case 'recommend': {
      put(wrap, head(b, bt('lead_recommend')));
      const mineRecs = new Set(mine.recommendations);
      for (const r of b.recommendations.filter((x) => mineRecs.has(x.theme))) {
        if (r.final) put(wrap, h('p', { class: 'bd-note', text: bt('final_phone') }), recEl(r, true));
        else put(wrap, recForm(r, send, { draft: mine.drafts && mine.drafts[r.theme] }));
      }
      const others = b.recommendations.filter((x) => !mineRecs.has(x.theme));
      if (others.length) put(wrap, h('h3', { class: 'bd-sub', text: bt('other_recs') }), others.map((r) => recEl(r)));
      if (!b.recommendations.length) put(wrap, h('p', { class: 'bd-empty', text: bt('no_recs') }));
      break;
    }
    default:
      put(wrap, head(b, bt('thanks')), b.recommendations.map((r) => recEl(r, mine.recommendations.includes(r.theme))));
  }
  root.replaceChildren(wrap);
  restoreFocus(root, f);
}

// Phones save a recommendation's draft as the team types, a moment after
// the last keystroke, so the facilitator sees drafts arrive live.
const AUTOSAVE_MS = 1200;
const autosaves = new Map(); // theme → timer

/**
 * recForm is a recommendation's fields for a team (their draft, saved as
 * they type) or for the host (the recommendation itself, saved on Save).
 */
function recForm(r, send, opts = {}) {
  const src = opts.draft || r;
  const k = (f) => `${opts.host ? 'hrec' : 'rec'}:${r.theme}:${f}`;
  const action = keep(h('textarea', { class: 'bd-input', rows: 3, maxlength: 1200, 'data-testid': 'rec-action' }), k('action'), src.action);
  const deadline = keep(h('input', { class: 'bd-input', type: 'text', maxlength: 160, 'data-testid': 'rec-deadline' }), k('deadline'), src.deadline);
  const risk = keep(h('textarea', { class: 'bd-input', rows: 2, maxlength: 800, 'data-testid': 'rec-risk' }), k('risk'), src.risk);
  const respKey = k('responsible');
  const status = h('span', { class: 'bd-saved', 'aria-live': 'polite', 'data-testid': 'rec-status' });
  const data = () => {
    const d = { theme: r.theme, action: action.value, deadline: deadline.value, risk: risk.value };
    const chosen = drafts.has(respKey) ? drafts.get(respKey) : src.responsible;
    if (chosen) d.responsible = chosen;
    return d;
  };
  const autosave = () => {
    if (opts.host) return;
    clearTimeout(autosaves.get(r.theme));
    autosaves.set(
      r.theme,
      setTimeout(async () => {
        try {
          await send('board.fill', data());
          status.textContent = bt('draft_saved');
        } catch (e) {
          status.textContent = e.message;
        }
      }, AUTOSAVE_MS),
    );
  };
  const radios = ['state', 'ngo', 'both'].map((v) =>
    h(
      'label',
      { class: 'bd-resp' },
      h('input', {
        type: 'radio',
        name: respKey,
        value: v,
        checked: (drafts.has(respKey) ? drafts.get(respKey) : src.responsible) === v,
        'data-testid': 'rec-resp-' + v,
        onchange: () => {
          drafts.set(respKey, v);
          autosave();
        },
      }),
      h('span', { text: bt('r_' + v) }),
    ),
  );
  for (const el of [action, deadline, risk]) el.addEventListener('input', autosave);
  const label = (text, el) => h('label', { class: 'bd-label' }, h('span', { text }), el);
  return h(
    'form',
    {
      class: 'bd-rec-form',
      'data-testid': opts.host ? 'host-rec-form' : 'rec-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        clearTimeout(autosaves.get(r.theme));
        if (await run(send, 'board.fill', data(), bt('saved'))) for (const f of ['action', 'deadline', 'risk', 'responsible']) drafts.delete(k(f));
      },
    },
    opts.host ? null : h('h3', null, h('span', { class: 'bd-rank', text: String(r.rank) }), h('span', { text: r.name })),
    opts.host ? null : tally(r.votes),
    label(bt('action'), action),
    h('fieldset', { class: 'bd-resp-set' }, h('legend', { text: bt('responsible') }), radios),
    label(bt('deadline'), deadline),
    label(bt('risk'), risk),
    h('div', { class: 'bd-add-row' }, status, h('button', { type: 'submit', class: ['btn', 'btn-primary', !opts.host && 'btn-xl'], 'data-testid': opts.host ? 'host-rec-save' : 'rec-save', text: bt('save') })),
  );
}

// ------------------------------------------------------------ host

// The facilitator's workspace keeps what the hands are doing across
// redraws: the card or theme picked up, the themes folded, the prompt shown
// on a phone, the scroll of each column.
const ws = {
  picked: null, // {kind: 'card'|'theme', id}
  closed: new Set(), // themes folded
  tools: '', // the card whose tools are open
  note: '', // the card whose "send back" note is being written
  prompt: '', // on a narrow screen: the prompt whose cards are listed
  allSugg: false,
  dragging: false,
  pending: null,
  keys: false,
  send: null,
  view: null,
};

function later(root) {
  if (root.dataset.wsDeferred) return;
  root.dataset.wsDeferred = '1';
  const resume = () =>
    setTimeout(() => {
      if (ws.pending && !typing(root) && !ws.dragging) {
        const args = ws.pending;
        ws.pending = null;
        boardHost(...args);
      }
    }, 200);
  root.addEventListener('focusout', resume);
  root.addEventListener('dragend', resume);
}

function hostKeys() {
  if (ws.keys) return;
  ws.keys = true;
  document.addEventListener('keydown', (e) => {
    if (!ws.view || !ws.send) return;
    const tag = (e.target && e.target.tagName) || '';
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    if (e.key === 'Escape' && ws.picked) {
      ws.picked = null;
      redraw();
    } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && (e.key === 'z' || e.key === 'я')) {
      e.preventDefault();
      if (ws.view.board.undo) run(ws.send, 'board.undo', {});
    }
  });
}

let redrawArgs = null;
function redraw() {
  if (redrawArgs) boardHost(...redrawArgs);
}

/** drop carries out what was picked (or dragged) onto target: {kind: 'card'|'theme'|'loose'|'new', id}. */
function drop(b, send, what, target) {
  ws.picked = null;
  const card = what.kind === 'card' ? b.cards.find((c) => c.id === what.id) : null;
  if (card) {
    if (target.kind === 'card' && target.id !== card.id) return run(send, 'board.group', { card: card.id, onto: target.id });
    if (target.kind === 'theme' && card.theme !== target.id) return run(send, 'board.place', { card: card.id, theme: target.id });
    if (target.kind === 'loose' && card.theme) return run(send, 'board.place', { card: card.id, theme: '' });
    if (target.kind === 'new') {
      const th = b.themes.find((x) => x.id === card.theme);
      if (th && th.cards.length > 1) return run(send, 'board.split', { theme: th.id, cards: [card.id] });
      if (!th) return run(send, 'board.theme', { name: cut(card.text, 100), card: card.id });
    }
  } else if (what.kind === 'theme') {
    const into = target.kind === 'theme' ? target.id : target.kind === 'card' ? (b.cards.find((c) => c.id === target.id) || {}).theme : '';
    if (into && into !== what.id) return run(send, 'board.join', { theme: what.id, into });
    if (target.kind === 'card' && !into) return run(send, 'board.place', { card: target.id, theme: what.id });
  }
  redraw();
  return Promise.resolve(false);
}

/** target makes el a place to drop on: by mouse, by a tap or Enter once something is picked. */
function target(el, b, send, t) {
  el.addEventListener('dragover', (e) => {
    if (!ws.dragging) return;
    e.preventDefault();
    e.stopPropagation();
    el.classList.add('ws-over');
  });
  el.addEventListener('dragleave', () => el.classList.remove('ws-over'));
  el.addEventListener('drop', (e) => {
    e.preventDefault();
    e.stopPropagation();
    el.classList.remove('ws-over');
    const [kind, id] = (e.dataTransfer.getData('text/plain') || '').split(':');
    ws.dragging = false;
    if (kind && id) drop(b, send, { kind, id }, t);
  });
  return el;
}

/** movable makes el something to drag, or to pick up with Enter, Space or a tap. */
function movable(el, b, send, what, grouping) {
  const key = what.kind + ':' + what.id;
  el.dataset.focus = key;
  if (!grouping) return el;
  el.draggable = true;
  el.tabIndex = 0;
  el.setAttribute('role', 'button');
  el.setAttribute('aria-pressed', String(!!ws.picked && ws.picked.kind === what.kind && ws.picked.id === what.id));
  el.addEventListener('dragstart', (e) => {
    e.dataTransfer.setData('text/plain', key);
    e.dataTransfer.effectAllowed = 'move';
    ws.dragging = true;
    e.stopPropagation();
  });
  el.addEventListener('dragend', () => {
    ws.dragging = false;
  });
  const act = (e) => {
    if (e.target.closest('button, input, textarea, select, a') && e.target !== el) return;
    e.preventDefault();
    e.stopPropagation();
    const p = ws.picked;
    if (p && p.kind === what.kind && p.id === what.id) ws.picked = null;
    else if (p) {
      drop(b, send, p, what);
      return;
    } else ws.picked = what;
    redraw();
  };
  el.addEventListener('click', act);
  // A button turns Enter and Space into a click by itself; anything else
  // playing a button hears the keys.
  if (el.tagName !== 'BUTTON') {
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') act(e);
    });
  }
  return el;
}

function wsCard(c, b, teams, send, grouping) {
  const off = !liveCard(c);
  const merged = b.cards.filter((x) => x.merged_into === c.id);
  const el = h(
    'div',
    {
      class: ['ws-card', c.flagged && 'flagged', off && 'off', ws.picked && ws.picked.kind === 'card' && ws.picked.id === c.id && 'picked'],
      'data-card': c.id,
      'data-testid': 'ws-card',
      title: c.text,
    },
    h('p', { class: 'bd-card-text', text: c.text }),
    h(
      'div',
      { class: 'bd-card-meta' },
      teamChip(c.team, teams),
      c.author ? h('span', { class: 'bd-author', text: c.author }) : null,
      c.flagged ? h('span', { class: 'bd-badge warn', text: '!', title: bt('flagged') }) : null,
      c.hidden ? h('span', { class: 'bd-badge', text: bt('hidden') }) : null,
      c.reformulate ? h('span', { class: 'bd-badge', text: bt('returned') }) : null,
      c.merged_into ? h('span', { class: 'bd-badge', text: bt('merged_into') + ': ' + cut((b.cards.find((x) => x.id === c.merged_into) || {}).text, 30) }) : null,
      merged.length ? h('span', { class: 'bd-similar', title: merged.map((x) => x.text).join('\n'), text: bt('similar', { n: merged.length }) }) : null,
      h('button', {
        type: 'button',
        class: 'ws-more',
        'aria-label': bt('card_tools'),
        'aria-expanded': String(ws.tools === c.id),
        'data-testid': 'ws-card-tools',
        text: '⋯',
        onclick: (e) => {
          e.stopPropagation();
          ws.tools = ws.tools === c.id ? '' : c.id;
          redraw();
        },
      }),
    ),
    ws.tools === c.id ? cardTools(c, b, send, merged) : null,
  );
  if (!off) {
    movable(el, b, send, { kind: 'card', id: c.id }, grouping);
    if (grouping) target(el, b, send, { kind: 'card', id: c.id });
  } else el.dataset.focus = 'card:' + c.id;
  return el;
}

function cardTools(c, b, send, merged) {
  const moderating = b.phase === 'write' || b.phase === 'reveal' || b.phase === 'group';
  const out = [];
  if (b.phase !== 'recommend' && b.phase !== 'final') {
    out.push(h('button', { type: 'button', class: 'btn btn-small', 'data-testid': c.hidden ? 'card-restore' : 'card-hide', text: bt(c.hidden ? 'restore' : 'hide'), onclick: () => run(send, 'board.hide', { card: c.id, hidden: !c.hidden }) }));
  }
  if (moderating && c.merged_into) out.push(h('button', { type: 'button', class: 'btn btn-small', text: bt('unmerge'), onclick: () => run(send, 'board.unmerge', { card: c.id }) }));
  if (moderating) for (const m of merged) out.push(h('button', { type: 'button', class: 'btn btn-small', text: bt('unmerge') + ': ' + cut(m.text, 24), onclick: () => run(send, 'board.unmerge', { card: m.id }) }));
  if (moderating && liveCard(c)) {
    if (ws.note === c.id) {
      const note = keep(h('input', { class: 'bd-input', type: 'text', maxlength: 400, placeholder: bt('reformulate_note'), 'aria-label': bt('reformulate_note') }), 'note:' + c.id, '');
      out.push(
        h(
          'form',
          {
            class: 'ws-note',
            onsubmit: async (e) => {
              e.preventDefault();
              if (await run(send, 'board.reformulate', { card: c.id, note: note.value.trim() })) {
                drafts.delete('note:' + c.id);
                ws.note = '';
                ws.tools = '';
              }
            },
          },
          note,
          h('button', { type: 'submit', class: 'btn btn-small btn-primary', text: bt('send_back') }),
        ),
      );
    } else {
      out.push(h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-testid': 'card-reformulate', text: bt('reformulate'), onclick: () => { ws.note = c.id; redraw(); } }));
    }
  }
  return h('div', { class: 'bd-tools', onclick: (e) => e.stopPropagation() }, out);
}

function suggestions(b, teams, send) {
  const list = b.suggestions || [];
  if (!list.length) return null;
  const byId = new Map(b.cards.map((c) => [c.id, c]));
  const pn = (c) => b.prompts.findIndex((p) => p.id === c.prompt) + 1;
  const shown = ws.allSugg ? list : list.slice(0, 3);
  return h(
    'section',
    { class: 'ws-sugg', 'data-testid': 'ws-suggestions' },
    h('h3', { text: bt('sugg_title', { n: list.length }) }),
    shown.map((s) =>
      h(
        'div',
        { class: 'ws-sugg-item', 'data-testid': 'ws-suggestion', 'data-cards': s.cards.join(' ') },
        h('p', { class: 'ws-sugg-q', text: bt(s.exact ? 'sugg_exact' : 'sugg_near') }),
        h(
          'ul',
          null,
          s.cards.map((id) => byId.get(id)).filter(Boolean).map((c) => h('li', null, h('span', { class: 'ws-pn', title: bt('prompt_n', { n: pn(c), of: b.prompts.length }), text: String(pn(c)) }), h('span', null, c.text + ' ', teamChip(c.team, teams)))),
        ),
        h(
          'div',
          { class: 'ws-sugg-actions' },
          h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'sugg-merge', text: bt('sugg_merge'), onclick: () => run(send, 'board.accept', { cards: s.cards }) }),
          h('button', { type: 'button', class: 'btn', 'data-testid': 'sugg-dismiss', text: bt('sugg_dismiss'), onclick: () => run(send, 'board.dismiss', { cards: s.cards }) }),
        ),
      ),
    ),
    list.length > shown.length
      ? h('button', { type: 'button', class: 'btn btn-ghost', text: bt('sugg_more', { n: list.length - shown.length }), onclick: () => { ws.allSugg = true; redraw(); } })
      : null,
  );
}

function themesPanel(b, teams, send, grouping) {
  const byId = new Map(b.cards.map((c) => [c.id, c]));
  const newZone = grouping
    ? target(
        h('div', { class: ['ws-zone', ws.picked && 'armed'], 'data-testid': 'ws-new-theme', tabindex: ws.picked ? 0 : -1, role: 'button', 'data-focus': 'zone:new', text: bt('drop_new') }),
        b, send, { kind: 'new' },
      )
    : null;
  if (newZone) {
    const act = (e) => {
      if (!ws.picked) return;
      e.preventDefault();
      drop(b, send, ws.picked, { kind: 'new' });
    };
    newZone.addEventListener('click', act);
    newZone.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && act(e));
  }
  return h(
    'section',
    { class: 'ws-themes', 'data-testid': 'ws-themes', 'data-scroll': 'themes' },
    h('h3', { text: bt('themes_n', { n: b.themes.length }) }),
    newZone,
    b.themes.map((th) => {
      const open = !ws.closed.has(th.id);
      const name = keep(h('input', { class: 'ws-theme-name', type: 'text', maxlength: 120, 'aria-label': bt('theme_name'), 'data-testid': 'ws-theme-name' }), 'theme:' + th.id, th.name);
      const rename = () => {
        const v = name.value.trim();
        drafts.delete('theme:' + th.id);
        if (v && v !== th.name) run(send, 'board.rename', { theme: th.id, name: v });
      };
      name.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          name.blur();
        } else if (e.key === 'Escape') {
          drafts.delete('theme:' + th.id);
          name.value = th.name;
          name.blur();
        }
      });
      name.addEventListener('change', rename);
      const handle = h('button', { type: 'button', class: 'ws-handle', 'aria-label': bt('move_theme') + ': ' + th.name, 'data-testid': 'ws-theme-handle', text: '⠿' });
      movable(handle, b, send, { kind: 'theme', id: th.id }, grouping);
      const el = h(
        'section',
        { class: ['ws-theme', ws.picked && ws.picked.kind === 'theme' && ws.picked.id === th.id && 'picked'], 'data-theme': th.id, 'data-testid': 'ws-theme' },
        h(
          'header',
          null,
          grouping ? handle : null,
          grouping ? name : h('span', { class: 'ws-theme-label', text: th.name }),
          h('span', { class: 'ws-count', text: String(th.cards.length) }),
          h('button', { type: 'button', class: 'ws-fold', 'aria-expanded': String(open), 'aria-label': bt(open ? 'fold' : 'unfold'), text: open ? '▾' : '▸', onclick: () => { if (open) ws.closed.add(th.id); else ws.closed.delete(th.id); redraw(); } }),
        ),
        open ? h('div', { class: 'ws-theme-cards' }, th.cards.map((id) => byId.get(id)).filter(Boolean).map((c) => wsCard(c, b, teams, send, grouping))) : null,
        open && grouping
          ? h('div', { class: 'ws-theme-tools' }, h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-testid': 'ws-dissolve', text: bt('dissolve'), onclick: () => run(send, 'board.split', { theme: th.id }) }))
          : null,
      );
      return grouping ? target(el, b, send, { kind: 'theme', id: th.id }) : el;
    }),
  );
}

function columns(b, teams, send, grouping) {
  const narrow = matchMedia('(max-width: 899px)').matches;
  if (!b.prompts.some((p) => p.id === ws.prompt)) ws.prompt = b.prompts[0].id;
  const prompts = narrow ? b.prompts.filter((p) => p.id === ws.prompt) : b.prompts;
  const looseOf = (p) => b.cards.filter((c) => c.prompt === p.id && liveCard(c) && !c.theme);
  const tabs = narrow
    ? h(
        'div',
        { class: 'ws-tabs', role: 'tablist' },
        b.prompts.map((p, i) =>
          h('button', {
            type: 'button',
            role: 'tab',
            class: ['ws-tab', p.id === ws.prompt && 'on'],
            'aria-selected': String(p.id === ws.prompt),
            title: p.question,
            text: `${i + 1} · ${looseOf(p).length}`,
            onclick: () => { ws.prompt = p.id; redraw(); },
          }),
        ),
      )
    : null;
  return h(
    'div',
    { class: 'ws-cols-wrap' },
    tabs,
    h(
      'div',
      { class: 'ws-cols', 'data-scroll': 'cols' },
      prompts.map((p) => {
        const i = b.prompts.indexOf(p);
        const loose = looseOf(p);
        const off = b.cards.filter((c) => c.prompt === p.id && !liveCard(c));
        const col = h(
          'section',
          { class: 'ws-col', 'data-prompt': p.id, 'data-testid': 'ws-col', 'data-scroll': 'col:' + p.id },
          h('h3', { title: p.question }, h('span', { class: ['bd-prompt-n', p.shown && 'shown'], text: String(i + 1) }), h('span', { text: p.question })),
          h('p', { class: 'ws-col-count', text: bt('loose_n', { n: loose.length }) }),
          loose.map((c) => wsCard(c, b, teams, send, grouping)),
          off.length
            ? h('details', { class: 'ws-off', open: off.some((c) => c.id === ws.tools) }, h('summary', { text: bt('off_board', { n: off.length }) }), off.map((c) => wsCard(c, b, teams, send, false)))
            : null,
        );
        if (grouping) {
          target(col, b, send, { kind: 'loose' });
          col.dataset.focus = 'col:' + p.id;
          const act = (e) => {
            if (!ws.picked || e.target !== col) return;
            drop(b, send, ws.picked, { kind: 'loose' });
          };
          col.addEventListener('click', act);
        }
        return col;
      }),
    ),
  );
}

function hostRec(r, b, send) {
  const drafts_ = r.drafts || [];
  const time = (ms) => new Date(ms).toLocaleTimeString(lang() === 'ru' ? 'ru-RU' : 'en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return h(
    'article',
    { class: ['ws-rec', r.final && 'final'], 'data-testid': 'host-rec', 'data-theme': r.theme },
    h(
      'header',
      null,
      h('span', { class: 'bd-rank', text: String(r.rank) }),
      h('h3', { text: r.name }),
      r.final ? h('span', { class: 'bd-badge ok', text: bt('final_badge') }) : null,
    ),
    drafts_.length
      ? h(
          'div',
          { class: 'ws-drafts' },
          h('h4', { text: bt('drafts_n', { n: drafts_.length }) }),
          drafts_.map((d) =>
            h(
              'div',
              { class: 'ws-draft', 'data-testid': 'host-draft' },
              h('p', { class: 'ws-draft-by' }, h('b', { text: d.team_name }), h('span', { text: ' · ' + time(d.at) })),
              h('p', { text: `${bt('action')}: ${d.action || bt('empty_field')}` }),
              h('p', { text: `${bt('responsible')}: ${d.responsible ? respText(d.responsible) : bt('empty_field')} · ${bt('deadline')}: ${d.deadline || bt('empty_field')}` }),
              h('p', { text: `${bt('risk')}: ${d.risk || bt('empty_field')}` }),
              h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'host-adopt', text: bt('adopt'), onclick: () => run(send, 'board.adopt', { theme: r.theme, team: d.team }) }),
            ),
          ),
        )
      : h('p', { class: 'muted', text: bt('no_drafts') }),
    recForm(r, send, { host: true }),
    h('button', {
      type: 'button',
      class: ['btn', r.final ? 'btn-ghost' : 'btn-primary'],
      'data-testid': 'host-finalise',
      text: bt(r.final ? 'reopen' : 'finalise'),
      onclick: () => run(send, 'board.final', { theme: r.theme, final: !r.final }),
    }),
  );
}

function screenPager(b, send) {
  const n = screenPages(b).pages.length;
  const i = screenPage(b, n);
  return h(
    'div',
    { class: 'ws-pager', 'data-testid': 'host-pager' },
    h('span', { text: bt('screen_page', { n: i + 1, of: n }) }),
    h('button', { type: 'button', class: 'btn btn-small', 'aria-label': bt('page_prev'), 'data-testid': 'page-prev', disabled: n <= 1, text: '‹', onclick: () => run(send, 'board.page', { page: (i + n - 1) % n }) }),
    h('button', { type: 'button', class: 'btn btn-small', 'aria-label': bt('page_next'), 'data-testid': 'page-next', disabled: n <= 1, text: '›', onclick: () => run(send, 'board.page', { page: (i + 1) % n }) }),
  );
}

/**
 * boardHost draws the facilitator's board into root: the grouping workspace
 * (cards in columns by prompt, themes, duplicate suggestions, undo), the
 * projector's pages, the vote, the teams' drafts of recommendations, and
 * the final document.
 */
export function boardHost(root, v, send, token) {
  ws.send = send;
  ws.view = v;
  redrawArgs = [root, v, send, token];
  hostKeys();
  if (typing(root) || ws.dragging) {
    ws.pending = [root, v, send, token];
    later(root);
    return;
  }
  ws.pending = null;
  const b = v.board;
  const teams = v.teams || [];
  const workspace = b.phase === 'write' || b.phase === 'reveal' || b.phase === 'group';
  const grouping = b.phase === 'reveal' || b.phase === 'group';
  if (!grouping) ws.picked = null;
  document.body.classList.toggle('board-wide', workspace || b.phase === 'recommend');

  // What the hands were on survives the redraw.
  const scrolls = {};
  for (const el of root.querySelectorAll('[data-scroll]')) scrolls[el.dataset.scroll] = [el.scrollTop, el.scrollLeft];
  const a = document.activeElement;
  const focus = a && root.contains(a) && a.dataset ? a.dataset.focus || a.dataset.key : '';

  const wrap = h('div', { class: ['bd', 'bd-host', 'bd-' + b.phase] });
  const bar = h('div', { class: 'ws-bar' }, screenPager(b, send));
  if (workspace) {
    put(
      bar,
      h('button', {
        type: 'button',
        class: 'btn btn-small',
        'data-testid': 'ws-undo',
        disabled: !b.undo,
        title: 'Ctrl+Z',
        text: bt('undo', { n: b.undo || 0 }),
        onclick: () => run(send, 'board.undo', {}),
      }),
    );
  }
  put(wrap, bar);
  if (b.phase === 'vote') put(wrap, h('p', { class: 'bd-progress', 'data-testid': 'host-voted', text: bt('voted', { n: b.voters, of: v.players || 0 }) }));
  const flagged = b.cards.filter((c) => c.flagged && !c.hidden);
  if (flagged.length) put(wrap, h('section', { class: 'bd-flagged', 'data-testid': 'board-flagged' }, h('h3', { text: bt('flagged') }), flagged.map((c) => wsCard(c, b, teams, send, false))));

  if (workspace) {
    if (grouping) {
      const p = ws.picked;
      const what = p && (p.kind === 'card' ? (b.cards.find((c) => c.id === p.id) || {}).text : (b.themes.find((t) => t.id === p.id) || {}).name);
      put(
        wrap,
        h(
          'p',
          { class: ['ws-hint', p && 'armed'], 'aria-live': 'polite', 'data-testid': 'ws-hint' },
          p ? bt(p.kind === 'card' ? 'picked_card' : 'picked_theme', { what: cut(what, 60) }) : bt(matchMedia('(pointer: coarse)').matches ? 'ws_help_touch' : 'ws_help'),
        ),
      );
    }
    put(wrap, suggestions(b, teams, send), h('div', { class: 'ws-main' }, grouping || b.themes.length ? themesPanel(b, teams, send, grouping) : null, columns(b, teams, send, grouping)));
  } else if (b.phase === 'vote') {
    put(wrap, themesPanel(b, teams, send, false));
  } else if (b.phase === 'results') {
    const ranked = rankedThemes(b);
    put(wrap, h('ol', { class: 'bd-ranking' }, ranked.map((th) => h('li', { class: 'bd-ranked' }, h('span', { class: 'bd-rank', text: String(th.rank) }), h('span', { class: 'bd-ranked-name', text: th.name }), tally(th.votes)))));
  } else if (b.phase === 'recommend') {
    put(wrap, b.recommendations.length ? h('div', { class: 'ws-recs' }, b.recommendations.map((r) => hostRec(r, b, send))) : h('p', { class: 'bd-empty', text: bt('no_recs') }));
  } else {
    put(wrap, b.recommendations.map((r) => recEl(r)));
  }
  const enc = encodeURIComponent(v.room.id || '');
  const tok = encodeURIComponent(token);
  const link = (fmt, label) => h('a', { class: 'btn btn-small', href: `/api/rooms/${enc}/board.${fmt}?token=${tok}`, download: '', 'data-testid': 'board-export-' + fmt, text: label });
  put(
    wrap,
    h(
      'section',
      { class: 'bd-exports', 'data-testid': 'board-exports' },
      h('h3', { text: bt('exports') }),
      h('div', { class: 'bd-export-links' }, link('docx', 'DOCX'), link('md', 'Markdown'), link('csv', 'CSV'), link('json', 'JSON'), h('a', { class: 'btn btn-small', href: `/print/${enc}?token=${tok}`, target: '_blank', rel: 'noopener', 'data-testid': 'board-print', text: bt('print') })),
    ),
  );
  root.replaceChildren(wrap);
  for (const el of root.querySelectorAll('[data-scroll]')) {
    const s = scrolls[el.dataset.scroll];
    if (s) [el.scrollTop, el.scrollLeft] = s;
  }
  if (focus) {
    const el = root.querySelector(`[data-focus="${CSS.escape(focus)}"], [data-key="${CSS.escape(focus)}"]`);
    if (el) el.focus({ preventScroll: true });
  }
}
