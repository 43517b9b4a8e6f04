/**
 * The status line: the source, the cell and its sizes, the layer and direction, step N/T, the play
 * state, the input's label and the heads' predictions, shortened piece by piece to the width.
 */
import { cellLabel } from '../../engine/index.js';
import type { TraceStore } from '../../trace/trace-store.js';
import { fit, fmtNum, textWidth } from '../format.js';
import { networkLabel, networkTitle } from '../networks.js';
import { stepsPerSecond } from '../session.js';
import { className, guessesAt, isClassifier, mark, NO_TASK, targetAt } from '../task.js';
import { blocks, held, inputStore, stepKey, viewOf, type Block, type FrameInput, type FrameSection } from './shared.js';

const SEP = ' │ ';

// ---- status line ------------------------------------------------------------------------

interface Piece {
  /** Longest first: the line uses shorter forms before it drops a piece. */
  readonly alts: readonly string[];
  /** Higher stays longer when the line is too narrow. */
  readonly priority: number;
  readonly style?: 'title' | 'accent' | 'warn' | 'dim';
}

/** The input's name, then shorter: without a parenthesised detail, or the file name alone. */
function sourceAlts(source: string): string[] {
  const alts = [source];
  const bare = source.replace(/ \(.*\)$/, '');
  if (bare !== source) alts.push(bare);
  const file = bare.split('/').at(-1) ?? bare;
  if (file !== bare && file !== '') alts.push(file);
  return alts;
}

/** Pieces of at least this priority are shortened before any is dropped. */
const MAJOR = 8;

export function statusLine(f: FrameInput): string {
  const { store, session: s, theme } = f;
  const net = store.network;
  const { layer, dir } = viewOf(store, s.view);
  const pieces: Piece[] = [{ alts: ['gatescope'], priority: 1, style: 'title' }, { alts: sourceAlts(store.source), priority: 6 }];
  const kind = cellLabel(net.kind);
  const dirs = net.directions.length > 1 ? 'bidirectional' : net.directions[0] === 'reverse' ? 'reverse' : '';
  const proj = net.projSize != null && net.projSize > 0 ? net.projSize : 0;
  const longCell = [`${kind} ${net.inputSize}→${net.hiddenSize}${proj > 0 ? `, h projected to ${proj}` : ''}`, net.numLayers > 1 ? `${net.numLayers} layers` : '', dirs].filter((x) => x !== '').join(', ');
  const shortCell = `${kind} ${net.inputSize}→${net.hiddenSize}${proj > 0 ? `→${proj}` : ''}${net.numLayers > 1 ? ` L${net.numLayers}` : ''}${dirs === 'bidirectional' ? ' bi' : dirs === 'reverse' ? ' rev' : ''}`;
  const pair = f.pair != null && s.other !== null ? blocks(f) : null;
  if (pair === null) pieces.push({ alts: [longCell, shortCell], priority: 5 });
  else {
    // Both networks, named; the focused one first marked.
    const [a, b] = pair as [Block, Block];
    const mark = (x: Block): string => (x.focused ? '▶ ' : '');
    pieces.push({
      alts: [
        `${mark(a)}${networkTitle(a.store.network, a.name)} vs ${mark(b)}${networkTitle(b.store.network, b.name)}`,
        `${mark(a)}${networkLabel(a.store.network)} vs ${mark(b)}${networkLabel(b.store.network)}`,
        `${mark(a)}${cellLabel(a.store.network.kind)} vs ${mark(b)}${cellLabel(b.store.network.kind)}`,
      ],
      priority: 5,
    });
  }
  if (store.viewCount > 1) {
    const d = store.direction(dir);
    // 1-based like the steps; run, stats and the CSV count layers from 0 (l0): both are said.
    pieces.push({ alts: [`layer ${layer + 1}/${net.numLayers} ${d} (l${layer})`, `L${layer + 1}/${net.numLayers} ${d === 'forward' ? '→' : '←'}`], priority: 8 });
  }
  const more = s.done ? '' : '+';
  pieces.push({ alts: s.T === 0 ? [`step 0/0${more}`] : [`step ${s.cursor + 1}/${s.T}${more} (t=${s.cursor})`, `step ${s.cursor + 1}/${s.T}${more}`], priority: 11, style: 'title' });
  const task = f.task ?? NO_TASK;
  if (task.randomWeights) pieces.push({ alts: ['random weights (untrained)', 'random weights'], priority: 9, style: 'warn' });
  const sps = stepsPerSecond(s);
  if (f.layout.snapshot) {
    // a still picture has no play state
  } else if (s.playing) pieces.push({ alts: [`▶ playing ${sps}/s`, `▶ ${sps}/s`], priority: 7, style: 'accent' });
  else if (!s.follow) pieces.push({ alts: [`paused ${sps}/s`, 'paused'], priority: 2 });
  // (following, the cursor moves with the data: "paused" beside "follow" read as stuck)
  if (s.follow) pieces.push({ alts: ['follow'], priority: 9, style: 'accent' });
  if (s.T > 0) {
    const input = inputStore(f);
    const label = input.label(s.cursor);
    pieces.push({ alts: [input.tokens ? `“${label}”` : label], priority: 4 });
    const alts = predictionAlts(f, (pair ?? [{ store } as Block]).map((b) => b.store));
    if (alts !== null) pieces.push({ alts, priority: 10 });
  }
  const width = f.layout.cols;
  const chosen = pieces.map(() => 0);
  let kept = pieces.map((_, i) => i);
  const text = (i: number): string => pieces[i]!.alts[chosen[i]!]!;
  const total = (): number => kept.reduce((w, i) => w + textWidth(text(i)), 0) + SEP.length * (kept.length - 1) + 1;
  // Lowest priority first: the minor pieces shortened, then dropped; then the ones that matter
  // (the step, the prediction, the layer, random weights) shortened, and dropped only at last.
  const byPriority = [...kept].sort((a, b) => pieces[a]!.priority - pieces[b]!.priority);
  const minor = byPriority.filter((i) => pieces[i]!.priority < MAJOR);
  const major = byPriority.filter((i) => pieces[i]!.priority >= MAJOR);
  for (const i of minor) {
    if (total() <= width) break;
    chosen[i] = pieces[i]!.alts.length - 1;
    if (total() > width && kept.length > 1) kept = kept.filter((k) => k !== i);
  }
  for (const i of major) {
    for (let a = chosen[i]!; a < pieces[i]!.alts.length && total() > width; a++) chosen[i] = a;
  }
  for (const i of major) {
    if (total() <= width || kept.length === 1) break;
    kept = kept.filter((k) => k !== i);
  }
  // Whatever is left is cut to the width, piece by piece, so no escape sequence is cut in half.
  let used = 1;
  let line = ' ';
  kept.forEach((i, n) => {
    const p = pieces[i]!;
    const sep = n === 0 ? '' : SEP;
    const room = width - used - sep.length;
    if (room <= 0) return;
    const t = textWidth(text(i)) > room ? fit(text(i), room) : text(i);
    line += (sep === '' ? '' : theme.style('dim', sep)) + (p.style ? theme.style(p.style, t) : t);
    used += sep.length + textWidth(t);
  });
  return line;
}

