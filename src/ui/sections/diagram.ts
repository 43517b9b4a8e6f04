/**
 * The cell diagram (d) in the body's place: the cell drawn as the tutorials draw it (the c line
 * across the top with its × and + nodes, the gates below it, h leaving on the right), with the
 * selected unit's real numbers at the cursor on it (trace/explain.ts computes them). LSTM, GRU and
 * plain RNN each get their own drawing; the numbers are the engine's, as the explain panel's.
 */
import { mlstmMemory, numHeadsOf } from '../../engine/index.js';
import { explainUnit, gateTerms, type Explanation } from '../../trace/explain.js';
import { fit, textWidth } from '../format.js';
import { stringsFor, type Strings } from '../i18n/index.js';
import { stepKey, viewOf, type FrameInput, type FrameSection } from './shared.js';
import { timelineLines } from './timeline.js';

/** A value as the diagram shows it: sign and 3 decimals, so the wires line up. */
const v = (x: number): string => (Number.isFinite(x) ? `${x < 0 ? '' : '+'}${x.toFixed(3)}` : String(x));
const g = (e: Explanation, name: string): number => gateTerms(e, name).value;

/** Rows of text with strings put at columns (the wires and nodes line up whatever the numbers). */
function canvas(rows: number): { put: (row: number, col: number, text: string) => void; lines: () => string[] } {
  const grid: string[][] = Array.from({ length: rows }, () => []);
  return {
    put(row, col, text) {
      // a wide character (Korean) takes two cells: the second stays empty, so columns stay columns
      const line = grid[row]!;
      let at = col;
      for (const ch of text) {
        line[at] = ch;
        if (textWidth(ch) === 2) line[++at] = '';
        at++;
      }
    },
    lines: () => grid.map((line) => Array.from({ length: line.length }, (_, i) => line[i] ?? ' ').join('').trimEnd()),
  };
}

/** A horizontal wire from column a to b (exclusive). */
const wire = (a: number, b: number): string => '─'.repeat(Math.max(0, b - a));

function lstmDiagram(e: Explanation, w: Strings): string[] {
  const f = g(e, 'f');
  const i = g(e, 'i');
  const gg = g(e, 'g');
  const o = g(e, 'o');
  const cPrev = e.cPrev ?? 0;
  const c = e.c ?? 0;
  const tc = Math.tanh(c);
  const hName = e.projSize > 0 ? 'm' : 'h';
  // columns of the nodes: forget ×, the +, the branch to tanh and the output ×
  const X1 = 19;
  const P = 41;
  const B = 61;
  const k = canvas(6);
  // row 0, the c line: c_prev ─▶(×)─▶(+)─┬─▶ c, × at X1, + at P, the branch at B
  k.put(0, 2, `c_prev ${v(cPrev)} `);
  k.put(0, 16, wire(16, X1 - 2));
  k.put(0, X1 - 2, '▶(×)');
  k.put(0, X1 + 2, wire(X1 + 2, P - 2));
  k.put(0, P - 2, '▶(+)');
  k.put(0, P + 2, wire(P + 2, B));
  k.put(0, B, `┬──▶ c ${v(c)}`);
  for (const row of [1, 2, 3]) {
    k.put(row, X1, '│');
    k.put(row, B, '│');
  }
  k.put(1, X1 + 2, `f·c_prev ${v(f * cPrev)}`);
  k.put(1, P, '│');
  k.put(1, P + 2, `i·g ${v(i * gg)}`);
  k.put(2, P - 1, `(×)◀─ g ${v(gg)}`);
  k.put(2, B - 5, `tanh ${v(tc)}`);
  k.put(3, P, '│');
  k.put(4, X1 - 5, `f ${v(f)} σ`);
  k.put(4, P - 5, `i ${v(i)} σ`);
  k.put(4, B - 14, `o ${v(o)} σ ─▶(×)──▶ ${hName} ${v(e.h)}`);
  k.put(5, X1 - 5, w.explain.forget.trim());
  k.put(5, P - 5, w.explain.input.trim());
  k.put(5, B - 12, w.explain.output.trim());
  return [
    `  ${w.diagram.belt}`,
    ...k.lines(),
    '',
    // the sums first: a short screen cuts from the bottom
    `  c = f·c_prev + i·g = ${v(f * cPrev)} + ${v(i * gg)} = ${v(c)};  ${hName} = o·tanh(c) = ${v(o)} × ${v(tc)} = ${v(e.h)}`,
    `  each a = W·x + U·h_prev + b: ${e.gates.map((t) => `a_${t.gate} ${v(t.pre)}`).join('  ')}`,
    ...(e.projSize > 0 ? [`  h = W_hr·m (proj_size ${e.projSize}): the h the next step sees mixes every unit's m`] : []),
    `  f near 0 forgets the old cell, near 1 keeps it; i: how much of the candidate g is written; o: how much of c shows in ${hName}`,
  ];
}

