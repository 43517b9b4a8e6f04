/**
 * The explain panel's words: the selected unit's equations with the real numbers put in, in the
 * cell's own terms (what the forget gate kept, what the input gate wrote, ...), then each gate's
 * pre-activation split into input, recurrent and bias parts with the inputs that moved it most.
 * Plain text lines; the frame fits them to the width.
 */
import { gateTerms, type Explanation, type GateTerms } from '../trace/explain.js';
import { fmtNum as n, textWidth } from './format.js';
import { stringsFor, type Lang } from './i18n/index.js';
import type { ExplainStrings } from './i18n/strings.js';

/** A row label padded to 12 columns by terminal width (a Korean label is two columns a character). */
function label(text: string): string {
  const t = text.trim();
  return ` ${t}${' '.repeat(Math.max(1, 13 - textWidth(t)))}`;
}

/** A sum written the way people write it: `0.3966 - 0.2780 + 0.05`, the first term keeping its sign. */
function sum(...terms: number[]): string {
  return terms.map((t, i) => (i === 0 ? n(t) : t < 0 || Object.is(t, -0) ? `- ${n(-t)}` : `+ ${n(t)}`)).join(' ');
}

/** A labelled sum: `-0.1334 W·x + 3.344 bias`. */
function sumOf(parts: readonly (readonly [number, string])[]): string {
  return parts.map(([v, what], i) => `${i === 0 ? n(v) : v < 0 ? `- ${n(-v)}` : `+ ${n(v)}`} ${what}`).join(' ');
}

const SIGMA = 'σ';

const gate = gateTerms;

function clipNote(g: GateTerms, clip: number | null): string {
  return g.clipped && clip !== null ? ` (clipped to ±${n(clip)})` : '';
}

/** `+1.234 = +0.812 input + +0.371 recurrent + +0.051 bias`; top inputs after. */
function preLine(g: GateTerms, name: string, recurrentWord: string, w: ExplainStrings): string {
  const parts: [number, string][] = [
    [g.input, 'W·x'],
    [g.recurrent, recurrentWord],
    [g.bias, w.bias],
  ];
  if (g.peephole !== 0) parts.push([g.peephole, w.peephole]);
  const top = g.top
    .filter((c) => c.value !== 0)
    .map((c) => `${c.name} ${n(c.value)}`)
    .join(', ');
  return `   a_${name} = ${n(g.pre)} = ${sumOf(parts)}${top === '' ? '' : `    ${w.largest}: ${top}`}`;
}

function lstmLines(e: Explanation, w: ExplainStrings): string[] {
  const i = gate(e, 'i');
  const f = gate(e, 'f');
  const g = gate(e, 'g');
  const o = gate(e, 'o');
  const cPrev = e.cPrev ?? 0;
  const c = e.c ?? 0;
  const kept = f.value * cPrev;
  const wrote = i.value * g.value;
  const tc = Math.tanh(c);
  return [
    `${label(w.forget)}f = ${SIGMA}(${n(f.pre)}) = ${n(f.value)}${clipNote(f, e.clip)}    ${w.kept}: f·c_prev = ${n(f.value)} × ${n(cPrev)} = ${n(kept)}`,
    `${label(w.input)}i = ${SIGMA}(${n(i.pre)}) = ${n(i.value)}${clipNote(i, e.clip)}    ${w.wrote}: i·g = ${n(i.value)} × ${n(g.value)} = ${n(wrote)}`,
    `${label(w.candidate)}g = tanh(${n(g.pre)}) = ${n(g.value)}${clipNote(g, e.clip)}`,
    `${label(w.newCell)}c = f·c_prev + i·g = ${sum(kept, wrote)} = ${n(c)}`,
    `${label(w.output)}o = ${SIGMA}(${n(o.pre)}) = ${n(o.value)}${clipNote(o, e.clip)}    ${e.projSize > 0 ? 'm' : 'h'} = o·tanh(c) = ${n(o.value)} × tanh(${n(c)}) = ${n(o.value)} × ${n(tc)} = ${n(e.h)}`,
    ...(e.projSize > 0 ? [` projection   h = W_hr·m (proj_size ${e.projSize}): every one of the ${e.projSize} values of h mixes all the units' m`] : []),
    ` ${w.pre}`,
    preLine(f, 'f', 'W·h_prev', w),
    preLine(i, 'i', 'W·h_prev', w),
    preLine(g, 'g', 'W·h_prev', w),
    preLine(o, 'o', 'W·h_prev', w),
  ];
}