/**
 * The heads' predictions at the cursor with the target, longest first: `ŷ 0.8902 ✓ vs ŷ 0.0166 ✗
 * · target 0.893`, `predicts “)” p 0.93 · actual “)” ✓`; null when no network has a head.
 */
function predictionAlts(f: FrameInput, stores: readonly TraceStore[]): string[] | null {
  const s = f.session;
  const t = s.cursor;
  const rule = f.task?.target ?? null;
  const input = inputStore(f);
  const preds = stores.map((st) => {
    const p = predictionText(st, t);
    const tgt = p === null ? null : targetAt(st, input, rule, t, s.T, s.done);
    return { long: p?.long ?? null, short: p?.short ?? null, target: tgt };
  });
  if (preds.every((p) => p.long === null)) return null;
  const target = preds.find((p) => p.target !== null)?.target ?? null;
  const join = (key: 'long' | 'short', marks: boolean): string =>
    preds.map((p) => (p[key] ?? '–') + (marks && p.target !== null ? mark(p.target.ok) : '')).join(' vs ');
  const tail = target === null ? '' : ` · ${target.text}`;
  return [join('long', true) + tail, join('short', true) + tail, join('short', true), join('short', false)];
}

/** The head's prediction at step t in words (`ŷ 0.8902`, `predicts “(” p 0.93`), or null without a head. */
function predictionText(store: TraceStore, t: number): { long: string; short: string } | null {
  if (!held(store, t)) return null;
  const pred = store.prediction(t);
  if (pred === null) return null;
  if (isClassifier(store)) {
    const best = guessesAt(store, t, 1)![0]!;
    const p = fmtProb(best.p);
    return { long: `predicts ${className(store, best.index)} (p ${p})`, short: `${className(store, best.index)} p ${p}` };
  }
  return { long: `ŷ ${fmtNum(pred[0]!)}`, short: fmtNum(pred[0]!) };
}

/** A probability in 4 columns: `0.93`, `1.00`, `<.01`. */
export function fmtProb(p: number): string {
  if (Number.isNaN(p)) return 'nan';
  if (p > 0 && p < 0.005) return '<.01';
  return p.toFixed(2);
}

export const statusSection: FrameSection = {
  id: 'status',
  lines: (f) => [statusLine(f)],
  memoKey: (f) => `${stepKey(f)}|${f.session.done}|${f.session.playing}|${f.session.speed}|${f.session.follow}`,
};
