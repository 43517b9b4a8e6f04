/**
 * The explain panel's words: the selected unit's equations with the real numbers put in, in the
 * cell's own terms (what the forget gate kept, what the input gate wrote, ...), then each gate's
 * pre-activation split into input, recurrent and bias parts with the inputs that moved it most.
 * Plain text lines; the frame fits them to the width.
 */
import type { Explanation, GateTerms } from '../trace/explain.js';
import { fmtNum as n, fmtNumSigned as s } from './format.js';

const SIGMA = 'σ';

function gate(e: Explanation, name: string): GateTerms {
  const g = e.gates.find((x) => x.gate === name);
  if (g === undefined) throw new Error(`no gate ${name} in ${e.kind}`);
  return g;
}

function clipNote(g: GateTerms, clip: number | null): string {
  return g.clipped && clip !== null ? ` (clipped to ±${n(clip)})` : '';
}

/** `+1.234 = +0.812 input + +0.371 recurrent + +0.051 bias`; top inputs after. */
function preLine(g: GateTerms, label: string, recurrentWord: string): string {
  const parts = [`${s(g.input)} W·x`, `${s(g.recurrent)} ${recurrentWord}`, `${s(g.bias)} bias`];
  if (g.peephole !== 0) parts.push(`${s(g.peephole)} peephole`);
  const top = g.top
    .filter((c) => c.value !== 0)
    .map((c) => `${c.name} ${s(c.value)}`)
    .join(', ');
  return `   ${label.padEnd(2)} ${s(g.pre)} = ${parts.join(' + ')}${top === '' ? '' : `   top: ${top}`}`;
}

function lstmLines(e: Explanation): string[] {
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
    ` forget gate  f = ${SIGMA}(${s(f.pre)}) = ${n(f.value)}${clipNote(f, e.clip)}    kept of the old cell: f·c_prev = ${n(f.value)} × ${s(cPrev)} = ${s(kept)}`,
    ` input gate   i = ${SIGMA}(${s(i.pre)}) = ${n(i.value)}${clipNote(i, e.clip)}    wrote: i·g = ${n(i.value)} × ${s(g.value)} = ${s(wrote)}`,
    ` candidate    g = tanh(${s(g.pre)}) = ${s(g.value)}${clipNote(g, e.clip)}`,
    ` new cell     c = f·c_prev + i·g = ${s(kept)} + ${s(wrote)} = ${s(c)}`,
    ` output gate  o = ${SIGMA}(${s(o.pre)}) = ${n(o.value)}${clipNote(o, e.clip)}    h = o·tanh(c) = ${n(o.value)} × tanh(${s(c)}) = ${n(o.value)} × ${s(tc)} = ${s(e.h)}`,
    ` pre-activations a = W_ih·x + W_hh·h_prev + b:`,
    preLine(f, 'f', 'W·h_prev'),
    preLine(i, 'i', 'W·h_prev'),
    preLine(g, 'g', 'W·h_prev'),
    preLine(o, 'o', 'W·h_prev'),
  ];
}

function gruLines(e: Explanation): string[] {
  const r = gate(e, 'r');
  const z = gate(e, 'z');
  const nn = gate(e, 'n');
  const keep = z.value * e.hPrev;
  const fresh = (1 - z.value) * nn.value;
  const candidate = e.linearBeforeReset
    ? ` candidate    n = tanh(W_in·x + b_in + r·(W_hn·h_prev + b_hn)) = tanh(${s(nn.input + nn.bias)} + ${n(r.value)} × ${s(e.hn ?? 0)}) = tanh(${s(nn.pre)}) = ${s(nn.value)}${clipNote(nn, e.clip)}`
    : ` candidate    n = tanh(W_in·x + b_in + W_hn·(r·h_prev) + b_hn) = tanh(${s(nn.input + nn.bias)} + ${s(nn.recurrent)}) = tanh(${s(nn.pre)}) = ${s(nn.value)}${clipNote(nn, e.clip)}`;
  return [
    ` reset gate   r = ${SIGMA}(${s(r.pre)}) = ${n(r.value)}${clipNote(r, e.clip)}    how much of h_prev the candidate sees`,
    ` update gate  z = ${SIGMA}(${s(z.pre)}) = ${n(z.value)}${clipNote(z, e.clip)}    1 keeps the old state, 0 takes the candidate`,
    candidate,
    ` new state    h = (1−z)·n + z·h_prev = ${n(1 - z.value)} × ${s(nn.value)} + ${n(z.value)} × ${s(e.hPrev)} = ${s(fresh)} + ${s(keep)} = ${s(e.h)}`,
    ` pre-activations:`,
    preLine(r, 'r', 'W·h_prev'),
    preLine(z, 'z', 'W·h_prev'),
    preLine(nn, 'n', e.linearBeforeReset ? 'r·(W·h_prev+b)' : 'W·(r·h_prev)+b'),
  ];
}

function rnnLines(e: Explanation): string[] {
  const h = gate(e, 'h');
  const act = e.kind === 'rnn_relu' ? 'relu' : 'tanh';
  return [
    ` hidden       h = ${act}(W_ih·x + W_hh·h_prev + b) = ${act}(${s(h.input)} + ${s(h.recurrent)} + ${s(h.bias)}) = ${act}(${s(h.pre)}) = ${s(e.h)}${clipNote(h, e.clip)}`,
    ` previous     h_prev = ${s(e.hPrev)}: with no gate to protect it, the old state is squashed through W_hh and ${act} at every step`,
    ` pre-activation:`,
    preLine(h, 'h', 'W·h_prev'),
  ];
}

/** The explain panel's body lines (without its title). */
export function explainBody(e: Explanation): string[] {
  switch (e.kind) {
    case 'lstm':
      return lstmLines(e);
    case 'gru':
      return gruLines(e);
    case 'rnn_tanh':
    case 'rnn_relu':
      return rnnLines(e);
  }
}

/** Rows the explain panel takes for a cell kind, title included (the layout asks before composing). */
export function explainRowCount(kind: Explanation['kind']): number {
  return 1 + (kind === 'lstm' ? 10 : kind === 'gru' ? 8 : 4);
}
