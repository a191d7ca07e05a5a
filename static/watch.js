// watch.js: the phone of someone who only watches. It shows what every
// phone is sent (the question and its options, the answer, the standings,
// the podium, where the day stands) and nothing to press: a watcher is no
// player, and the server refuses any command it would send.
import { addStrings, fmtNum, h, md, optionBadge, optionLabel, t, teamColor, timerRing } from '/static/app.js';
import { dayPhone } from '/static/day.js';

addStrings({
  ru: {
    just_watch: 'Только смотреть',
    just_watch_help: 'Без команды: вопросы и итоги видны, отвечать нельзя.',
    watching: 'Вы смотрите',
    watching_lobby: 'Ведущий скоро начнёт. Вопросы и итоги появятся здесь.',
    watching_game: 'Команды решают кейс',
    watching_board: 'Команды работают на доске',
    watch_answers: ['{n} ответ', '{n} ответа', '{n} ответов'],
    stop_watching: 'Выйти',
  },
  en: {
    just_watch: 'Just watch',
    just_watch_help: 'No team: you see the questions and results, and do not answer.',
    watching: 'Watching',
    watching_lobby: 'The facilitator will start soon. Questions and results will show here.',
    watching_game: 'Teams are deciding the case',
    watching_board: 'Teams are working on the board',
    watch_answers: ['{n} answer', '{n} answers'],
    stop_watching: 'Leave',
  },
});

/** watchKey is what the watcher's screen depends on: rebuild when it changes. */
export function watchKey(state) {
  const q = state.question;
  return JSON.stringify([state.phase, q && q.id, q && q.deadline, q && q.paused, state.reveal && state.reveal.question, state.leaderboard,
    state.podium, state.stage && state.stage.index, state.game && state.game.case, state.game && state.game.paused, state.board && state.board.phase]);
}

/**
 * watchPhone builds the watcher's screen for the room's shared state;
 * onLeave forgets the room. Returns the element and a function that stops
 * its countdown.
 */
export function watchPhone(state, onLeave) {
  const ph = state.phase;
  const q = state.question;
  let stop = () => {};
  let body;
  if (ph === 'between') body = dayPhone(state);
  else if (ph === 'finished') body = state.leaderboard ? standings(state) : note(t('finished_heading'), '');
  else if (state.game) body = note(t('watching_game'), state.game.case ? state.game.case.title : '');
  else if (state.board) body = note(t('watching_board'), state.stage ? state.stage.title : '');
  else if (ph === 'question' && q) [body, stop] = question(q);
  // The reveal already carries the standings, and a phone gets no frame
  // when the projector moves on to the leaderboard: both show at once.
  else if (ph === 'reveal' && q) body = h('div', { class: 'p-watch-stack' }, reveal(q, state.reveal), state.leaderboard ? standings(state) : null);
  else if ((ph === 'leaderboard' || ph === 'finished') && state.leaderboard) body = standings(state);
  else body = note(t('watching_lobby'), '');
  const el = h(
    'section',
    { class: 'p-watch', 'data-testid': 'p-watch', 'data-phase': ph },
    h('p', { class: 'p-watch-badge', 'data-testid': 'watching' }, h('span', { class: 'dot-live', 'aria-hidden': 'true' }), h('span', { text: t('watching') })),
    body,
    h('button', { type: 'button', class: 'btn btn-ghost btn-small p-leave', 'data-testid': 'stop-watching', onclick: onLeave, text: t('stop_watching') }),
  );
  return { el, stop };
}

function note(title, sub) {
  return h('div', { class: 'p-watch-note' }, h('h1', { text: title }), sub ? h('p', { class: 'muted', text: sub }) : null);
}

function question(q) {
  const timer = timerRing('s');
  const el = h(
    'div',
    { class: 'p-question p-watch-question', 'data-question': q.id },
    h('div', { class: 'p-q-top' }, h('span', { class: 'p-q-num', text: t('question_n', { n: q.index + 1, count: q.count }) }), timer.el),
    h('h1', { class: 'p-q-text', 'data-testid': 'watch-question-text' }, md(q.text)),
    options(q, null),
  );
  return [el, timer.start(q, () => {})];
}

function options(q, reveal) {
  if (!q.options || !q.options.length) return null;
  const counts = new Map(((reveal && reveal.distribution) || []).map((c) => [c.option, c.count]));
  const correct = new Set((reveal && reveal.correct) || []);
  return h(
    'ul',
    { class: 'p-watch-options' },
    q.options.map((o, i) =>
      h(
        'li',
        { class: ['p-watch-option', reveal && correct.has(o.id) && 'is-correct', reveal && !correct.has(o.id) && q.type !== 'poll' && 'is-wrong'], 'data-option': o.id },
        optionBadge(q, i),
        h('span', { class: 'p-watch-option-text' }, md(optionLabel(q, o))),
        reveal ? h('span', { class: 'p-watch-count', text: fmtNum(counts.get(o.id) || 0) }) : null,
      ),
    ),
  );
}

function reveal(q, r) {
  if (!r) return note(t('look_at_screen'), '');
  let answer = null;
  if (q.type === 'numeric') answer = h('p', { class: 'p-correct-value', text: fmtNum(r.answer) });
  else if (q.type === 'text') {
    answer = h(
      'ul',
      { class: 'p-watch-texts' },
      (r.texts || []).slice(0, 8).map((x) => h('li', { class: x.correct && 'is-correct', text: `${x.text} · ${t('watch_answers', { n: x.count })}` })),
    );
  }
  return h(
    'div',
    { class: 'p-watch-reveal', 'data-testid': 'watch-reveal' },
    h('h1', { class: 'p-q-text' }, md(q.text)),
    options(q, r),
    answer,
    r.explanation ? h('div', { class: 'card p-explain' }, md(r.explanation, { block: true })) : null,
  );
}

function standings(state) {
  // On the podium, a place shows once the host has revealed it on the
  // projector: the watcher's phone does not tell the room first.
  const pod = state.phase === 'finished' && state.podium;
  const shown = (x) => !pod || pod.revealed >= 3 || x.rank > 3 - pod.revealed;
  const teams = (state.leaderboard.teams || []).filter(shown);
  const players = (state.leaderboard.players || []).filter(shown).slice(0, 5);
  return h(
    'div',
    { class: 'p-lb', 'data-testid': 'watch-standings' },
    h('h1', { class: 'p-section-title', text: state.phase === 'finished' ? t('finished_heading') : t('leaderboard') }),
    teams.length
      ? h(
          'div',
          { class: 'card' },
          h('h2', { text: t('teams_ranking') }),
          h(
            'ol',
            { class: 'p-team-list' },
            teams.map((tm, i) => row(tm.rank, tm.name, tm.points, teamColor(tm.id, i))),
          ),
        )
      : null,
    players.length
      ? h(
          'div',
          { class: 'card' },
          h('h2', { text: t('best_players') }),
          h(
            'ol',
            { class: 'p-team-list p-watch-players' },
            players.map((p) => row(p.rank, p.name, p.points, teamColor(p.team))),
          ),
        )
      : null,
  );
}

function row(rank, name, points, color) {
  return h(
    'li',
    { class: 'p-team-row', style: { '--team': color } },
    h('span', { class: 'p-rank', text: String(rank) }),
    h('span', { class: 'team-dot' }),
    h('span', { class: 'p-team-row-name', text: name }),
    h('span', { class: 'p-team-row-points', text: fmtNum(points) }),
  );
}