function gruLines(e: Explanation, w: ExplainStrings): string[] {
  const r = gate(e, 'r');
  const z = gate(e, 'z');
  const nn = gate(e, 'n');
  const keep = z.value * e.hPrev;
  const fresh = (1 - z.value) * nn.value;
  const candidate = e.linearBeforeReset
    ? `${label(w.candidate)}n = tanh(W_in·x + b_in + r·(W_hn·h_prev + b_hn)) = tanh(${n(nn.input + nn.bias)} + ${n(r.value)} × ${n(e.hn ?? 0)}) = tanh(${n(nn.pre)}) = ${n(nn.value)}${clipNote(nn, e.clip)}`
    : `${label(w.candidate)}n = tanh(W_in·x + b_in + W_hn·(r·h_prev) + b_hn) = tanh(${sum(nn.input + nn.bias, nn.recurrent)}) = tanh(${n(nn.pre)}) = ${n(nn.value)}${clipNote(nn, e.clip)}`;
  return [
    `${label(w.reset)}r = ${SIGMA}(${n(r.pre)}) = ${n(r.value)}${clipNote(r, e.clip)}    ${w.resetNote}`,
    `${label(w.update)}z = ${SIGMA}(${n(z.pre)}) = ${n(z.value)}${clipNote(z, e.clip)}    ${w.updateNote}`,
    candidate,
    `${label(w.newState)}h = (1−z)·n + z·h_prev = ${n(1 - z.value)} × ${n(nn.value)} + ${n(z.value)} × ${n(e.hPrev)} = ${sum(fresh, keep)} = ${n(e.h)}`,
    ` (PyTorch's GRU: z weights the OLD state; many tutorials write h = z·n + (1−z)·h_prev, the other way round)`,
    ` ${w.preOne}`,
    preLine(r, 'r', 'W·h_prev', w),
    preLine(z, 'z', 'W·h_prev', w),
    preLine(nn, 'n', e.linearBeforeReset ? 'r·(W·h_prev+b)' : 'W·(r·h_prev)+b', w),
  ];
}

function rnnLines(e: Explanation, w: ExplainStrings): string[] {
  const h = gate(e, 'h');
  const act = e.kind === 'rnn_relu' ? 'relu' : 'tanh';
  return [
    `${label(w.hidden)}h = ${act}(W_ih·x + W_hh·h_prev + b) = ${act}(${sum(h.input, h.recurrent, h.bias)}) = ${act}(${n(h.pre)}) = ${n(e.h)}${clipNote(h, e.clip)}`,
    `${label(w.previous)}h_prev = ${n(e.hPrev)}: ${w.previousNote(act)}`,
    ` ${w.preOne}`,
    preLine(h, 'h', 'W·h_prev', w),
  ];
}

/** g(a) = a + 1/2 for a >= 0, sigmoid(a) below: the minimal cells' positive candidate. */
function gText(a: number, v: number): string {
  return `g(${n(a)}) = ${n(v)}    (g(a) = a + ½ for a ≥ 0, ${SIGMA}(a) below: positive)`;
}

