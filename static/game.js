// game.js: the business game stage on every page. The phone shows the
// team's situation, the player's role brief, the team's live proposal and
// the choices; the projector shows progress until the debrief, then every
// team's path, meters over time, reasons, endings and the balance ranking;
// the host remote shows every team live and the facilitator's tools.
import { addStrings, countdown, fill, h, lang, md, mdText, setText, svgEl, t, teamColor, toast } from '/static/app.js';
import { fitSection, rotate } from '/static/fit.js';

addStrings({
  ru: {
    game_case_n: 'Кейс {n} из {count}',
    game_paused: 'Пауза: ведущий остановил время',
    game_your_role: 'Ваша роль',
    game_only_you: 'видите только вы',
    game_roles_none: 'В этом кейсе у вас нет отдельной роли — слушайте команду.',
    game_no_brief: 'В этой ситуации у вас нет отдельных сведений.',
    game_not_played: 'не пройден',
    game_see_projector: 'Пути всех команд — на экране ведущего.',
    game_proposal: 'Предложение команды',
    game_no_proposal: 'Пока никто ничего не предложил',
    game_votes: ['{n} голос', '{n} голоса', '{n} голосов'],
    game_picked: 'Выбрали {x} из {y}',
    game_why: 'Почему? Одной строкой, по желанию',
    game_confirm: 'Подтвердить решение команды',
    game_close_vote: 'Закрыть голосование',
    game_hint_captain: 'Обсудите вариант вслух. Решение подтверждает капитан: {name}.',
    game_hint_captain_you: 'Вы капитан: выберите вариант, который решила команда, и подтвердите.',
    game_hint_any: 'Любой участник может предложить и подтвердить решение. Когда время выйдет, засчитается последнее предложение.',
    game_hint_vote: 'Голосуйте все. Решение принимается большинством, при равенстве — по голосу капитана ({name}).',
    game_outcome: 'Что произошло',
    game_forced: 'Время вышло — решение принято по умолчанию',
    game_by_time: 'Время вышло — засчитано предложение команды',
    game_event: 'Событие',
    game_case_done: 'Кейс завершён',
    game_wait_next: 'Ждём, пока ведущий откроет следующий кейс.',
    game_meters: 'Показатели',
    game_in_band: 'в норме',
    game_out_band: 'вне нормы',
    game_progress_step: ['{n} решение', '{n} решения', '{n} решений'],
    game_done: 'Кейс пройден',
    game_deciding: 'Решают',
    game_screen_hint: 'Команды обсуждают ситуацию и решают на телефонах. Итоги и пути команд — на разборе.',
    game_debrief: 'Разбор игры',
    game_summary: 'Итоги',
    game_ranking: 'Рейтинг баланса',
    game_balance: 'Баланс',
    game_endings: 'Финалы',
    game_paths: 'Пути команд',
    game_chart: 'Показатели по ходу игры',
    game_formula: 'Баланс = 100 − 50 × среднее отклонение показателей от середины нормы (в полуширинах нормы)',
    game_by_host: 'Остановлены ведущим',
    game_team_place: 'Место команды',
    game_no_path: 'Нет решений',
    game_pause: 'Пауза',
    game_resume: 'Продолжить',
    game_extend: '+1 минута всем',
    game_inject: 'Событие для всех команд',
    game_injected: 'Событие отправлено',
    game_notes: 'Заметки ведущего',
    game_teams_here: 'Здесь: {teams}',
    game_captain: 'Капитан',
    game_make_captain: 'Назначить капитаном',
    game_next_case: 'Следующий кейс',
    game_to_debrief: 'К разбору',
    game_to_results: 'К итогам',
    game_next_stage: 'Следующий этап',
    game_page: 'Страница {n} из {count}',
    game_confirm_next: 'Не все команды приняли решение. Перевести всех к следующему шагу?',
    phase_game: 'Игра',
    phase_debrief: 'Разбор',
  },
  en: {
    game_case_n: 'Case {n} of {count}',
    game_paused: 'Paused: the facilitator stopped the clock',
    game_your_role: 'Your role',
    game_only_you: 'only you see this',
    game_roles_none: 'No role of your own in this case: listen to your team.',
    game_no_brief: 'Nothing private for you in this situation.',
    game_not_played: 'not played',
    game_see_projector: "Every team's path is on the facilitator's screen.",
    game_proposal: "Team's proposal",
    game_no_proposal: 'Nobody has proposed anything yet',
    game_votes: ['{n} vote', '{n} votes'],
    game_picked: '{x} of {y} picked',
    game_why: 'Why? One line, optional',
    game_confirm: "Confirm the team's decision",
    game_close_vote: 'Close the vote',
    game_hint_captain: 'Talk it over. The captain confirms: {name}.',
    game_hint_captain_you: "You are the captain: pick what the team decided and confirm it.",
    game_hint_any: 'Anyone may propose and confirm. When time runs out, the latest proposal counts.',
    game_hint_vote: "Everyone votes. The majority decides; a tie goes to the captain's vote ({name}).",
    game_outcome: 'What happened',
    game_forced: 'Time ran out: the default choice was applied',
    game_by_time: "Time ran out: the team's proposal was applied",
    game_event: 'Event',
    game_case_done: 'Case complete',
    game_wait_next: 'Waiting for the facilitator to open the next case.',
    game_meters: 'Meters',
    game_in_band: 'healthy',
    game_out_band: 'out of range',
    game_progress_step: ['{n} decision', '{n} decisions'],
    game_done: 'Case done',
    game_deciding: 'Deciding',
    game_screen_hint: "Teams talk the situation over and decide on their phones. Paths and results come at the debrief.",
    game_debrief: 'Debrief',
    game_summary: 'Summary',
    game_ranking: 'Balance ranking',
    game_balance: 'Balance',
    game_endings: 'Endings',
    game_paths: 'Team paths',
    game_chart: 'Meters over the game',
    game_formula: "Balance = 100 − 50 × the meters' mean distance from the middle of their range (in half-ranges)",
    game_by_host: 'Stopped by the facilitator',
    game_team_place: "Your team's place",
    game_no_path: 'No decisions',
    game_pause: 'Pause',
    game_resume: 'Resume',
    game_extend: '+1 minute for all',
    game_inject: 'Event for every team',
    game_injected: 'Event sent',
    game_notes: 'Facilitator notes',
    game_teams_here: 'Here: {teams}',
    game_captain: 'Captain',
    game_make_captain: 'Make captain',
    game_next_case: 'Next case',
    game_to_debrief: 'To the debrief',
    game_to_results: 'To the results',
    game_next_stage: 'Next stage',
    game_page: 'Page {n} of {count}',
    game_confirm_next: 'Not every team has decided. Move everyone on?',
    phase_game: 'Game',
    phase_debrief: 'Debrief',
  },
});