function gruDiagram(e: Explanation, w: Strings): string[] {
  const r = g(e, 'r');
  const z = g(e, 'z');
  const n = g(e, 'n');
  const hp = e.hPrev;
  // columns: the branch down to the reset gate, the z·h_prev ×, the + (and the (1−z)·n × below it)
  const B = 17;
  const X = 30;
  const P = 52;
  const k = canvas(6);
  // row 0, the state line: h_prev ─┬──▶(×)──▶(+)──▶ h
  k.put(0, 2, `h_prev ${v(hp)} `);
  k.put(0, 16, wire(16, B));
  k.put(0, B, '┬');
  k.put(0, B + 1, wire(B + 1, X - 2));
  k.put(0, X - 2, '▶(×)');
  k.put(0, X + 2, wire(X + 2, P - 2));
  k.put(0, P - 2, '▶(+)');
  k.put(0, P + 2, `──────▶ h ${v(e.h)}`);
  for (const row of [1, 2, 3]) k.put(row, B, '│');
  k.put(1, X, '│');
  k.put(1, X + 2, `z·h_prev ${v(z * hp)}`);
  k.put(1, P, '│');
  k.put(1, P + 2, `(1−z)·n ${v((1 - z) * n)}`);
  k.put(2, X - 5, `z ${v(z)} σ`);
  k.put(2, P - 1, `(×)◀── n ${v(n)}`);
  k.put(3, X - 5, w.explain.update.trim());
  k.put(3, P, '│');
  k.put(3, P + 2, '1−z');
  // row 4: the reset gate on the way from h_prev to the candidate n
  const reset = `└──▶ r ${v(r)} σ `;
  k.put(4, B, reset);
  k.put(4, B + textWidth(reset), wire(B + textWidth(reset), P + 6));
  k.put(4, P + 6, '┘');
  k.put(3, P + 6, '│');
  k.put(5, B + 4, w.explain.reset.trim());
  return [
    ...k.lines(),
    '',
    // the sum first: a short screen cuts from the bottom
    `  h = (1−z)·n + z·h_prev = ${v((1 - z) * n)} + ${v(z * hp)} = ${v(e.h)}`,
    `  each a = W·x + U·h_prev + b: ${e.gates.map((t) => `a_${t.gate} ${v(t.pre)}`).join('  ')}`,
    `  n = tanh(W·x + b + r·(U·h_prev + b_hn)): r scales what the old state adds to the candidate`,
    `  z near 1 keeps the old state (memory), near 0 takes the candidate n; r near 0 lets n ignore the old state`,
  ];
}

/**
 * A minimal cell's top line, h_prev ─▶(×)─▶(+)─▶ h, with the × at column X and the + at P, the
 * kept share (`keep`: 1−z or f') rising into the × and the written share into the +.
 */
