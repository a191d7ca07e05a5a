// sound.js: short sound cues on the projector, made in the page with Web
// Audio (no files to fetch, nothing from another host). Muted until the
// facilitator turns them on; the choice is kept on this device. Cues: a
// question opens, each of its last five seconds, the answer is shown, the
// podium.
import { store } from '/static/app.js';

const KEY = 'huddle.sound';

let ctx = null;
let on = store.get(KEY) === true;

function audio() {
  if (!ctx) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    ctx = new AC();
  }
  // A context made before any tap starts suspended; a tap or key resumes it.
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
  return ctx;
}

/** note plays one tone: frequency in Hz, start and length in seconds from now. */
function note(ac, freq, at, len, { type = 'sine', gain = 0.18 } = {}) {
  const t0 = ac.currentTime + at;
  const osc = ac.createOscillator();
  const g = ac.createGain();
  osc.type = type;
  osc.frequency.setValueAtTime(freq, t0);
  g.gain.setValueAtTime(0.0001, t0);
  g.gain.exponentialRampToValueAtTime(gain, t0 + 0.012);
  g.gain.exponentialRampToValueAtTime(0.0001, t0 + len);
  osc.connect(g).connect(ac.destination);
  osc.start(t0);
  osc.stop(t0 + len + 0.05);
}

const CUES = {
  // two rising notes
  start: (ac) => {
    note(ac, 523.25, 0, 0.18, { type: 'triangle' });
    note(ac, 783.99, 0.14, 0.32, { type: 'triangle' });
  },
  // a short tick for each of the last seconds
  tick: (ac) => note(ac, 1046.5, 0, 0.07, { type: 'square', gain: 0.06 }),
  // a major chord, arpeggiated
  reveal: (ac) => {
    note(ac, 523.25, 0, 0.5);
    note(ac, 659.25, 0.08, 0.5);
    note(ac, 783.99, 0.16, 0.7);
  },
  // a fanfare
  podium: (ac) => {
    [523.25, 659.25, 783.99].forEach((f, i) => note(ac, f, i * 0.16, 0.2, { type: 'triangle' }));
    note(ac, 1046.5, 0.5, 0.9, { type: 'triangle', gain: 0.22 });
    note(ac, 783.99, 0.5, 0.9, { gain: 0.12 });
  },
};

/** sound plays cues when turned on. */
export const sound = {
  get on() {
    return on;
  },
  /** set turns the cues on or off (call it from a tap: browsers allow audio after one). */
  set(value) {
    on = !!value;
    store.set(KEY, on);
    if (on) {
      const ac = audio();
      if (ac) CUES.start(ac);
    }
  },
  /** wake resumes audio after a tap or a key, when cues are on. */
  wake() {
    if (on) audio();
  },
  /** cue plays one of: start, tick, reveal, podium. */
  cue(name) {
    if (!on || !CUES[name]) return;
    const ac = audio();
    if (!ac || ac.state !== 'running') return;
    CUES[name](ac);
    document.documentElement.dataset.cue = name; // the last cue played, for a test to see
  },
};
