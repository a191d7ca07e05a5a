// day.js: a day of several stage kinds (the course: quiz, business game,
// board). Between stages the projector shows where the day stands and what
// it has produced so far; at the end, the same as the day's summary. The
// phones show a short pause card. Names and recommendation titles are what
// people typed: always set as text.
import { h, t, addStrings, teamColor, icon } from '/static/app.js';

addStrings({
  ru: {
    phase_between: 'Перерыв между этапами',
    control_next_stage: 'Следующий этап',
    day_between: 'Этап позади',
    day_finished: 'Итоги дня',
    day_next: 'Дальше: {title}',
    day_quiz: 'Викторина: команды',
    day_game: 'Игра: баланс',
    day_board: 'Рекомендации',
    day_points: ['{n} очко', '{n} очка', '{n} очков'],
    day_in_band: 'все показатели в норме',
    day_out: ['{n} показатель вне нормы', '{n} показателя вне нормы', '{n} показателей вне нормы'],
    day_none: 'Пока ничего',
    day_pause_phone: 'Небольшой перерыв. Следующий этап скоро начнётся — оставайтесь в своей команде.',
    kind_quiz: 'Викторина',
    kind_game: 'Деловая игра',
    kind_board: 'Хакатон',
    control_pause: 'Пауза',
    control_resume: 'Продолжить',
    control_extend: '+30 секунд',
    control_skip: 'Пропустить вопрос',
    skip_confirm: 'Пропустить вопрос? Очков за него не будет, правильный ответ не покажем.',
    texts_heading: 'Ответы на экране',
    move_to: 'В команду…',
    control_reveal_place: 'Показать {n}-е место',
    control_day_summary: 'Итоги дня',
    text_hide: 'Скрыть',
    text_show: 'Показать',
  },
  en: {
    phase_between: 'Between stages',
    control_next_stage: 'Next stage',
    day_between: 'Stage done',
    day_finished: 'The day in summary',
    day_next: 'Next: {title}',
    day_quiz: 'Quiz: teams',
    day_game: 'Game: balance',
    day_board: 'Recommendations',
    day_points: ['{n} point', '{n} points'],
    day_in_band: 'every meter in range',
    day_out: ['{n} meter out of range', '{n} meters out of range'],
    day_none: 'Nothing yet',
    day_pause_phone: 'A short break. The next stage starts soon: stay with your team.',
    kind_quiz: 'Quiz',
    kind_game: 'Business game',
    kind_board: 'Hackathon',
    control_pause: 'Pause',
    control_resume: 'Resume',
    control_extend: '+30 seconds',
    control_skip: 'Skip question',
    skip_confirm: 'Skip this question? Nobody scores it, and its answer is not shown.',
    texts_heading: 'Answers on the projector',
    move_to: 'Move to…',
    control_reveal_place: 'Show place {n}',
    control_day_summary: 'The day in summary',
    text_hide: 'Hide',
    text_show: 'Show',
  },
});

const MAX_ROWS = 6; // rows per column: the screen fits them at 1280×720

/** isDayScreen reports whether the projector shows the day instead of the stage. */
export function isDayScreen(v) {
  return !!(v && v.day && v.day.summary && (v.phase === 'between' || (v.phase === 'finished' && podiumDone(v))));
}

/** podiumDone: the host revealed every step of the podium (rooms from before the steps show it whole). */
export function podiumDone(v) {
  return !v.podium || v.podium.revealed >= v.podium.steps;
}

/** placeShown: whether the podium shows place (1–3) yet: the third first, the first last. */
export function placeShown(v, place) {
  return !v.podium || v.podium.revealed >= 4 - place;
}

/** podiumNextLabel is the host's next button on the podium. */
export function podiumNextLabel(v) {
  const r = v.podium.revealed;
  return r >= 3 ? t('control_day_summary') : t('control_reveal_place', { n: 3 - r });
}

function stageTitle(st) {
  return st.title || t('kind_' + st.kind);
}