function minTopLine(k: ReturnType<typeof canvas>, e: Explanation, keepName: string, keep: number, writeName: string, write: number, rows: number): void {
  const hp = e.hPrev;
  k.put(0, 2, `h_prev ${v(hp)} `);
  k.put(0, 16, wire(16, MX - 2));
  k.put(0, MX - 2, '▶(×)');
  k.put(0, MX + 2, `─ ${v(keep * hp)} `);
  k.put(0, MX + 11, wire(MX + 11, MP - 2));
  k.put(0, MP - 2, '▶(+)');
  k.put(0, MP + 2, `──▶ h ${v(e.h)}`);
  k.put(1, MX, '▲');
  k.put(1, MX + 2, `${keepName} ${v(keep)}`);
  k.put(1, MP, '▲');
  k.put(1, MP + 2, `${writeName} ${v(write)}`);
  for (let row = 2; row < rows; row++) k.put(row, MP, '│');
}

/** Columns of a minimal cell's × (the kept share) and + nodes. */
const MX = 30;
const MP = 52;

function minGruDiagram(e: Explanation): string[] {
  const z = g(e, 'z');
  const n = g(e, 'n');
  const k = canvas(5);
  minTopLine(k, e, '1−z', 1 - z, 'z·n', z * n, 3);
  k.put(2, MX, '│');
  // row 3: x ─┬─▶ z ─┴─▶(×): z rises into the kept share as 1−z and scales n on its way to +
  k.put(3, 2, 'x ─┬─▶ z ');
  k.put(3, 11, `${v(z)} = σ(a_z) `);
  k.put(3, 27, wire(27, MP - 2));
  k.put(3, MX, '┴');
  k.put(3, MP - 2, '▶(×)');
  k.put(4, 5, '└─▶ n ');
  k.put(4, 11, `${v(n)} = g(a_n) `);
  k.put(4, 27, wire(27, MP));
  k.put(4, MP, '┘');
  return [
    ...k.lines(),
    '',
    `  each a = W·x + b (no U·h_prev: the gates see x only): ${e.gates.map((t) => `a_${t.gate} ${v(t.pre)}`).join('  ')}`,
    `  g(a) = a + ½ for a ≥ 0, σ(a) below (positive);  h = (1−z)·h_prev + z·n = ${v((1 - z) * e.hPrev)} + ${v(z * n)} = ${v(e.h)}`,
    '  z near 0 keeps the old state (memory), near 1 takes the candidate; over many steps the kept share is the product of (1−z)',
  ];
}

function minLstmDiagram(e: Explanation): string[] {
  const f = g(e, 'f');
  const i = g(e, 'i');
  const n = g(e, 'n');
  const k = canvas(6);
  minTopLine(k, e, "f′", f, "i′·n", i * n, 4);
  k.put(2, MX, '│');
  k.put(3, 2, "x ─┬─▶ f′ ");
  k.put(3, 12, `${v(f)} `);
  k.put(3, 19, wire(19, MX));
  k.put(3, MX, '┘');
  k.put(4, 5, "├─▶ i′ ");
  k.put(4, 12, `${v(i)} `);
  k.put(4, 19, wire(19, MP - 2));
  k.put(4, MP - 2, '▶(×)');
  k.put(5, 5, '└─▶ n ');
  k.put(5, 11, `${v(n)} = g(a_n) `);
  k.put(5, 27, wire(27, MP));
  k.put(5, MP, '┘');
  return [
    ...k.lines(),
    '',
    `  each a = W·x + b (no U·h_prev: the gates see x only): ${e.gates.map((t) => `a_${t.gate} ${v(t.pre)}`).join('  ')}`,
    `  f′ = f/(f+i), i′ = i/(f+i) with f = σ(a_f), i = σ(a_i): they sum to 1;  h = f′·h_prev + i′·n = ${v(f * e.hPrev)} + ${v(i * n)} = ${v(e.h)}`,
    "  f′ near 1 keeps the old state (memory); over many steps the kept share is the product of f′",
  ];
}

