/**
 * `--set` interventions as the user writes them: `[l<k>.][rev.]NAME[[u]][@t | @t- | @t-u]:=VALUE`
 * (NAME: i f g o c h for an LSTM, r z n h for a GRU, h for an RNN, x for an input feature; no unit:
 * every unit; no @: every step; `@20-`: from step 20 on), and what changed, said on stderr.
 */
import { checkInterventions, describeIntervention, type Intervention } from '../engine/intervene.js';
import { ShapeError } from '../engine/network.js';
import { outputSize } from '../engine/shapes.js';
import type { Network, NetworkStep } from '../engine/types.js';
import { visible } from '../io/errors.js';
import { UsageError } from './errors.js';

/** An intervention before the network says which layer and direction its defaults mean. */
export interface InterventionSpec {
  readonly text: string;
  readonly name: string;
  /** null: the last layer */
  readonly layer: number | null;
  readonly reverse: boolean;
  readonly unit: number | null;
  readonly from: number;
  readonly to: number;
  readonly value: number;
}

const SET = /^(?:l(\d+)\.)?(rev\.)?([a-z])(?:\[(\d+)\])?(?:@(\d+)(?:(-)(\d+)?)?)?:=(.+)$/;

export function parseIntervention(text: string): InterventionSpec {
  const m = SET.exec(text.trim());
  const bad = (why: string): never => {
    throw new UsageError(`--set ${JSON.stringify(visible(text, 40))}: ${why}; expected e.g. f[3]@20-:=0, l0.c[2]@7:=0.5, x[1]@5-9:=0`);
  };
  if (m === null) return bad('not an intervention');
  const value = Number(m[8]);
  if (m[8]!.trim() === '' || !Number.isFinite(value)) return bad(`${JSON.stringify(visible(m[8]!, 20))} is not a finite number`);
  if (!'ifgocrznhx'.includes(m[3]!)) return bad(`no gate or state "${m[3]}" (i f g o c h, r z n h, or x)`);
  if (m[3] === 'x' && (m[1] !== undefined || m[2] !== undefined)) return bad('x is the network input: no layer or direction');
  const from = m[5] === undefined ? 0 : Number(m[5]);
  const to = m[5] === undefined ? Infinity : m[6] === undefined ? from : m[7] === undefined ? Infinity : Number(m[7]);
  if (to < from) return bad(`steps ${from}-${to} run backwards`);
  return { text, name: m[3]!, layer: m[1] === undefined ? null : Number(m[1]), reverse: m[2] !== undefined, unit: m[4] === undefined ? null : Number(m[4]), from, to, value };
}

/** The intervention on this network: no layer means the last one, no rev. the forward direction. */
export function resolveIntervention(net: Network, s: InterventionSpec): Intervention {
  const direction = net.directions.indexOf(s.reverse ? 'reverse' : 'forward');
  if (direction < 0) throw new UsageError(`--set ${JSON.stringify(visible(s.text, 40))}: the network has no ${s.reverse ? 'reverse' : 'forward'} direction`);
  return { name: s.name, layer: s.layer ?? net.numLayers - 1, direction, unit: s.unit, from: s.from, to: s.to, value: s.value };
}

/**
 * The interventions on this network, checked against it: what `run --set` and the viewer's --set
 * take. A spec that does not fit is a usage error naming it as the user wrote it back.
 */
export function interventionsFor(net: Network, specs: readonly InterventionSpec[]): Intervention[] {
  const list = specs.map((s) => resolveIntervention(net, s));
  try {
    checkInterventions(net, list);
  } catch (err) {
    if (err instanceof ShapeError) throw new UsageError(`--set ${err.message}`);
    throw err;
  }
  return list;
}

/** What the interventions changed against the plain run: the output, the prediction, and per layer the h units that moved. */
export function interventionSummary(
  net: Network,
  list: readonly Intervention[],
  plain: readonly NetworkStep[],
  edited: readonly NetworkStep[],
  pred: (s: NetworkStep) => Float64Array | null,
): string[] {
  const names = list.map((iv) => describeIntervention(net, iv)).join(', ');
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): { d: number; at: number } => {
    let d = 0;
    let at = 0;
    for (let i = 0; i < a.length; i++) {
      const v = Math.abs(a[i]! - b[i]!);
      if (v > d) [d, at] = [v, i];
    }
    return { d, at };
  };
  const fmt = (v: number): string => Number(v.toPrecision(3)).toString();
  let y = { d: 0, t: 0, i: 0 };
  let p = { d: 0, t: 0 };
  for (let t = 0; t < plain.length; t++) {
    const m = maxDiff(edited[t]!.y, plain[t]!.y);
    if (m.d > y.d) y = { d: m.d, t, i: m.at };
    const pe = pred(edited[t]!);
    const pp = pe === null ? null : Float64Array.from(pred(plain[t]!)!);
    if (pe !== null && pp !== null) {
      const q = maxDiff(pe, pp);
      if (q.d > p.d) p = { d: q.d, t };
    }
  }
  const lines = [
    `--set ${names}: y moved by at most ${fmt(y.d)} (y[${y.i}] at t=${y.t})${pred(plain[0] ?? edited[0]!) !== null ? `, the prediction by at most ${fmt(p.d)} (t=${p.t})` : ''}`,
  ];
  const dirs = net.directions.length;
  const width = outputSize(net);
  for (let k = 0; k < net.numLayers; k++) {
    for (let d = 0; d < dirs; d++) {
      const most = new Float64Array(width);
      for (let t = 0; t < plain.length; t++) {
        const a = edited[t]!.layers[k]![d]!.h;
        const b = plain[t]!.layers[k]![d]!.h;
        for (let u = 0; u < width; u++) most[u] = Math.max(most[u]!, Math.abs(a[u]! - b[u]!));
      }
      const changed = Array.from(most).filter((v) => v > 0).length;
      const top = most.indexOf(Math.max(...most));
      const where = `layer ${k}${dirs > 1 ? ` ${net.directions[d]}` : ''}`;
      lines.push(changed === 0 ? `${where}: h unchanged` : `${where}: ${changed} of ${width} h units changed, most h[${top}] by ${fmt(most[top]!)}`);
    }
  }
  return lines;
}
