/**
 * Interventions as a person writes them, for `run --set`, the viewer's --set and its = prompt:
 * `[l<k>.][rev.]NAME[[u]][@t | @t- | @t-u]:=VALUE` (NAME: i f g o c h for an LSTM, r z n h for a
 * GRU, h for an RNN, x for an input feature; no unit: every unit; no @: every step; `@20-`: from
 * step 20 on; steps counted from 0, as t is).
 */
import { checkInterventions, type Intervention } from './intervene.js';
import { ShapeError } from './network.js';
import type { Network } from './types.js';

/** A spec that cannot be read or does not fit the network; the message starts with the spec as written. */
export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

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

/** The spec as written, quoted and cut short: JSON escapes every control character. */
const quoted = (text: string, n = 40): string => JSON.stringify(text.length > n ? `${text.slice(0, n)}…` : text);

export const SPEC_EXAMPLES = 'f[3]@20-:=0, l0.c[2]@7:=0.5, x[1]@5-9:=0';

export function parseIntervention(text: string): InterventionSpec {
  const m = SET.exec(text.trim());
  const bad = (why: string): never => {
    throw new SpecError(`${quoted(text)}: ${why}; expected e.g. ${SPEC_EXAMPLES}`);
  };
  if (m === null) return bad('not an intervention');
  const value = Number(m[8]);
  if (m[8]!.trim() === '' || !Number.isFinite(value)) return bad(`${quoted(m[8]!, 20)} is not a finite number`);
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
  if (direction < 0) throw new SpecError(`${quoted(s.text)}: the network has no ${s.reverse ? 'reverse' : 'forward'} direction`);
  return { name: s.name, layer: s.layer ?? net.numLayers - 1, direction, unit: s.unit, from: s.from, to: s.to, value: s.value };
}

/** The interventions on this network, checked against it (SpecError naming the one that does not fit). */
export function interventionsFor(net: Network, specs: readonly InterventionSpec[]): Intervention[] {
  const list = specs.map((s) => resolveIntervention(net, s));
  try {
    checkInterventions(net, list);
  } catch (err) {
    if (err instanceof ShapeError) throw new SpecError(err.message);
    throw err;
  }
  return list;
}
