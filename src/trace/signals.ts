/**
 * Signals to search units against (engine/track.ts), one value per step, from the input as read:
 *
 *   x:NAME or x:INDEX   an input feature's value (numeric input: the column as the file names it)
 *   regex:PATTERN       text input: 1 at a step whose token is inside a match of PATTERN over the
 *                       text (tokens joined as read: characters as they are, words by a space), else
 *                       0: "inside quotes" is regex:"[^"]*"
 *   depth:OC            text input: how deep the step is inside O...C pairs after its token (depth:()
 *                       is bracket depth; the default pair is ())
 *   position            text input: the token's position in its line (0 after a newline)
 */
export interface SignalInput {
  /** The step's token (text input) or its rendering of the values. */
  readonly labels: readonly string[];
  /** Each step's values as read (before an embedding): the features of numeric input. */
  readonly values: readonly ArrayLike<number>[];
  readonly featureNames: readonly string[];
  /** Whether the input is text, and whether its tokens are words. */
  readonly text: boolean;
  readonly words: boolean;
}

/** A signal, or the one-line reason it cannot be made from this input. */
export type SignalResult = { readonly values: Float64Array; readonly name: string } | { readonly error: string };

export function buildSignal(spec: string, input: SignalInput): SignalResult {
  const T = input.labels.length;
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? '' : spec.slice(colon + 1);
  const needText = (): SignalResult | null => (input.text ? null : { error: `${kind} is for text input (--input-format text); this input has numeric features` });
  switch (kind) {
    case 'x': {
      if (input.text) return { error: 'x:FEATURE is for numeric input; text input has tokens (try regex:, depth: or position)' };
      const j = /^\d+$/.test(arg) ? Number(arg) : input.featureNames.indexOf(arg);
      if (j < 0 || j >= input.featureNames.length) return { error: `no feature ${JSON.stringify(arg)} (the input has ${input.featureNames.slice(0, 8).join(', ')}${input.featureNames.length > 8 ? ', ...' : ''})` };
      return { values: Float64Array.from(input.values, (v) => v[j]!), name: `x.${input.featureNames[j]}` };
    }
    case 'regex': {
      const bad = needText();
      if (bad !== null) return bad;
      let re: RegExp;
      try {
        re = new RegExp(arg, 'gu');
      } catch (err) {
        return { error: `the pattern ${JSON.stringify(arg)} is not a regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})` };
      }
      if (arg === '') return { error: 'an empty pattern matches nowhere' };
      // where each step's token sits in the joined text
      const starts: number[] = [];
      let text = '';
      input.labels.forEach((l, t) => {
        if (input.words && t > 0) text += ' ';
        starts.push(text.length);
        text += l;
      });
      const inside = new Uint8Array(text.length);
      for (const m of text.matchAll(re)) {
        if (m[0].length === 0) continue;
        inside.fill(1, m.index, m.index + m[0].length);
      }
      const values = new Float64Array(T);
      for (let t = 0; t < T; t++) {
        const end = starts[t]! + input.labels[t]!.length;
        for (let i = starts[t]!; i < end; i++) if (inside[i] === 1) values[t] = 1;
      }
      return { values, name: `regex ${JSON.stringify(arg)}` };
    }
    case 'depth': {
      const bad = needText();
      if (bad !== null) return bad;
      const pair = [...(arg === '' ? '()' : arg)];
      if (pair.length !== 2 || pair[0] === pair[1]) return { error: `depth:OC takes two different characters, such as depth:() or depth:{}, got ${JSON.stringify(arg)}` };
      const values = new Float64Array(T);
      let depth = 0;
      input.labels.forEach((l, t) => {
        for (const ch of l) {
          if (ch === pair[0]) depth++;
          else if (ch === pair[1]) depth = Math.max(0, depth - 1);
        }
        values[t] = depth;
      });
      return { values, name: `depth ${pair.join('')}` };
    }
    case 'position': {
      const bad = needText();
      if (bad !== null) return bad;
      const values = new Float64Array(T);
      let pos = 0;
      input.labels.forEach((l, t) => {
        values[t] = pos;
        pos = l.includes('\n') ? 0 : pos + 1;
      });
      return { values, name: 'position in line' };
    }
    default:
      return { error: `no signal ${JSON.stringify(kind)}: expected x:FEATURE, regex:PATTERN, depth:OC or position` };
  }
}