function slstmDiagram(e: Explanation): string[] {
  const f = g(e, 'f');
  const i = g(e, 'i');
  const z = g(e, 'z');
  const o = g(e, 'o');
  const s = e.slstm!;
  const cPrev = e.cPrev ?? 0;
  const c = e.c ?? 0;
  return [
    `  c_prev ${v(cPrev)} ──▶(× f ${v(f)})──▶(+)──▶ c ${v(c)} ──┐`,
    `                      i·z ${v(i * z)} ──┘            (÷)──▶(× o ${v(o)})──▶ h ${v(e.h)}`,
    `  n_prev ${v(s.nPrev)} ──▶(× f ${v(f)})──▶(+)──▶ n ${v(s.n)} ──┘`,
    `                        i ${v(i)} ──┘`,
    `  m_prev ${v(s.mPrev)} ──▶ m = max(a_i, log σ(a_f) + m_prev) = ${v(s.m)}: f = exp(log σ(a_f) + m_prev − m), i = exp(a_i − m)`,
    '',
    `  each a = W·x + R·h_prev + b (R: the ${s.heads > 1 ? `head ${s.head}'s block of ${s.heads}` : 'one head'}): ${e.gates.map((t) => `a_${t.gate} ${v(t.pre)}`).join('  ')}`,
    '  exponential gates can outgrow any sigmoid: m keeps them in (0, 1] and scales c and n alike, so h = o·c/n is unchanged',
  ];
}

function rnnDiagram(e: Explanation, relu: boolean): string[] {
  const a = e.gates[0]!;
  const act = relu ? 'relu' : 'tanh';
  return [
    `  h_prev ${v(e.hPrev)} ──▶ U·h_prev ${v(a.recurrent)} ──┐`,
    `                                           (+) ──▶ ${act}(${v(a.pre)}) ──▶ h ${v(e.h)}`,
    `  x ──────────────▶ W·x ${v(a.input)} + b ${v(a.bias)} ─┘`,
    `  h = ${act}(W·x + U·h_prev + b): no gate guards the old state, so it is squashed through U and ${act} at every step`,
    relu ? '  (ReLU: unbounded above, so a value multiplied at every step can grow without limit)' : '  (tanh keeps h in −1…1: a value multiplied by 3 at every step would explode; through tanh it stays bounded)',
  ];
}

/** Shades for |C| / max |C| of the head: a heatmap cell is a sign and a shade. */
const SHADES = [' ', '░', '▒', '▓', '█'] as const;

/**
 * An mLSTM's diagram: the equations with the selected unit's head's numbers at this step, and that
 * head's matrix memory C (DH x DH) as a heatmap (rows: the unit a of h it feeds, C[a][b] q_b;
 * columns b: the key/query component), numbers in each cell when they fit, else sign and shade.
 * C comes from the engine's own step (TraceStore.cellStateAfter), not from the traced rows.
 */
