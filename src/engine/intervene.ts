/**
 * Interventions: set a gate, a state or an input value by hand over a range of steps and run the
 * network on from there, as nnsight/LIT-style "edit and re-run" does. The model itself is never
 * changed: an intervention is applied to a step's record right after the cell computed it, and
 * everything downstream (the rest of the cell's equations, the layers above, the next steps)
 * sees the set value.
 *
 * Per cell, what a set value flows into (the other values are recomputed from it with the cell's
 * own equations; pre-activations stay as computed, before the edit):
 *   LSTM  i, f, g -> c = f*c_prev + i*g -> h = o*tanh(c) (projected: W_hr (o*tanh(c)));  o -> h;  c -> h;  h
 *   GRU   r -> n = tanh(W_in x + b_in + r*(W_hn h_prev + b_hn)) -> h;  z, n -> h = (1-z)*n + z*h_prev;  h
 *   RNN   h
 *   x     the input feature itself, before layer 0
 * Refused: an LSTM with ONNX peepholes (o reads the new c) and r of a GRU in ONNX's
 * linear_before_reset=0 form (r scales h_prev inside the product), where an edit has no single meaning.
 */
import { clipValue } from './activations.js';
import { allocNetworkStep, cellStep, initialRow, ShapeError, validateNetwork } from './network.js';
import { cellLabel, cellStateSize, GATE_NAMES, outputSize, STATE_NAMES } from './shapes.js';
import type { Network, NetworkStep, InitialState, StepRecord } from './types.js';

export interface Intervention {
  /** A STATE_NAMES entry of the cell (LSTM i f g o c h, GRU r z n h, RNN h), or 'x' for an input feature. */
  readonly name: string;
  /** Layer and direction index (ignored for x). */
  readonly layer: number;
  readonly direction: number;
  /** The unit (feature for x), or null for every one. */
  readonly unit: number | null;
  /** First and last step (inclusive); `to` may be Infinity. */
  readonly from: number;
  readonly to: number;
  readonly value: number;
}

/** Throws ShapeError naming what does not fit the network. */
export function checkInterventions(net: Network, list: readonly Intervention[]): void {
  // an mLSTM's matrix memory C has no per-unit edit here yet: refused rather than half-applied
  if (net.kind === 'mlstm' && list.length > 0) throw new ShapeError(`an ${cellLabel(net.kind)} takes no interventions yet (its memory is a matrix per head)`);
  for (const iv of list) {
    const what = describeIntervention(net, iv);
    if (!Number.isFinite(iv.value)) throw new ShapeError(`${what}: the value must be a finite number`);
    if (!(Number.isInteger(iv.from) && iv.from >= 0 && (iv.to === Infinity || (Number.isInteger(iv.to) && iv.to >= iv.from)))) {
      throw new ShapeError(`${what}: steps ${iv.from}..${iv.to} are not a range of steps`);
    }
    if (iv.name === 'x') {
      if (iv.unit !== null && !(Number.isInteger(iv.unit) && iv.unit >= 0 && iv.unit < net.inputSize)) {
        throw new ShapeError(`${what}: feature ${iv.unit} is outside 0..${net.inputSize - 1}`);
      }
      continue;
    }
    if (!STATE_NAMES[net.kind].includes(iv.name)) {
      throw new ShapeError(`${what}: ${net.kind === 'lstm' ? 'an LSTM' : net.kind === 'gru' ? 'a GRU' : net.kind === 'mingru' ? 'a minGRU' : net.kind === 'minlstm' ? 'a minLSTM' : net.kind === 'slstm' ? 'an sLSTM' : 'an RNN'} has ${STATE_NAMES[net.kind].join(', ')} (and x), not ${iv.name}`);
    }
    if (!(Number.isInteger(iv.layer) && iv.layer >= 0 && iv.layer < net.numLayers)) throw new ShapeError(`${what}: layer ${iv.layer} is outside 0..${net.numLayers - 1}`);
    if (!(Number.isInteger(iv.direction) && iv.direction >= 0 && iv.direction < net.directions.length)) throw new ShapeError(`${what}: the network has no direction ${iv.direction}`);
    const width = iv.name === 'h' ? outputSize(net) : net.hiddenSize;
    if (iv.unit !== null && !(Number.isInteger(iv.unit) && iv.unit >= 0 && iv.unit < width)) throw new ShapeError(`${what}: unit ${iv.unit} is outside 0..${width - 1}`);
    if (net.kind === 'lstm' && net.layers[iv.layer]![iv.direction]!.peephole != null && iv.name !== 'h') {
      throw new ShapeError(`${what}: this LSTM has ONNX peepholes (o reads the new c), where setting ${iv.name} has no single meaning; set h`);
    }
    if (net.kind === 'gru' && iv.name === 'r' && !(net.linearBeforeReset ?? true)) {
      throw new ShapeError(`${what}: in ONNX's linear_before_reset=0 GRU, r scales h_prev inside W_hn's product; set z, n or h`);
    }
  }
}

