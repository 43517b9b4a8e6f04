/**
 * The remember demo's three networks (LSTM, RNN, GRU) run by the engine itself, step by step, for
 * tests that check the tour's numbers on screen: each step's gates, h and c per unit, the head's
 * predictions and the memory spans, computed here without the trace store or the viewer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStepper, memoryProfile, memorySpan, type Network } from '../../src/engine/index.js';
import { predictSequence, type TrainedHead, type TrainedModel } from '../../src/engine/train/index.js';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import { parseStateDictJson } from '../../src/io/weights/state-dict-json.js';
import { ROOT } from './build.js';
import { stateOf } from './step-state.js';

const DEMOS = join(ROOT, 'fixtures', 'demos');

export interface EngineRun {
  readonly model: TrainedModel;
  /** states[t][name][unit]: gates by name, h and (LSTM) c after step t. */
  readonly states: readonly Readonly<Record<string, Float64Array>>[];
  readonly predictions: readonly Float64Array[];
  /** The memory span of x at the last step (≥ 1% of the latest), as the memory view measures it. */
  readonly span: number;
}

function load(file: string, kind: Network['kind']): TrainedModel {
  const tensors = parseStateDictJson(readFileSync(join(DEMOS, file), 'utf8'), file);
  const { network, extra } = networkFromStateDict(tensors, { source: file, kind });
  const w = extra.get('head.weight')!;
  const head: TrainedHead = { inSize: w.shape[1]!, outSize: w.shape[0]!, weight: w.data, bias: extra.get('head.bias')!.data };
  return { network, head };
}

export const rememberRows: readonly number[][] = readFileSync(join(DEMOS, 'remember', 'input.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(',').map(Number));

const NAMES: Readonly<Record<string, readonly string[]>> = { lstm: ['i', 'f', 'g', 'o', 'c', 'h'], gru: ['r', 'z', 'n', 'h'], rnn_tanh: ['h'] };

function run(file: string, kind: Network['kind']): EngineRun {
  const model = load(file, kind);
  const stepper = createStepper(model.network);
  const states = rememberRows.map((x) => {
    const step = stepper.step(x);
    return Object.fromEntries(NAMES[kind]!.map((n) => [n, Float64Array.from(stateOf(model.network, step, n, 0, 0))]));
  });
  const profile = memoryProfile(model.network, rememberRows);
  return { model, states, predictions: predictSequence(model, rememberRows), span: memorySpan(profile, 'x', 0.01) };
}

export const remember = {
  lstm: run('remember/lstm.json', 'lstm'),
  rnn: run('remember/rnn.json', 'rnn_tanh'),
  gru: run('remember-gru/gru.json', 'gru'),
};

/** A value as the tour and the diagram write it: sign and three decimals. */
export const fmt3 = (x: number): string => `${x < 0 ? '' : '+'}${x.toFixed(3)}`;

/** The unit whose gate is open most on average after step 1 (the one holding the value). */
export function holding(r: EngineRun, gate: string): number {
  const H = r.model.network.hiddenSize;
  let best = 0;
  let bestMean = -Infinity;
  for (let u = 0; u < H; u++) {
    let s = 0;
    for (let t = 1; t < r.states.length; t++) s += r.states[t]![gate]![u]!;
    if (s > bestMean) [best, bestMean] = [u, s];
  }
  return best;
}

/** The value at step t of a state, and the one before it (zero before step 1). */
export function at(r: EngineRun, name: string, t: number, unit: number): number {
  return r.states[t]![name]![unit]!;
}
export function before(r: EngineRun, name: string, t: number, unit: number): number {
  return t === 0 ? 0 : r.states[t - 1]![name]![unit]!;
}

/** What each chapter must show, computed from the engine: strings to find on its screen (whitespace folded). */
export function chapterExpectations(): string[][] {
  const { lstm, rnn, gru } = remember;
  const T = rememberRows.length;
  const u = holding(lstm, 'f');
  const mid = 19;
  const last = T - 1;
  const value = rememberRows[0]![0]!;
  // chapter 2: the RNN unit with the largest |h_prev| at step 10, its value times 3 and through tanh
  const t2 = 9;
  let ru = 0;
  for (let k = 1; k < 8; k++) if (Math.abs(before(rnn, 'h', t2, k)) > Math.abs(before(rnn, 'h', t2, ru))) ru = k;
  const h0 = before(rnn, 'h', t2, ru);
  const times = [1, 2, 3].map((k) => fmt3(h0 * 3 ** k));
  let sq = h0;
  const squashed = [1, 2, 3, 4, 5, 6].map(() => fmt3((sq = Math.tanh(3 * sq))));
  const lg = (name: string, t: number): number => at(lstm, name, t, u);
  const logit = (p: number): number => Math.log(p / (1 - p));
  const f = lg('f', mid);
  const cPrev = before(lstm, 'c', mid, u);
  const gu = holding(gru, 'z');
  return [
    [`reaches back ${lstm.span} steps`, `reports ŷ ${fmt3(lstm.predictions[last]![0]!)} (the value was ${fmt3(value)})`, `RNN: reaches back ${rnn.span} steps and reports ŷ ${fmt3(rnn.predictions[last]![0]!)}`],
    [`real h_prev, ${fmt3(h0)}`, ...times.map((x) => ` ${x} `), ...squashed.map((x) => ` ${x}`), `──▶ h ${fmt3(at(rnn, 'h', t2, ru))}`, `cell diagram · unit ${ru} ·`],
    [`f: a ${fmt3(logit(lg('f', mid)))} → σ ${fmt3(lg('f', mid))}`, `o: a ${fmt3(logit(lg('o', mid)))} → σ ${fmt3(lg('o', mid))}`, `g: a ${fmt3(Math.atanh(lg('g', mid)))} → tanh ${fmt3(lg('g', mid))}`, `u${u} `],
    [`Here f = ${fmt3(f)}: of c_prev = ${fmt3(cPrev)} it keeps ${fmt3(f * cPrev)}`, `c_prev ${fmt3(cPrev)} ─▶(×)`, `f ${fmt3(f)} σ`],
    [`i·g = ${fmt3(lg('i', 0))} × ${fmt3(lg('g', 0))} = ${fmt3(lg('i', 0) * lg('g', 0))}`, `step 1/${T} (t=0)`],
    [`c = f·c_prev + i·g = ${fmt3(f * cPrev)} + ${fmt3(lg('i', mid) * lg('g', mid))} = ${fmt3(lg('c', mid))}`, `┬──▶ c ${fmt3(lg('c', mid))}`],
    [`Here o = ${fmt3(lg('o', last))}, tanh(c) = ${fmt3(Math.tanh(lg('c', last)))}, so h = ${fmt3(lg('h', last))}`, `──▶ h ${fmt3(lg('h', last))}`],
    [`unit ${gu} holds step 1's value with z = ${fmt3(at(gru, 'z', mid, gu))}`, `z ${fmt3(at(gru, 'z', mid, gu))} σ`, `unit ${gu}'s h: ${fmt3(at(gru, 'h', 0, gu))} at step 1, ${fmt3(at(gru, 'h', mid, gu))} at step ${mid + 1}, held`, `h = (1−z)·n + z·h_prev = ${fmt3((1 - at(gru, 'z', mid, gu)) * at(gru, 'n', mid, gu))} + ${fmt3(at(gru, 'z', mid, gu) * before(gru, 'h', mid, gu))} = ${fmt3(at(gru, 'h', mid, gu))}`],
    ['gatescope data.csv -w model.json', 'gatescope demo --list', `step ${T}/${T}`, `u${u} `],
  ];
}