function nextStage(v) {
  return (v.day.stages || []).find((s) => s.status === 'next');
}

/** dayNextLabel is the host's next button between stages. */
export function dayNextLabel(v) {
  const nx = nextStage(v);
  return nx ? `${t('control_next_stage')}: ${stageTitle(nx)}` : t('control_next_stage');
}

function stepper(v) {
  return h(
    'ol',
    { class: 'day-steps', 'data-testid': 'day-steps' },
    v.day.stages.map((st) =>
      h(
        'li',
        { class: ['day-step', 'day-st-' + st.status], 'data-status': st.status },
        h('span', { class: 'day-step-mark', 'aria-hidden': 'true' }, st.status === 'done' ? icon('check') : String(st.index + 1)),
        h('span', { class: 'day-step-text' }, h('span', { class: 'day-step-kind', text: t('kind_' + st.kind) }), h('span', { class: 'day-step-title', text: stageTitle(st) })),
      ),
    ),
  );
}

function column(title, testid, rows) {
  return h(
    'section',
    { class: 'day-col', 'data-testid': testid },
    h('h2', { text: title }),
    rows.length ? h('ol', { class: 'day-list' }, rows.slice(0, MAX_ROWS)) : h('p', { class: 'day-none', text: t('day_none') }),
  );
}

function row(rank, name, detail, color) {
  return h(
    'li',
    { class: ['day-row', rank === 1 && 'day-first'], style: color ? { '--team': color } : null },
    h('span', { class: 'day-rank', text: String(rank) }),
    h('span', { class: 'day-name', text: name }),
    detail ? h('span', { class: 'day-detail', text: detail }) : null,
  );
}

function teamColorByName(v, name) {
  const i = (v.teams || []).findIndex((tm) => tm.name === name);
  return i >= 0 ? teamColor(v.teams[i].id, i) : null;
}

/** dayScreen is the projector's screen between stages and at the end of a day. */
export function dayScreen(v) {
  const sum = v.day.summary;
  const done = v.phase === 'finished';
  const nx = nextStage(v);
  const cols = [];
  if (sum.quiz && sum.quiz.length) {
    cols.push(column(t('day_quiz'), 'day-quiz', sum.quiz.map((tm) => row(tm.rank, tm.name, t('day_points', { n: tm.points }), teamColorByName(v, tm.name)))));
  }
  for (const g of sum.games || []) {
    cols.push(
      column(
        t('day_game'),
        'day-game',
        g.teams.map((tm) => row(tm.rank, tm.name, tm.out_of_band ? t('day_out', { n: tm.out_of_band }) : t('day_in_band'), teamColorByName(v, tm.name))),
      ),
    );
  }
  for (const b of sum.boards || []) {
    cols.push(column(t('day_board'), 'day-board', b.recommendations.map((r) => row(r.rank, r.title, (r.teams || []).join(', ')))));
  }
  return h(
    'section',
    { class: ['day', done && 'day-done'], 'data-testid': done ? 'day-summary' : 'phase-between' },
    h(
      'header',
      { class: 'day-head' },
      icon(done ? 'trophy' : 'check'),
      h('h1', { text: done ? t('day_finished') : t('day_between') }),
      nx ? h('p', { class: 'day-next', 'data-testid': 'day-next', text: t('day_next', { title: stageTitle(nx) }) }) : null,
    ),
    stepper(v),
    h('div', { class: ['day-cols', 'day-cols-' + cols.length] }, cols),
  );
}

/** dayPhone is a phone's card between stages. */
export function dayPhone(state) {
  const nx = state.day && nextStage(state);
  return h(
    'section',
    { class: 'p-day', 'data-testid': 'p-between' },
    h('h1', { text: t('day_between') }),
    nx ? h('p', { class: 'p-day-next', text: t('day_next', { title: stageTitle(nx) }) }) : null,
    h('p', { class: 'muted', text: t('day_pause_phone') }),
  );
}