export function mlstmMemoryLines(store: FrameInput['store'], layer: number, dir: number, t: number, unit: number, cols: number, rows: number): string[] {
  const net = store.network;
  const H = net.hiddenSize;
  const NH = numHeadsOf(net);
  const DH = H / NH;
  const hd = Math.floor(unit / DH);
  const state = store.cellStateAfter(layer, dir, t);
  const C = mlstmMemory(state, H, NH, hd);
  let max = 0;
  for (const c of C) max = Math.max(max, Math.abs(c));
  const i = store.value('i', layer, dir, t, unit);
  const f = store.value('f', layer, dir, t, unit);
  const m = state[H + hd]!;
  const out = [
    ` head ${hd + 1}/${NH} (units ${hd * DH}..${hd * DH + DH - 1}) · i ${v(i)} · f ${v(f)} (stabilised) · m ${v(m)}`,
    '  C = f·C_prev + i·v kᵀ · n = f·n_prev + i·k · h = o ⊙ C q / max(|n·q|, e^−m)',
    ` memory C of head ${hd + 1}, ${DH}x${DH}, max |C| ${max.toPrecision(4)}: row a feeds h of unit ${hd * DH}+a (▸ selected)`,
  ];
  // a cell: 7 characters of number (+0.123) and a space, or 2 of sign and shade
  const label = 6;
  const numbers = label + DH * 8 <= cols;
  const cellW = numbers ? 8 : 2;
  const shown = Math.max(1, Math.min(DH, Math.floor((cols - label - 1) / cellW)));
  // the three lines above, the column header, the rows and, when some are left out, a line saying so
  const rowsShown = 4 + DH <= rows ? DH : Math.max(1, rows - 5);
  const header = ' '.repeat(label) + Array.from({ length: shown }, (_, b) => (numbers ? String(b).padStart(6).padEnd(8) : String(b % 10).padEnd(2))).join('');
  out.push(header.trimEnd() + (shown < DH ? ` … (${DH - shown} more columns)` : ''));
  // rows around the selected unit's when they do not all fit
  const sel = unit - hd * DH;
  const start = Math.max(0, Math.min(DH - rowsShown, sel - Math.floor(rowsShown / 2)));
  for (let a = start; a < start + rowsShown; a++) {
    const cells = Array.from({ length: shown }, (_, b) => {
      const c = C[a * DH + b]!;
      if (numbers) return `${v(c).padStart(6)}  `.slice(0, 8);
      const level = max === 0 ? 0 : Math.min(4, Math.round((Math.abs(c) / max) * 4));
      return `${c < 0 ? '−' : '+'}${SHADES[level]}`;
    });
    out.push(`${a === sel ? '▸' : ' '}${String(a).padStart(4)} ${cells.join('')}`);
  }
  if (rowsShown < DH) out.push(`  … ${DH - rowsShown} of ${DH} rows not shown (a taller terminal shows more)`);
  return out.map((l) => fit(l, cols));
}

export function diagramLines(f: FrameInput): string[] {
  const { store, session: s, layout: L, theme } = f;
  const w = stringsFor(f.lang ?? 'en');
  const { layer, dir } = viewOf(store, s.view);
  const where = `${w.diagram.unit} ${s.unit} · layer ${layer + 1} ${store.direction(dir)} (l${layer}) · ${w.diagram.step} ${s.cursor + 1}/${s.T} (t=${s.cursor})`;
  const title = theme.style('title', fit(` ${w.diagram.title} · ${where}   (${w.diagram.close})`, L.cols));
  if (s.T === 0) return [title, fit(` ${w.diagram.noSteps}`, L.cols)];
  if (!store.holds(s.cursor)) return [title, fit(` ${w.diagram.notHeld}`, L.cols)];
  if (s.unit >= store.network.hiddenSize) return [title, fit(` ${w.diagram.outOfRange(store.network.hiddenSize)}`, L.cols)];
  if (store.network.kind === 'mlstm') return [title, '', ...mlstmMemoryLines(store, layer, dir, s.cursor, s.unit, L.cols, L.bodyRows - timelineLines(f).length - 2)];
  const e = explainUnit(store, layer, dir, s.cursor, s.unit);
  const body =
    e.kind === 'lstm'
      ? lstmDiagram(e, w)
      : e.kind === 'gru'
        ? gruDiagram(e, w)
        : e.kind === 'mingru'
          ? minGruDiagram(e)
          : e.kind === 'minlstm'
            ? minLstmDiagram(e)
            : e.kind === 'slstm'
              ? slstmDiagram(e)
              : rnnDiagram(e, e.kind === 'rnn_relu');
  return [title, '', ...body.map((line) => fit(line, L.cols))];
}

export const diagramSection: FrameSection = { id: 'diagram', lines: diagramLines, memoKey: (f) => `${stepKey(f)}|${f.session.unit}|${f.lang ?? 'en'}` };
