/**
 * `--set` interventions as the user writes them: `[l<k>.][rev.]NAME[[u]][@t | @t- | @t-u]:=VALUE`
 * (NAME: i f g o c h for an LSTM, r z n h for a GRU, h for an RNN, x for an input feature; no unit:
 * every unit; no @: every step; `@20-`: from step 20 on), and what changed, said on stderr.
 */
import { describeIntervention, type Intervention } from '../engine/intervene.js';
import { interventionsFor as specsFor, parseIntervention as parseSpec, SpecError, type InterventionSpec } from '../engine/intervene-spec.js';
import { outputSize } from '../engine/shapes.js';
import type { Network, NetworkStep } from '../engine/types.js';
import { UsageError } from './errors.js';

export type { InterventionSpec } from '../engine/intervene-spec.js';

/** A SpecError as the CLI says it: a usage error naming --set. */
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof SpecError) throw new UsageError(`--set ${err.message}`);
    throw err;
  }
}

export function parseIntervention(text: string): InterventionSpec {
  return asUsage(() => parseSpec(text));
}

/**
 * The interventions on this network, checked against it: what `run --set` and the viewer's --set
 * take. A spec that does not fit is a usage error naming it as the user wrote it back.
 */
export function interventionsFor(net: Network, specs: readonly InterventionSpec[]): Intervention[] {
  return asUsage(() => specsFor(net, specs));
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