/** `l0.f[3]@20-:=0` as the CLI writes it back. */
export function describeIntervention(net: Network, iv: Intervention): string {
  const where = iv.name === 'x' ? '' : `${net.numLayers > 1 ? `l${iv.layer}.` : ''}${net.directions[iv.direction] === 'reverse' ? 'rev.' : ''}`;
  const unit = iv.unit === null ? '' : `[${iv.unit}]`;
  const steps = iv.from === 0 && iv.to === Infinity ? '' : iv.to === Infinity ? `@${iv.from}-` : iv.to === iv.from ? `@${iv.from}` : `@${iv.from}-${iv.to}`;
  return `${where}${iv.name}${unit}${steps}:=${iv.value}`;
}

const covers = (iv: Intervention, t: number): boolean => t >= iv.from && t <= iv.to;

/** x_t with the x interventions that cover step t applied: x itself when none does, else a new row. */
export function intervenedInput(x: ArrayLike<number>, t: number, list: readonly Intervention[]): ArrayLike<number> {
  const mine = list.filter((iv) => iv.name === 'x' && covers(iv, t));
  if (mine.length === 0) return x;
  const row = Float64Array.from(x);
  for (const iv of mine) {
    if (iv.unit === null) row.fill(iv.value);
    else row[iv.unit] = iv.value;
  }
  return row;
}

/** The inputs with every x intervention applied (new rows where one applies). */
export function intervenedInputs(xs: readonly ArrayLike<number>[], list: readonly Intervention[]): ArrayLike<number>[] {
  return xs.map((x, t) => intervenedInput(x, t, list));
}

function dot(w: Float32Array, row: number, cols: number, v: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += w[row * cols + j]! * v[j]!;
  return s;
}

/**
 * Applies the interventions that cover step t of layer k, direction d to the record the cell just
 * wrote (from its input x and previous state), recomputing what depends on them. True if any applied.
 */