/** A minimal cell's pre-activation: input and bias only (its gates never see h_prev). */
function minPreLine(g: GateTerms, label: string): string {
  const top = g.top
    .filter((c) => c.value !== 0)
    .map((c) => `${c.name} ${n(c.value)}`)
    .join(', ');
  return `   a_${label} = ${n(g.pre)} = ${sumOf([[g.input, 'W·x'], [g.bias, 'bias']])}${top === '' ? '' : `    largest W·x terms: ${top}`}`;
}

function minGruLines(e: Explanation): string[] {
  const z = gate(e, 'z');
  const nn = gate(e, 'n');
  const keep = (1 - z.value) * e.hPrev;
  const fresh = z.value * nn.value;
  return [
    ` update gate  z = ${SIGMA}(${n(z.pre)}) = ${n(z.value)}    0 keeps the old state, 1 takes the candidate (minGRU: z sees x only)`,
    ` candidate    n = ${gText(nn.pre, nn.value)}`,
    ` new state    h = (1−z)·h_prev + z·n = ${n(1 - z.value)} × ${n(e.hPrev)} + ${n(z.value)} × ${n(nn.value)} = ${sum(keep, fresh)} = ${n(e.h)}`,
    ` pre-activations a = W·x + b (no W_hh: the whole sequence is one parallel scan):`,
    minPreLine(z, 'z'),
    minPreLine(nn, 'n'),
  ];
}

function minLstmLines(e: Explanation): string[] {
  const f = gate(e, 'f');
  const i = gate(e, 'i');
  const nn = gate(e, 'n');
  const kept = f.value * e.hPrev;
  const wrote = i.value * nn.value;
  return [
    ` forget gate  f' = ${n(f.value)}    f/(f+i) with f = ${SIGMA}(${n(f.pre)}): f' and i' sum to 1    kept: f'·h_prev = ${n(f.value)} × ${n(e.hPrev)} = ${n(kept)}`,
    ` input gate   i' = ${n(i.value)}    i/(f+i) with i = ${SIGMA}(${n(i.pre)})    wrote: i'·n = ${n(i.value)} × ${n(nn.value)} = ${n(wrote)}`,
    ` candidate    n = ${gText(nn.pre, nn.value)}`,
    ` new state    h = f'·h_prev + i'·n = ${sum(kept, wrote)} = ${n(e.h)}`,
    ` pre-activations a = W·x + b (no W_hh: the whole sequence is one parallel scan):`,
    minPreLine(f, 'f'),
    minPreLine(i, 'i'),
    minPreLine(nn, 'n'),
  ];
}

/** log σ(a), exact at both ends (what the sLSTM's forget gate adds to m_prev). */
function logSigmoid(a: number): number {
  return a >= 0 ? -Math.log1p(Math.exp(-a)) : a - Math.log1p(Math.exp(a));
}