// ------------------------------------------------------------ shared

function clockText(ms) {
  const s = Math.ceil(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** deadlineClock shows m:ss to an absolute deadline; returns [el, stop]. */
function deadlineClock(deadline) {
  const el = h('span', { class: 'g-clock', 'data-testid': 'game-clock' });
  if (!deadline) return [el, () => {}];
  const stop = countdown(deadline, (ms) => {
    setText(el, clockText(ms));
    el.classList.toggle('urgent', ms > 0 && ms <= 30000);
  });
  return [el, stop];
}

/** meterBar draws a meter: the scale, its healthy band and the value. */
function meterBar(m, value) {
  const lo = Math.min(0, m.low - 10, value);
  const hi = Math.max(100, m.high + 10, value);
  const pct = (x) => ((x - lo) / (hi - lo)) * 100 + '%';
  const ok = value >= m.low && value <= m.high;
  return h(
    'div',
    { class: ['g-meter', ok ? 'ok' : 'off'], 'data-meter': m.id },
    h('span', { class: 'g-meter-name', text: m.name }),
    h(
      'span',
      { class: 'g-meter-track', title: `${m.low}–${m.high}` },
      h('span', { class: 'g-meter-band', style: { left: pct(m.low), width: `calc(${pct(m.high)} - ${pct(m.low)})` } }),
      h('span', { class: 'g-meter-dot', style: { left: pct(value) } }),
    ),
    h('span', { class: 'g-meter-value', text: String(value), title: t(ok ? 'game_in_band' : 'game_out_band') }),
  );
}

/** gist is the start of a Markdown text as plain text, for one-line listings. */
function gist(text, n = 90) {
  const s = mdText(String(text || '').split('\n')[0]);
  return s.length > n ? s.slice(0, n - 1).trimEnd() + '…' : s;
}

function caseLine(c) {
  return c ? `${t('game_case_n', { n: c.index + 1, count: c.count })} · ${c.title}` : '';
}

// ------------------------------------------------------------ phone

let phoneKey = '';
let phoneStop = null;
let phoneWhy = '';
let phoneWhyNode = '';
let phoneBusy = false;

/**
 * renderGamePhone draws the game on a phone into root. send(type, data)
 * returns a promise of the command's ack.
 */
export function renderGamePhone(root, state, me, send) {
  const g = me && me.game;
  const sg = state.game || {};
  if (!g) {
    root.replaceChildren(h('p', { class: 'muted', text: t('connecting') }));
    return;
  }
  const node = g.node;
  let moved = false;
  if ((node ? node.id : '') !== phoneWhyNode) {
    phoneWhyNode = node ? node.id : '';
    phoneWhy = '';
    moved = true;
  }
  const key = JSON.stringify([lang(), sg, g, phoneBusy]);
  if (key === phoneKey) return;
  phoneKey = key;
  const focused = document.activeElement && document.activeElement.classList.contains('g-why');
  if (focused && root.querySelector('.g-why')) {
    // Someone is typing: refresh everything but the input.
    fill(root.querySelector('.g-live'), proposalBox(g, sg));
    fill(root.querySelector('.g-choice-box'), choiceButtons(g, sg, send));
    return;
  }
  if (phoneStop) phoneStop();
  phoneStop = null;
  const parts = [];
  const [clockEl, stop] = deadlineClock(node && !sg.paused ? node.deadline : 0);
  phoneStop = stop;
  parts.push(
    h(
      'div',
      { class: 'g-head' },
      h('span', { class: 'g-case', 'data-testid': 'game-case', text: sg.case ? caseLine(sg.case) : t('game_debrief') }),
      clockEl,
    ),
  );
  if (sg.paused) parts.push(h('p', { class: 'g-paused', text: t('game_paused') }));
  parts.push(h('div', { class: 'g-meters', 'aria-label': t('game_meters') }, (g.meters || []).map((m) => meterBar(m, m.value))));

  if (sg.phase === 'debrief' || !sg.case) {
    if (g.rank) {
      parts.push(
        h(
          'div',
          { class: 'g-card g-rank', 'data-testid': 'game-rank' },
          h('span', { class: 'kicker', text: t('game_team_place') }),
          h('strong', { class: 'g-rank-n', text: String(g.rank.rank) }),
          h('span', { text: `${t('game_balance')}: ${g.rank.balance}` }),
        ),
      );
    }
    if ((g.endings || []).length) {
      parts.push(
        h(
          'div',
          { class: 'g-card g-endings' },
          h('span', { class: 'kicker', text: t('game_endings') }),
          h('ol', {}, g.endings.map((e) => h('li', {}, h('span', { class: 'muted', text: `${e.case}: ` }), h('b', { text: e.title || t('game_not_played') })))),
        ),
      );
    }
    parts.push(h('p', { class: 'g-hint', text: t('game_see_projector') }));
    root.replaceChildren(h('section', { class: 'g-phone', 'data-testid': 'game-phone' }, parts));
    return;
  }
  if (g.last) parts.push(lastCard(g.last));
  if (node) {
    parts.push(
      h(
        'div',
        { class: 'g-card g-situation', 'data-testid': 'game-situation' },
        node.image ? h('img', { class: 'g-image', src: node.image, alt: '' }) : null,
        md(node.text, { block: true }),
      ),
    );
    parts.push(roleCards(g));
    const why = h('input', {
      type: 'text',
      id: 'g-why',
      class: 'text-input g-why',
      maxlength: 140,
      enterkeyhint: 'done',
      'data-testid': 'game-why',
    });
    why.value = phoneWhy;
    why.addEventListener('input', () => {
      phoneWhy = why.value;
    });
    // A reason written after the pick goes with the same pick again.
    why.addEventListener('change', () => {
      const mine = g.mine && g.mine.choice;
      if (mine && phoneWhy.trim() !== (g.mine.why || '')) act(send, 'game.pick', { node: node.id, choice: mine, why: phoneWhy.trim() });
    });
    parts.push(h('div', { class: 'g-live' }, proposalBox(g, sg)));
    parts.push(h('label', { class: 'g-why-label', for: 'g-why', text: t('game_why') }), why);
    parts.push(h('div', { class: 'g-choice-box' }, choiceButtons(g, sg, send)));
    const canConfirm = sg.decision === 'any' || g.captain;
    if (canConfirm) {
      parts.push(
        h('button', {
          type: 'button',
          class: 'btn btn-primary btn-xl g-confirm',
          'data-testid': 'game-confirm',
          disabled: phoneBusy || !(g.proposal && g.proposal.choice) || sg.paused,
          text: sg.decision === 'vote' ? t('game_close_vote') : t('game_confirm'),
          onclick: () => act(send, 'game.confirm', { node: node.id }),
        }),
      );
    }
    parts.push(h('p', { class: 'g-hint', text: hint(g, sg) }));
  } else {
    parts.push(
      h(
        'div',
        { class: 'g-card g-ending', 'data-testid': 'game-ending' },
        h('span', { class: 'kicker', text: t('game_case_done') }),
        g.ending ? h('h2', { text: g.ending.title }) : null,
        g.ending && g.ending.text ? h('p', { text: g.ending.text }) : null,
      ),
      h('p', { class: 'g-hint', text: t('game_wait_next') }),
    );
  }
  root.replaceChildren(h('section', { class: 'g-phone', 'data-testid': 'game-phone' }, parts));
  // A new situation starts at the top, where the outcome of the last one is.
  if (moved) window.scrollTo(0, 0);
}

function hint(g, sg) {
  const name = g.captain_name || '';
  if (sg.decision === 'any') return t('game_hint_any');
  if (sg.decision === 'vote') return t('game_hint_vote', { name });
  return g.captain ? t('game_hint_captain_you') : t('game_hint_captain', { name });
}

function lastCard(last) {
  let note = '';
  if (last.by === 'forced') note = t('game_forced');
  else if (last.by === 'time') note = t('game_by_time');
  return h(
    'div',
    { class: ['g-card', 'g-outcome', last.by === 'forced' && 'forced'], 'data-testid': 'game-outcome' },
    h('span', { class: 'kicker', text: last.event ? `${t('game_event')}: ${last.event}` : t('game_outcome') }),
    last.choice ? h('strong', { class: 'g-outcome-choice', text: last.choice }) : null,
    last.outcome ? h('p', { text: last.outcome }) : null,
    note ? h('p', { class: 'g-forced', text: note }) : null,
  );
}

function roleCards(g) {
  const roles = g.roles || [];
  if (!roles.length) return h('p', { class: 'g-hint', text: t('game_roles_none') });
  return roles.map((r) =>
    h(
      'div',
      { class: 'g-card g-role', 'data-testid': 'game-role', 'data-role': r.id },
      h('span', { class: 'kicker' }, `${t('game_your_role')}: `, h('b', { text: r.name }), r.brief ? h('span', { class: 'for-you', text: t('game_only_you') }) : null),
      r.brief ? h('div', { class: 'g-brief' }, md(r.brief, { block: true })) : h('p', { class: 'g-hint', text: t('game_no_brief') }),
    ),
  );
}

function proposalBox(g, sg) {
  const p = g.proposal;
  const choice = p && p.choice && (g.node.choices || []).find((c) => c.id === p.choice);
  return h(
    'div',
    { class: 'g-proposal', 'data-testid': 'game-proposal' },
    h('span', { class: 'kicker', text: t('game_proposal') }),
    choice ? h('strong', { text: choice.text }) : h('span', { class: 'muted', text: t('game_no_proposal') }),
    p && p.why ? h('q', { class: 'g-proposal-why', text: p.why }) : null,
    p ? h('span', { class: 'g-picked', text: t('game_picked', { x: p.picked || 0, y: g.members || 0 }) }) : null,
  );
}

function choiceButtons(g, sg, send) {
  const tally = (g.proposal && g.proposal.tally) || {};
  const mine = g.mine && g.mine.choice;
  const proposed = g.proposal && g.proposal.choice;
  return h(
    'div',
    { class: 'g-choices' },
    (g.node.choices || []).map((c, i) =>
      h(
        'button',
        {
          type: 'button',
          class: ['g-choice', c.id === mine && 'mine', c.id === proposed && 'proposed'],
          'data-choice': c.id,
          'data-testid': 'game-choice',
          'aria-pressed': String(c.id === mine),
          disabled: phoneBusy || sg.paused,
          onclick: () => act(send, 'game.pick', { node: g.node.id, choice: c.id, why: phoneWhy.trim() }),
        },
        h('span', { class: 'g-choice-letter', text: String.fromCharCode(65 + i) }),
        h('span', { class: 'g-choice-text', text: c.text }),
        tally[c.id] ? h('span', { class: 'g-choice-tally', text: t('game_votes', { n: tally[c.id] }) }) : null,
      ),
    ),
  );
}

async function act(send, type, data) {
  if (phoneBusy) return;
  phoneBusy = true;
  try {
    await send(type, data);
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    phoneBusy = false;
    phoneKey = '';
    window.dispatchEvent(new CustomEvent('gamerender'));
  }
}

// ------------------------------------------------------------ projector

let screenTab = 'summary';
let screenStops = [];
// The page the host turned the projector to (view.screen_page), null while
// the projector turns the pages itself; and what turns the pages shown.
let screenPage = null;
let paging = null;

/**
 * turnScreenPage shows the page the host turned the projector to (null:
 * the pages take turns by themselves) on the screen shown, without drawing
 * it again.
 */
export function turnScreenPage(page) {
  const p = page == null ? null : page;
  if (p === screenPage) return;
  screenPage = p;
  if (paging && paging.box.isConnected) {
    paging.stop();
    paging.stop = rotate(paging.box, 15000, screenPage);
  }
}

/** screenPages says whether the game's projector screen in v can have pages. */
export function screenPages(v) {
  return !!(v && v.game && v.game.debrief);
}

function stopScreen() {
  for (const s of screenStops) s();
  screenStops = [];
  if (paging) paging.stop();
  paging = null;
}

/** buildGameScreen draws the projector's game view; screen.js fits it. */
export function buildGameScreen(v) {
  stopScreen();
  const g = v.game;
  if (g.debrief) return buildDebrief(v, g);
  const teams = g.teams || [];
  return h(
    'section',
    { class: ['g-screen', g.paused && 'paused'], 'data-testid': 'game-screen', 'data-kmax': '1.3' },
    g.paused ? h('p', { class: 'g-paused-banner', role: 'status', 'data-testid': 'game-paused', text: t('game_paused') }) : null,
    h(
      'div',
      { class: 'g-screen-case' },
      h('h1', { class: 'g-screen-title', text: g.case ? g.case.title : '' }),
      g.case && g.case.intro ? h('div', { class: 'g-screen-intro' }, md(g.case.intro, { block: true })) : null,
      g.paused ? null : h('p', { class: 'g-screen-hint', text: t('game_screen_hint') }),
    ),
    h(
      'div',
      { class: ['g-progress', teams.length > 6 && 'many'] },
      teams.map((tm, i) => {
        const [clockEl, stop] = deadlineClock(tm.done || g.paused ? 0 : tm.deadline);
        screenStops.push(stop);
        return h(
          'div',
          { class: ['g-team', tm.done && 'done'], style: { '--team': teamColor(tm.id, i) }, 'data-testid': 'game-team', 'data-team': tm.id },
          h('span', { class: 'g-team-name', text: tm.name }),
          tm.done ? null : clockEl,
          h('span', { class: 'g-steps' }, Array.from({ length: tm.step }, () => h('span', { class: 'g-step-dot' }))),
          h('span', { class: 'g-team-state', text: tm.done ? t('game_done') : t('game_progress_step', { n: tm.step }) }),
        );
      }),
    ),
  );
}

function buildDebrief(v, g) {
  const d = g.debrief;
  const tabs = ['summary', ...d.cases.map((c) => c.id)];
  if (!tabs.includes(screenTab)) screenTab = 'summary';
  const sec = h('section', { class: 'g-debrief', 'data-testid': 'game-debrief' });
  const tabBar = h(
    'nav',
    { class: 'g-tabs', 'aria-label': t('game_debrief') },
    tabs.map((id, i) =>
      h('button', {
        type: 'button',
        class: ['g-tab', id === screenTab && 'active'],
        'data-tab': id,
        'data-testid': 'debrief-tab',
        'aria-pressed': String(id === screenTab),
        text: id === 'summary' ? t('game_summary') : `${i}. ${d.cases[i - 1].title}`,
        onclick: (e) => {
          screenTab = id;
          for (const b of tabBar.children) {
            b.classList.toggle('active', b.dataset.tab === id);
            b.setAttribute('aria-pressed', String(b.dataset.tab === id));
          }
          fitSection(sec);
          sec.afterFit();
          if (e.detail > 0) e.currentTarget.blur();
        },
      }),
    ),
  );
  const body = h('div', { class: 'g-debrief-body' });
  const drawTab = () => {
    stopScreen();
    if (screenTab === 'summary') summary(sec, body, g, d);
    else paths(sec, body, d, d.cases.find((c) => c.id === screenTab));
  };
  sec.reset = drawTab;
  // Pages of paths take turns once the section fits.
  sec.afterFit = () => {
    const box = body.querySelector('.fit-pages');
    if (paging) paging.stop();
    paging = box ? { box, stop: rotate(box, 15000, screenPage) } : null;
  };
  sec.append(tabBar, body);
  return sec;
}

// summary: the balance ranking and every meter over the game. What gives
// way when it does not fit: the formula, then the endings under each team.
function summary(sec, body, g, d) {
  let level = 0;
  const draw = () =>
    fill(
      body,
      h(
        'div',
        { class: 'g-summary' },
        h(
          'div',
          { class: 'g-rank-table', 'data-testid': 'game-ranking' },
          h('h2', { text: t('game_ranking') }),
          h(
            'ol',
            {},
            d.teams.map((tm) =>
              h(
                'li',
                { class: 'g-rank-row', style: { '--team': teamColor(tm.id) }, 'data-team': tm.id },
                h('span', { class: 'g-rank-place', text: String(tm.rank) }),
                h('span', { class: 'g-rank-name', text: tm.name }),
                level < 2 && (tm.endings || []).length ? h('span', { class: 'g-rank-endings', text: (tm.endings || []).map((e) => e.title).join(' · ') }) : null,
                h('span', { class: 'g-rank-balance', text: String(tm.balance) }),
              ),
            ),
          ),
          level < 1 ? h('p', { class: 'g-formula', text: t('game_formula') }) : null,
        ),
        h(
          'div',
          { class: 'g-charts' },
          h('h2', { text: t('game_chart') }),
          h(
            'ul',
            { class: 'g-legend' },
            d.teams.map((tm) => h('li', { style: { '--team': teamColor(tm.id) } }, h('span', { class: 'team-dot' }), h('span', { text: tm.name }))),
          ),
          h('div', { class: 'g-chart-grid' }, (g.meters || []).map((m) => chart(m, d))),
        ),
      ),
    );
  draw();
  sec.degrade = () => {
    if (level >= 2) return false;
    level++;
    draw();
    return true;
  };
}

/**
 * chart draws one meter over the game for every team, its healthy band
 * shaded. The lines are SVG; the band's limits are HTML text, so that they
 * are as large as any other text on the projector.
 */
function chart(m, d) {
  const W = 300;
  const H = 150;
  const series = d.teams.map((tm) => [m.start, ...(tm.path || []).map((s) => s.meters[m.id])]);
  const n = Math.max(2, ...series.map((s) => s.length));
  const all = series.flat().concat([m.low, m.high]);
  const lo = Math.min(...all) - 5;
  const hi = Math.max(...all) + 5;
  const x = (i) => (i / (n - 1)) * W;
  const y = (val) => (1 - (val - lo) / (hi - lo)) * H;
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', class: 'g-chart', role: 'img', 'aria-label': m.name });
  svg.append(svgEl('rect', { x: 0, y: y(m.high), width: W, height: y(m.low) - y(m.high), class: 'g-chart-band' }));
  d.teams.forEach((tm, i) => {
    const pts = series[i].map((val, j) => `${x(j).toFixed(1)},${y(val).toFixed(1)}`).join(' ');
    svg.append(svgEl('polyline', { points: pts, class: 'g-chart-line', stroke: teamColor(tm.id), fill: 'none' }));
  });
  const labels = [m.high, m.low].map((val) => h('span', { class: 'g-chart-label', style: { top: (y(val) / H) * 100 + '%' }, text: String(val) }));
  return h('figure', { class: 'g-chart-box', 'data-meter': m.id }, h('figcaption', { text: m.name }), h('div', { class: 'g-chart-plot' }, labels, svg));
}

// paths: each team's decisions in a case, a column a team. Many teams take
// turns in pages (every page is in the page at once, stacked, so all are
// measured); fewer columns a page when they do not fit.
function paths(sec, body, d, c) {
  const teams = d.teams;
  let per = Math.min(teams.length, 5);
  const column = (tm) => {
    const steps = (tm.path || []).filter((s) => s.case === c.id);
    const ending = (tm.endings || []).find((e) => e.case === c.id);
    return h(
      'div',
      { class: 'g-path', style: { '--team': teamColor(tm.id) }, 'data-team': tm.id },
      h('h3', { class: 'g-path-team', text: tm.name }),
      steps.length
        ? h(
            'ol',
            { class: 'g-path-steps' },
            steps.map((s) =>
              h(
                'li',
                { class: ['g-path-step', 'by-' + s.by] },
                s.event
                  ? h('span', { class: 'g-path-event', text: `${t('game_event')}: ${(d.events || {})[s.event] || s.event}` })
                  : s.by === 'stopped'
                    ? h('span', { class: 'g-path-stopped', text: t('game_by_host') })
                    : h('span', { class: 'g-path-choice', text: c.choices[`${s.node}/${s.choice}`] || s.choice }),
                s.by === 'forced' ? h('span', { class: 'g-path-forced', text: t('game_forced') }) : null,
                s.why ? h('q', { class: 'g-path-why', text: s.why }) : null,
              ),
            ),
          )
        : h('p', { class: 'g-path-none', text: t('game_no_path') }),
      ending ? h('p', { class: 'g-path-ending', text: ending.title }) : null,
    );
  };
  const draw = () => {
    const pages = [];
    for (let i = 0; i < teams.length; i += per) pages.push(teams.slice(i, i + per));
    fill(
      body,
      h(
        'div',
        { class: 'g-paths fit-pages', 'data-testid': 'game-paths', 'data-pages': String(pages.length) },
        pages.map((page, i) =>
          h('div', { class: 'g-paths-page fit-page', style: { '--cols': String(per) }, 'aria-label': t('game_page', { n: i + 1, count: pages.length }) }, page.map(column)),
        ),
        pages.length > 1 ? h('div', { class: 'fit-dots', 'aria-hidden': 'true' }, pages.map(() => h('span'))) : null,
      ),
    );
  };
  draw();
  sec.degrade = () => {
    if (per <= 2) return false;
    per--;
    draw();
    return true;
  };
}

// ------------------------------------------------------------ host

let hostKey = '';
let hostStops = [];

/**
 * renderGameHost draws the facilitator's game panel into box. command(type,
 * data) sends a host command.
 */
export function renderGameHost(box, v, command) {
  const g = v.game;
  box.hidden = !g;
  if (!g) return;
  const key = JSON.stringify([lang(), g]);
  if (key === hostKey) return;
  hostKey = key;
  for (const stop of hostStops) stop();
  hostStops = [];
  const byNode = {};
  for (const tm of g.teams || []) if (tm.node) (byNode[tm.node] = byNode[tm.node] || []).push(tm.name);
  fill(
    box,
    h('h2', { text: g.case ? caseLine(g.case) : t('game_debrief') }),
    g.case
      ? h(
          'div',
          { class: 'g-host-tools' },
          h('button', {
            type: 'button',
            class: 'btn',
            'data-testid': 'game-pause',
            text: g.paused ? t('game_resume') : t('game_pause'),
            onclick: () => command('game.pause', { paused: !g.paused }),
          }),
          h('button', {
            type: 'button',
            class: 'btn',
            'data-testid': 'game-extend',
            disabled: g.paused,
            text: t('game_extend'),
            onclick: () => command('game.extend', { seconds: 60 }),
          }),
        )
      : null,
    g.case && (g.events || []).length
      ? h(
          'div',
          { class: 'g-host-events' },
          h('span', { class: 'kicker', text: t('game_inject') }),
          g.events.map((ev) =>
            h('button', {
              type: 'button',
              class: 'btn btn-small',
              'data-event': ev.id,
              'data-testid': 'game-inject',
              disabled: ev.used,
              title: ev.text || '',
              text: ev.title,
              onclick: async () => {
                if (await command('game.inject', { event: ev.id })) toast(t('game_injected'));
              },
            }),
          ),
        )
      : null,
    h(
      'div',
      { class: 'g-host-teams', 'data-testid': 'game-host-teams' },
      (g.teams || []).map((tm, i) => hostTeam(g, tm, i, command)),
    ),
    (g.nodes || [])
      .filter((n) => n.notes && byNode[n.id])
      .map((n) =>
        h(
          'details',
          { class: 'g-notes', open: true, 'data-node': n.id },
          h('summary', {}, h('b', { text: t('game_notes') }), ` · ${t('game_teams_here', { teams: byNode[n.id].join(', ') })}`),
          h('p', { class: 'g-notes-node', text: gist(n.text) }),
          h('div', {}, md(n.notes, { block: true })),
        ),
      ),
  );
}

function hostTeam(g, tm, i, command) {
  const node = (g.nodes || []).find((n) => n.id === tm.node);
  const p = tm.proposal;
  const choice = p && p.choice && node && node.choices.find((c) => c.id === p.choice);
  const [clockEl, stop] = deadlineClock(tm.done || g.paused ? 0 : tm.deadline);
  hostStops.push(stop);
  const captainSelect = h(
    'select',
    {
      class: 'g-captain',
      'aria-label': t('game_make_captain'),
      onchange: (e) => command('game.captain', { team: tm.id, player: e.target.value }),
    },
    (tm.members || []).map((m) => h('option', { value: m.id, text: m.name, selected: m.name === tm.captain })),
  );
  return h(
    'div',
    { class: ['g-host-team', tm.done && 'done'], style: { '--team': teamColor(tm.id, i) }, 'data-team': tm.id },
    h('div', { class: 'g-host-team-head' }, h('span', { class: 'team-dot' }), h('b', { text: tm.name }), tm.done ? null : clockEl),
    h(
      'p',
      { class: 'g-host-where' },
      tm.done ? [t('game_done'), tm.ending].filter(Boolean).join(': ') : node ? gist(node.text) : '',
    ),
    choice ? h('p', { class: 'g-host-proposal' }, `${t('game_proposal')}: `, h('b', { text: choice.text }), p.why ? h('q', { text: p.why }) : null) : null,
    h(
      'div',
      { class: 'g-host-meters' },
      (g.meters || []).map((m) => meterBar(m, (tm.meters || {})[m.id] ?? m.start)),
    ),
    (tm.members || []).length ? h('label', { class: 'g-host-captain' }, `${t('game_captain')}: `, captainSelect) : null,
  );
}

/** nextLabel names the host's "next" in a game stage. */
export function gameNextLabel(v) {
  const g = v.game;
  if (!g || !g.case) {
    const last = !v.stage || v.stage.index >= (v.room.stages || 1) - 1;
    return last ? t('game_to_results') : t('game_next_stage');
  }
  return g.case.index + 1 < g.case.count ? t('game_next_case') : t('game_to_debrief');
}

/** gameAllDone reports whether every team finished the current case. */
export function gameAllDone(v) {
  return !v.game || !v.game.case || (v.game.teams || []).every((tm) => tm.done);
}
