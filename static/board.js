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

// capped draws at most max cards and says how many more there are.
function capped(cards, max, teams) {
  const shown = cards.slice(0, max).map((c) => cardEl(c, teams));
  if (cards.length > max) shown.push(h('div', { class: 'bd-more', text: bt('more', { n: cards.length - max }) }));
  return shown;
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
  const row = (label, value) => h('div', { class: 'bd-field' }, h('dt', { text: label }), h('dd', { text: value || bt('empty_field') }));
  return h(
    'article',
    { class: ['bd-rec', mine && 'mine'], 'data-testid': 'board-rec' },
    h('h3', null, h('span', { class: 'bd-rank', text: String(r.rank) }), h('span', { text: r.name })),
    h('dl', null, row(bt('action'), r.action), row(bt('responsible'), r.responsible ? respText(r.responsible) : ''), row(bt('deadline'), r.deadline), row(bt('risk'), r.risk)),
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

/** boardScreen draws the board for the projector from a host or screen view. */
export function boardScreen(v) {
  stopTimers();
  const b = v.board;
  const teams = v.teams || [];
  const live = b.cards.filter((c) => !c.hidden && !c.merged_into && !c.reformulate);
  // The projector cannot scroll: the more cards it shows, the smaller they get.
  const current = b.prompts[Math.max(0, b.shown - 1)];
  const n = b.phase === 'reveal' ? live.filter((c) => c.prompt === current.id).length : live.length;
  const density = n > 20 ? 'denser' : n > 12 ? 'dense' : '';
  const wrap = h('section', { class: ['bd', 'bd-screen', 'bd-' + b.phase, density], 'data-testid': 'board-' + b.phase });
  switch (b.phase) {
    case 'write':
      put(wrap, 
        head(b, bt(b.settings.blind ? 'lead_write' : 'lead_write_open')),
        h(
          'div',
          { class: 'bd-prompts' },
          b.prompts.map((p, i) =>
            h(
              'div',
              { class: 'bd-prompt' },
              h('span', { class: 'bd-prompt-n', text: String(i + 1) }),
              h('h2', { text: p.question }),
              p.hint ? h('p', { class: 'bd-hint', text: p.hint }) : null,
              h('span', { class: 'bd-count', text: bt('cards', { n: p.cards }) }),
            ),
          ),
        ),
      );
      break;
    case 'reveal': {
      const i = Math.max(0, b.shown - 1);
      const p = b.prompts[i];
      const cards = live.filter((c) => c.prompt === p.id);
      put(wrap, 
        head(b, bt('lead_reveal')),
        h('p', { class: 'bd-prompt-n-of', text: bt('prompt_n', { n: i + 1, of: b.prompts.length }) }),
        h('h2', { class: 'bd-question', text: p.question }),
        cards.length
          ? h('div', { class: 'bd-cards' }, cards.map((c) => cardEl(c, teams)))
          : h('p', { class: 'bd-empty', text: bt('no_cards_yet') }),
      );
      break;
    }
    case 'group':
    case 'vote': {
      const { groups, loose } = themedGroups(b, live);
      // A whole board does not fit on one screen: past 40 cards each theme
      // shows its first few and how many more (the phones show them all).
      const many = live.length > 40;
      const perTheme = many ? 3 : Infinity;
      const looseCap = many ? Math.max(9, 27 - Math.min(groups.length, 8) * 3) : Infinity;
      let lead = bt('lead_group');
      if (b.phase === 'vote') {
        lead = bt('lead_vote', { dots: bt('dots', { n: b.settings.dots }), per: b.settings.per_card });
        if (!b.settings.own_team) lead += ' ' + bt('lead_vote_own');
      }
      const progress = b.phase === 'vote' ? h('p', { class: 'bd-progress', 'data-testid': 'board-voted', text: bt('voted', { n: b.voters, of: v.players || 0 }) }) : null;
      if (many && b.phase === 'vote') {
        // Voting happens on the phones; the projector shows the progress and
        // what is on the ballot.
        put(
          wrap,
          head(b, lead),
          progress,
          h('ul', { class: 'bd-chips' }, groups.slice(0, 80).map((g) => h('li', { class: 'bd-chip', text: g.theme.name }))),
          groups.length > 80 ? h('p', { class: 'bd-more', text: bt('more_themes', { n: groups.length - 80 }) }) : null,
        );
        break;
      }
      const shownGroups = many ? groups.slice(0, 8) : groups;
      put(wrap, 
        head(b, lead),
        progress,
        h(
          'div',
          { class: 'bd-themes' },
          shownGroups.map((g) =>
            h(
              'section',
              { class: 'bd-theme' },
              // A card left alone is its own theme, named by its text: no need to say it twice.
              g.cards.length === 1 && g.cards[0].text === g.theme.name ? null : h('h3', { text: g.theme.name }),
              h('div', { class: 'bd-cards' }, capped(g.cards, perTheme, teams)),
            ),
          ),
          loose.length ? h('section', { class: 'bd-theme loose' }, h('h3', { text: bt('no_theme') }), h('div', { class: 'bd-cards' }, capped(loose, looseCap, teams))) : null,
          groups.length > shownGroups.length ? h('div', { class: 'bd-more', text: bt('more_themes', { n: groups.length - shownGroups.length }) }) : null,
        ),
      );
      break;
    }
    case 'results': {
      const ranked = rankedThemes(b);
      const max = Math.max(1, ...ranked.map((th) => th.votes.total));
      put(wrap, 
        head(b, bt('lead_results')),
        h(
          'ol',
          { class: 'bd-ranking', 'data-testid': 'board-ranking' },
          ranked.slice(0, 10).map((th) =>
            h(
              'li',
              { class: ['bd-ranked', th.rank <= b.settings.top && 'top'], style: { '--share': th.votes.total / max } },
              h('span', { class: 'bd-rank', text: String(th.rank) }),
              h('span', { class: 'bd-ranked-name', text: th.name }),
              tally(th.votes),
            ),
          ),
        ),
      );
      break;
    }
    default:
      put(wrap, 
        head(b, bt(b.phase === 'final' ? 'lead_final' : 'lead_recommend')),
        b.recommendations.length
          ? h('div', { class: 'bd-recs' }, b.recommendations.map((r) => recEl(r)))
          : h('p', { class: 'bd-empty', text: bt('no_recs') }),
      );
  }
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
  if (typing(root) && drawn && drawn.dataset.phase === state.board.phase) {
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
  const wrap = h('section', { class: ['bd', 'bd-phone', 'bd-' + b.phase], 'data-testid': 'board-phone-' + b.phase, 'data-phase': b.phase });
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
      for (const r of b.recommendations.filter((x) => mineRecs.has(x.theme))) put(wrap, recForm(r, send));
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

/** recForm is a recommendation's fields for a team or the host to fill. */
function recForm(r, send) {
  const k = (f) => `rec:${r.theme}:${f}`;
  const action = keep(h('textarea', { class: 'bd-input', rows: 3, 'data-testid': 'rec-action' }), k('action'), r.action);
  const deadline = keep(h('input', { class: 'bd-input', type: 'text', 'data-testid': 'rec-deadline' }), k('deadline'), r.deadline);
  const risk = keep(h('textarea', { class: 'bd-input', rows: 2, 'data-testid': 'rec-risk' }), k('risk'), r.risk);
  const respKey = k('responsible');
  const resp = drafts.has(respKey) ? drafts.get(respKey) : r.responsible;
  const radios = ['state', 'ngo', 'both'].map((v) =>
    h(
      'label',
      { class: 'bd-resp' },
      h('input', { type: 'radio', name: respKey, value: v, checked: resp === v, onchange: () => drafts.set(respKey, v) }),
      h('span', { text: bt('r_' + v) }),
    ),
  );
  const label = (text, el) => h('label', { class: 'bd-label' }, h('span', { text }), el);
  return h(
    'form',
    {
      class: 'bd-rec-form',
      'data-testid': 'rec-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const data = { theme: r.theme, action: action.value, deadline: deadline.value, risk: risk.value };
        const chosen = drafts.has(respKey) ? drafts.get(respKey) : r.responsible;
        if (chosen) data.responsible = chosen;
        if (await run(send, 'board.fill', data, bt('saved'))) for (const f of ['action', 'deadline', 'risk', 'responsible']) drafts.delete(k(f));
      },
    },
    h('h3', null, h('span', { class: 'bd-rank', text: String(r.rank) }), h('span', { text: r.name })),
    tally(r.votes),
    label(bt('action'), action),
    h('fieldset', { class: 'bd-resp-set' }, h('legend', { text: bt('responsible') }), radios),
    label(bt('deadline'), deadline),
    label(bt('risk'), risk),
    h('button', { type: 'submit', class: 'btn btn-primary btn-xl', 'data-testid': 'rec-save', text: bt('save') }),
  );
}

// ------------------------------------------------------------ host

/**
 * boardHost draws the facilitator's board tools into root: flagged cards,
 * moderation, themes, recommendations and the final document.
 */
export function boardHost(root, v, send, token) {
  const b = v.board;
  const teams = v.teams || [];
  if (typing(root)) return; // rebuilt once the facilitator leaves the field
  const wrap = h('div', { class: ['bd', 'bd-host', 'bd-' + b.phase] });
  const moderating = b.phase === 'write' || b.phase === 'reveal' || b.phase === 'group';
  const grouping = b.phase === 'reveal' || b.phase === 'group';
  const live = (c) => !c.hidden && !c.merged_into && !c.reformulate;
  const byId = new Map(b.cards.map((c) => [c.id, c]));

  const tools = (c) => {
    const out = [];
    if (b.phase !== 'recommend' && b.phase !== 'final') {
      out.push(h('button', { type: 'button', class: 'btn btn-small', 'data-testid': c.hidden ? 'card-restore' : 'card-hide', text: bt(c.hidden ? 'restore' : 'hide'), onclick: () => run(send, 'board.hide', { card: c.id, hidden: !c.hidden }) }));
    }
    if (moderating && c.merged_into) {
      out.push(h('button', { type: 'button', class: 'btn btn-small', text: bt('unmerge'), onclick: () => run(send, 'board.unmerge', { card: c.id }) }));
    }
    if (moderating && live(c)) {
      const targets = b.cards.filter((x) => x.id !== c.id && x.prompt === c.prompt && live(x));
      if (targets.length) {
        out.push(
          h(
            'select',
            {
              class: 'bd-select',
              'aria-label': bt('merge_into'),
              onchange: (ev) => {
                const into = ev.target.value;
                ev.target.blur();
                if (into) run(send, 'board.merge', { card: c.id, into });
              },
            },
            h('option', { value: '', text: bt('merge') }),
            targets.map((x) => h('option', { value: x.id, text: x.text.slice(0, 60) })),
          ),
        );
      }
      out.push(
        h('button', {
          type: 'button',
          class: 'btn btn-small btn-ghost',
          'data-testid': 'card-reformulate',
          text: bt('reformulate'),
          onclick: () => {
            const note = prompt(bt('reformulate_note'), '');
            if (note !== null) run(send, 'board.reformulate', { card: c.id, note });
          },
        }),
      );
    }
    if (grouping && live(c)) {
      out.push(
        h(
          'select',
          {
            class: 'bd-select',
            'aria-label': bt('theme'),
            'data-testid': 'card-theme',
            onchange: (ev) => {
              const val = ev.target.value;
              ev.target.blur();
              if (val === '+') {
                const name = prompt(bt('theme_name'), c.text.slice(0, 60));
                if (name) run(send, 'board.theme', { name, card: c.id });
              } else run(send, 'board.place', { card: c.id, theme: val });
            },
          },
          h('option', { value: '', text: bt('no_theme'), selected: !c.theme }),
          b.themes.map((th) => h('option', { value: th.id, text: th.name, selected: c.theme === th.id })),
          h('option', { value: '+', text: bt('new_theme') }),
        ),
      );
    }
    return h('div', { class: 'bd-tools' }, out);
  };

  const badge = (c) =>
    h(
      'span',
      { class: 'bd-badges' },
      c.flagged ? h('span', { class: 'bd-badge warn', text: '!' , title: bt('flagged') }) : null,
      c.hidden ? h('span', { class: 'bd-badge', text: bt('hidden') }) : null,
      c.reformulate ? h('span', { class: 'bd-badge', text: bt('returned') }) : null,
      c.merged_into ? h('span', { class: 'bd-badge', text: bt('merged_into') + ': ' + ((byId.get(c.merged_into) || {}).text || '').slice(0, 30) }) : null,
    );

  if (b.phase === 'vote') put(wrap, h('p', { class: 'bd-progress', 'data-testid': 'host-voted', text: bt('voted', { n: b.voters, of: v.players || 0 }) }));
  const flagged = b.cards.filter((c) => c.flagged && !c.hidden);
  if (flagged.length) {
    put(wrap, h('section', { class: 'bd-flagged', 'data-testid': 'board-flagged' }, h('h3', { text: bt('flagged') }), flagged.map((c) => cardEl(c, teams, tools(c)))));
  }
  if (b.phase === 'recommend' || b.phase === 'final') {
    put(wrap, b.phase === 'recommend' ? b.recommendations.map((r) => recForm(r, send)) : b.recommendations.map((r) => recEl(r)));
  } else if (b.phase === 'results') {
    const ranked = rankedThemes(b);
    put(wrap, h('ol', { class: 'bd-ranking' }, ranked.map((th) => h('li', { class: 'bd-ranked' }, h('span', { class: 'bd-rank', text: String(th.rank) }), h('span', { class: 'bd-ranked-name', text: th.name }), tally(th.votes)))));
  } else {
    if (b.themes.length) {
      put(wrap, 
        h(
          'section',
          { class: 'bd-host-themes' },
          h('h3', { text: bt('phase_group') }),
          b.themes.map((th) =>
            h(
              'div',
              { class: 'bd-host-theme' },
              h('span', { text: `${th.name} (${th.cards.length})` }),
              b.phase !== 'final'
                ? h('button', {
                    type: 'button',
                    class: 'btn btn-small btn-ghost',
                    text: bt('rename'),
                    onclick: () => {
                      const name = prompt(bt('theme_name'), th.name);
                      if (name) run(send, 'board.rename', { theme: th.id, name });
                    },
                  })
                : null,
            ),
          ),
        ),
      );
    }
    b.prompts.forEach((p, i) => {
      const cards = b.cards.filter((c) => c.prompt === p.id);
      put(wrap, 
        h(
          'section',
          { class: ['bd-host-prompt', p.shown && 'shown'] },
          h('h3', null, h('span', { class: 'bd-prompt-n', text: String(i + 1) }), h('span', { text: p.question })),
          cards.length
            ? cards.map((c) => h('div', { class: ['bd-host-card', !live(c) && 'off'], 'data-card': c.id }, h('p', { class: 'bd-card-text', text: c.text }), h('div', { class: 'bd-card-meta' }, teamChip(c.team, teams), c.author ? h('span', { class: 'bd-author', text: c.author }) : null, badge(c)), tools(c)))
            : h('p', { class: 'muted', text: bt('no_cards_yet') }),
        ),
      );
    });
  }
  const enc = encodeURIComponent(v.room.id || '');
  const tok = encodeURIComponent(token);
  const link = (fmt, label) => h('a', { class: 'btn btn-small', href: `/api/rooms/${enc}/board.${fmt}?token=${tok}`, download: '', text: label });
  put(wrap, 
    h(
      'section',
      { class: 'bd-exports', 'data-testid': 'board-exports' },
      h('h3', { text: bt('exports') }),
      h('div', { class: 'bd-export-links' }, link('docx', 'DOCX'), link('md', 'Markdown'), link('csv', 'CSV'), link('json', 'JSON'), h('a', { class: 'btn btn-small', href: `/print/${enc}?token=${tok}`, target: '_blank', rel: 'noopener', 'data-testid': 'board-print', text: bt('print') })),
    ),
  );
  root.replaceChildren(wrap);
}