function slstmLines(e: Explanation, w: ExplainStrings): string[] {
  const i = gate(e, 'i');
  const f = gate(e, 'f');
  const z = gate(e, 'z');
  const o = gate(e, 'o');
  const s = e.slstm!;
  const cPrev = e.cPrev ?? 0;
  const c = e.c ?? 0;
  const logF = logSigmoid(f.pre) + s.mPrev;
  const kept = f.value * cPrev;
  const wrote = i.value * z.value;
  // the package's rule: m = a_i while every n_prev is 0 (n > 0 after any step, as i > 0)
  const first = s.nPrev === 0;
  const head = s.heads > 1 ? ` (head ${s.head} of ${s.heads})` : '';
  return [
    ` stabiliser   m = ${first ? `a_i = ${n(i.pre)} (the first step: every n_prev is 0)` : `max(a_i, log ${SIGMA}(a_f) + m_prev) = max(${n(i.pre)}, ${n(logF)})`} = ${n(s.m)}    m_prev ${n(s.mPrev)}`,
    ` forget gate  f = exp(log ${SIGMA}(a_f) + m_prev − m) = exp(${n(logF - s.m)}) = ${n(f.value)}    kept of the old cell: f·c_prev = ${n(f.value)} × ${n(cPrev)} = ${n(kept)}`,
    ` input gate   i = exp(a_i − m) = exp(${n(i.pre - s.m)}) = ${n(i.value)}    wrote: i·z = ${n(i.value)} × ${n(z.value)} = ${n(wrote)}`,
    ` candidate    z = tanh(${n(z.pre)}) = ${n(z.value)}`,
    ` new cell     c = f·c_prev + i·z = ${sum(kept, wrote)} = ${n(c)}    (c and n are both scaled by exp(−m): their ratio is the cell's)`,
    ` normaliser   n = f·n_prev + i = ${n(f.value)} × ${n(s.nPrev)} + ${n(i.value)} = ${n(s.n)}`,
    ` output gate  o = ${SIGMA}(${n(o.pre)}) = ${n(o.value)}    h = o·c/n = ${n(o.value)} × ${n(c)} / ${n(s.n)} = ${n(e.h)}`,
    ` pre-activations a = W·x + R·h_prev + b, R block-diagonal: this unit sees its head's h_prev${head}:`,
    preLine(f, 'f', 'R·h_prev', w),
    preLine(i, 'i', 'R·h_prev', w),
    preLine(z, 'z', 'R·h_prev', w),
    preLine(o, 'o', 'R·h_prev', w),
  ];
}

/** The units of h_prev behind W_hh·h_prev, as rows of the picture to go to (u N). */
function driverLine(e: Explanation): string | null {
  const d = e.drivers.filter((x) => x.total > 0);
  if (d.length === 0) return null;
  const gates = e.gates.map((g) => g.gate);
  const what = d.map((x) => `unit ${x.unit} (h_prev ${n(x.hPrev)}: ${x.terms.map((v, k) => `${gates[k]} ${n(v)}`).join(' ')})`);
  return ` driven most through ${e.kind === 'slstm' ? 'R·h_prev (its head)' : 'W_hh·h_prev'} by    ${what.join('    ')}    (u N goes to a unit)`;
}

/** The explain panel's body lines (without its title). */
export function explainBody(e: Explanation, lang: Lang = 'en'): string[] {
  const w = stringsFor(lang).explain;
  const body =
    e.kind === 'lstm'
      ? lstmLines(e, w)
      : e.kind === 'gru'
        ? gruLines(e, w)
        : e.kind === 'mingru'
          ? minGruLines(e)
          : e.kind === 'minlstm'
            ? minLstmLines(e)
            : e.kind === 'slstm'
              ? slstmLines(e, w)
              : rnnLines(e, w);
  const drivers = driverLine(e);
  if (drivers === null) return body;
  // after the equations, before the pre-activations' parts: which rows of the picture feed this one
  const at = body.findIndex((l) => l.startsWith(` ${w.preOne.replace(/:$/, '')}`) || l.startsWith(` ${w.pre.slice(0, 8)}`));
  return at < 0 ? [...body, drivers] : [...body.slice(0, at), drivers, ...body.slice(at)];
}

/** Where a long explain line may break: its clauses are separated by four spaces. */
const CLAUSE = '    ';

/**
 * Body lines fitted to `cols`: a line too long breaks at its clause separators, continuing
 * indented under its equation, so a narrow terminal loses words only when a clause alone is
 * too wide.
 */
export function wrapExplain(lines: readonly string[], cols: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (textWidth(line) <= cols || !line.includes(CLAUSE)) {
      out.push(line);
      continue;
    }
    const parts = line.split(CLAUSE);
    const indent = ' '.repeat(Math.min(14, Math.max(2, cols >> 3)));
    let current = parts[0]!;
    for (const part of parts.slice(1)) {
      const next = `${current}${CLAUSE}${part}`;
      if (textWidth(next) <= cols) current = next;
      else {
        out.push(current);
        current = indent + part.trimStart();
      }
    }
    out.push(current);
  }
  return out;
}