export function applyInterventions(
  net: Network,
  k: number,
  d: number,
  t: number,
  x: ArrayLike<number>,
  hPrev: Float64Array,
  cPrev: Float64Array | null,
  rec: StepRecord,
  list: readonly Intervention[],
): boolean {
  const mine = list.filter((iv) => iv.name !== 'x' && iv.layer === k && iv.direction === d && covers(iv, t));
  if (mine.length === 0) return false;
  const p = net.layers[k]![d]!;
  const H = net.hiddenSize;
  const gates = GATE_NAMES[net.kind];
  const set = (arr: Float64Array, base: number, iv: Intervention): void => {
    if (iv.unit === null) arr.fill(iv.value, base, base + (iv.name === 'h' ? arr.length - base : H));
    else arr[base + iv.unit] = iv.value;
  };
  const gateEdits = (names: readonly string[]): void => {
    for (const iv of mine) if (names.includes(iv.name)) set(rec.gates, gates.indexOf(iv.name) * H, iv);
  };
  const clip = net.clip ?? null;
  switch (net.kind) {
    case 'lstm': {
      gateEdits(['i', 'f', 'g', 'o']);
      const c = rec.c!;
      const g = rec.gates;
      for (let u = 0; u < H; u++) c[u] = g[H + u]! * cPrev![u]! + g[u]! * g[2 * H + u]!;
      for (const iv of mine) if (iv.name === 'c') set(c, 0, iv);
      const m = new Float64Array(H);
      for (let u = 0; u < H; u++) m[u] = g[3 * H + u]! * Math.tanh(c[u]!);
      if (p.wHr != null) for (let r = 0; r < rec.h.length; r++) rec.h[r] = dot(p.wHr, r, H, m);
      else rec.h.set(m);
      break;
    }
    case 'gru': {
      const g = rec.gates;
      const rBefore = g.slice(0, H);
      gateEdits(['r', 'z']);
      for (let u = 0; u < H; u++) {
        if (g[u] === rBefore[u]) continue;
        // n again from the set r (PyTorch's form): the input and recurrent parts of n's row
        const row = 2 * H + u;
        const inPart = dot(p.wIh, row, p.inputSize, x) + (p.bIh?.[row] ?? 0);
        const hn = dot(p.wHh, row, H, hPrev) + (p.bHh?.[row] ?? 0);
        let an = inPart + g[u]! * hn;
        if (clip !== null) an = clipValue(an, clip);
        g[row] = Math.tanh(an);
      }
      gateEdits(['n']);
      for (let u = 0; u < H; u++) {
        const z = g[H + u]!;
        rec.h[u] = (1 - z) * g[2 * H + u]! + z * hPrev[u]!;
      }
      break;
    }
    case 'mingru': {
      // the gates see x only: a set gate changes nothing but this step's mix
      gateEdits(['z', 'n']);
      const g = rec.gates;
      for (let u = 0; u < H; u++) rec.h[u] = (1 - g[u]!) * hPrev[u]! + g[u]! * g[H + u]!;
      break;
    }
    case 'minlstm': {
      // f' and i' as set, even if they no longer sum to 1: the edit is taken literally
      gateEdits(['f', 'i', 'n']);
      const g = rec.gates;
      for (let u = 0; u < H; u++) rec.h[u] = g[u]! * hPrev[u]! + g[H + u]! * g[2 * H + u]!;
      break;
    }
    case 'slstm': {
      // the stabilised gates as set; c and n again from them, m as computed unless set (a set m
      // rescales the state against the inputs still to come: exp(m) c is the unstabilised cell)
      gateEdits(['i', 'f', 'z', 'o']);
      const s = rec.c!;
      const g = rec.gates;
      for (let u = 0; u < H; u++) {
        s[u] = g[H + u]! * cPrev![u]! + g[u]! * g[2 * H + u]!;
        s[H + u] = g[H + u]! * cPrev![H + u]! + g[u]!;
      }
      for (const iv of mine) if (iv.name === 'c' || iv.name === 'n' || iv.name === 'm') set(s, iv.name === 'c' ? 0 : iv.name === 'n' ? H : 2 * H, iv);
      for (let u = 0; u < H; u++) rec.h[u] = (g[3 * H + u]! * s[u]!) / s[H + u]!;
      break;
    }
    default:
      break;
  }
  for (const iv of mine) if (iv.name === 'h') set(rec.h, 0, iv);
  // an RNN's only "gate" is h itself
  if (net.kind === 'rnn_tanh' || net.kind === 'rnn_relu') rec.gates.set(rec.h);
  return true;
}

/**
 * runSequence with interventions: every layer and direction, one record per step, each step's
 * record after the edits that cover it (the next steps and layers run from the edited values).
 *   xs: (T, D)
 */
export function runSequenceIntervened(net: Network, xs: readonly ArrayLike<number>[], init: InitialState | undefined, list: readonly Intervention[]): NetworkStep[] {
  validateNetwork(net);
  checkInterventions(net, list);
  const inputs = intervenedInputs(xs, list);
  const T = inputs.length;
  const L = net.numLayers;
  const dirs = net.directions.length;
  const Hh = outputSize(net);
  inputs.forEach((x, t) => {
    if (x.length !== net.inputSize) throw new ShapeError(`input at t=${t}: expected ${net.inputSize} features, got ${x.length}`);
  });
  const steps = Array.from({ length: T }, () => allocNetworkStep(net));
  const scratch = new Float64Array(3 * net.hiddenSize);
  const layerInput = new Float64Array(Hh * dirs);
  for (let k = 0; k < L; k++) {
    for (let d = 0; d < dirs; d++) {
      const reverse = net.directions[d] === 'reverse';
      const p = net.layers[k]![d]!;
      let hPrev = initialRow(net, init, 'h0', k, d);
      let cPrev = cellStateSize(net) > 0 ? initialRow(net, init, 'c0', k, d) : null;
      for (let n = 0; n < T; n++) {
        const t = reverse ? T - 1 - n : n;
        let input: ArrayLike<number>;
        if (k === 0) input = inputs[t]!;
        else {
          const below = steps[t]!.layers[k - 1]!;
          for (let e = 0; e < dirs; e++) layerInput.set(below[e]!.h, e * Hh);
          input = layerInput;
        }
        const rec = steps[t]!.layers[k]![d]!;
        cellStep(net, p, input, hPrev, cPrev, scratch, rec);
        applyInterventions(net, k, d, t, input, hPrev, cPrev, rec, list);
        hPrev = rec.h;
        cPrev = rec.c;
      }
    }
  }
  for (const step of steps) {
    const last = step.layers[L - 1]!;
    for (let d = 0; d < dirs; d++) step.y.set(last[d]!.h, d * Hh);
  }
  return steps;
}
