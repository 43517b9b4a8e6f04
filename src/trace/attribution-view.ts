/**
 * The viewer's attribution view (a): integrated gradients (32 Gauss-Legendre points from a zero
 * baseline) where that is cheap, else gradient × input, for what the network says at the cursor, the
 * head's top output there (or, without a head, the selected unit's h in the last layer), over the
 * steps before it: which steps and features it came from. Exact, one forward and one backward pass
 * (engine/attribution.ts) over a window ending at the cursor, from the state the trace holds at the
 * window's start (so the inputs before it count as fixed: what the window's inputs did, exactly).
 * The window is bounded by cost like the memory view's, so a key press stays quick.
 */
import { gradientTimesInput, integratedGradients, type Attribution, type AttributionTarget } from '../engine/attribution.js';
import { headForward } from '../engine/model.js';
import { flopsPerStep, outputSize, runSequence, softmax, type InitialState } from '../engine/index.js';
import type { TraceStore } from './trace-store.js';

/** Most steps attributed back from the cursor. */
export const ATTRIBUTION_MAX_WINDOW = 200;
/** Cost cap of the forward and backward pass, in multiply-adds (a few tens of ms). */
export const ATTRIBUTION_BUDGET = 3.6e7;
/** Path points of the integrated gradients the view computes when 32 passes fit in the budget. */
export const ATTRIBUTION_IG_POINTS = 32;

export interface AttributionResult {
  readonly cursor: number;
  /** First step attributed; perStep[i] is step start + i. */
  readonly start: number;
  /** True when steps before `start` are held but left out (a big network's window). */
  readonly limited: boolean;
  /** What is explained: `pred[2] ("e")` or `h[3] (layer 1)`. */
  readonly target: string;
  readonly value: number;
  /** How: `integrated gradients, 32 points from zeros` or `gradient × input`. */
  readonly method: string;
  /** Integrated gradients: the attributions' sum minus F(x) − F(0), relative to the latter; NaN for gradient × input. */
  readonly gap: number;
  /** (window) Σ over features of each step's attribution. */
  readonly perStep: Float64Array;
  /** (D) Σ over the window's steps, per input feature. */
  readonly perFeature: Float64Array;
}

export type AttributionState = { readonly status: 'done'; readonly result: AttributionResult } | { readonly status: 'failed'; readonly message: string };

/** Steps attributed back from the cursor for this network. */
export function attributionWindow(store: TraceStore): number {
  const byCost = Math.floor(ATTRIBUTION_BUDGET / Math.max(1, 3 * flopsPerStep(store.network)));
  return Math.max(1, Math.min(ATTRIBUTION_MAX_WINDOW, byCost));
}

export function attributeAt(store: TraceStore, cursor: number, unit: number): AttributionState {
  const net = store.network;
  if (!net.directions.every((d) => d === 'forward')) {
    return { status: 'failed', message: 'the attribution view needs a forward-only network: here y at a step also depends on later steps (gatescope attribute does the whole sequence)' };
  }
  if (!store.holds(cursor)) return { status: 'failed', message: 'this step is not held' };
  const start = Math.max(store.first, cursor - attributionWindow(store) + 1);
  const xs = Array.from({ length: cursor - start + 1 }, (_, i) => store.x(start + i));
  // the state the trace holds at the window's start, as the initial state of the run
  const init: InitialState | undefined =
    start === 0
      ? store.init
      : {
          h0: Array.from({ length: net.numLayers }, (_, k) => store.previous('h', k, 0, start)),
          c0:
            net.kind === 'lstm'
              ? Array.from({ length: net.numLayers }, (_, k) => store.previous('c', k, 0, start))
              : net.kind === 'slstm'
                ? // an sLSTM's state is c, n and m: without them the window would start from zeros
                  Array.from({ length: net.numLayers }, (_, k) => Float64Array.from([...store.previous('c', k, 0, start), ...store.previous('n', k, 0, start), ...store.previous('m', k, 0, start)]))
                : net.kind === 'mlstm'
                  ? // an mLSTM's n, m and matrices C, which the rows do not hold: the engine's own state before start
                    Array.from({ length: net.numLayers }, (_, k) => store.cellStateBefore(k, 0, start))
                  : null,
        };
  const t = xs.length - 1;
  let target: AttributionTarget;
  let text: string;
  const head = store.head;
  if (head !== null) {
    const y = runSequence(net, xs, init)[t]!.y;
    const pred = new Float64Array(head.outSize);
    headForward(head, y, pred);
    const p = head.outSize > 1 ? softmax(pred) : pred;
    const index = p.indexOf(Math.max(...p));
    target = { kind: 'pred', t, index, head };
    const name = store.classNames?.[index];
    text = head.outSize > 1 ? `pred[${index}]${name !== undefined ? ` (${JSON.stringify(name)})` : ''}, the top output` : 'the prediction';
  } else {
    const u = Math.min(unit, outputSize(net) - 1);
    target = { kind: 'h', t, layer: net.numLayers - 1, direction: 0, unit: u };
    text = `h[${u}]${net.numLayers > 1 ? ` of layer ${net.numLayers - 1}` : ''}`;
  }
  // integrated gradients when its passes fit the budget (a small network: the demos), else one pass
  const ig = ATTRIBUTION_IG_POINTS * 3 * flopsPerStep(net) * xs.length <= ATTRIBUTION_BUDGET;
  const a: Attribution = ig
    ? integratedGradients(net, xs, target, { steps: ATTRIBUTION_IG_POINTS, ...(init !== undefined ? { init } : {}) })
    : gradientTimesInput(net, xs, target, init);
  const change = Math.abs(a.value - a.baselineValue);
  const perFeature = new Float64Array(net.inputSize);
  for (const row of a.attributions) for (let j = 0; j < row.length; j++) perFeature[j]! += row[j]!;
  return {
    status: 'done',
    result: {
      cursor,
      start,
      limited: start > store.first,
      target: text,
      value: a.value,
      method: ig ? `integrated gradients, ${ATTRIBUTION_IG_POINTS} points from zeros` : 'gradient × input',
      gap: ig ? Math.abs(a.delta) / (change > 0 ? change : 1) : Number.NaN,
      perStep: a.perStep,
      perFeature,
    },
  };
}
