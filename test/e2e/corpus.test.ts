/**
 * The corpus list in a real terminal at 80x24: every line of a text listed with its length and the
 * top class at its end (checked against the engine's own run of that line), Enter opens the
 * selected line in the viewer, b comes back with the selection kept, q restores the terminal.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSequence, softmax } from '../../src/engine/index.js';
import { loadWeights } from '../../src/io/weights/index.js';
import { expectRestored, ptyShell } from '../helpers/pty-shell.js';
import { gatescopeShell as gatescope, requireBuild, ROOT } from '../helpers/build.js';
import { findParts } from '../../src/io/weights/parts.js';
import { embeddingRow } from '../../src/engine/model.js';

const shell = ptyShell(ROOT, { cols: 80, rows: 24 });
const M = join(ROOT, 'fixtures/models');

beforeAll(requireBuild);

/** The top class and its probability at the end of `text`, from the engine directly. */
function topAtEnd(text: string): { cls: string; p: number } {
  const file = loadWeights(readFileSync(join(M, 'char_lm.pt')), { source: 'char_lm.pt' });
  const parts = findParts(file.extra, file.network, { source: 'char_lm.pt', tokens: true });
  const byToken = JSON.parse(readFileSync(join(M, 'char_lm.vocab.json'), 'utf8')) as Record<string, number>;
  const vocab = Object.keys(byToken).sort((a, b) => byToken[a]! - byToken[b]!);
  const xs = [...text].map((ch) => Float64Array.from(embeddingRow(parts.embedding!, byToken[ch]!)));
  const y = runSequence(file.network, xs).at(-1)!.y;
  const head = parts.head!;
  const logits = vocab.map((_, o) => (head.bias?.[o] ?? 0) + Array.from(y).reduce((s, v, j) => s + head.weight[o * head.inSize + j]! * v, 0));
  const p = softmax(logits);
  const k = p.indexOf(Math.max(...p));
  return { cls: vocab[k]!, p: p[k]! };
}

describe.skipIf(shell.reason !== null)('the corpus list in a real terminal', () => {
  it('lists the lines with the engine\'s predictions; Enter opens one, b comes back, q quits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-corpus-e2e-'));
    const lines = ['hello world', 'low, old', 'the dew', 'hold the line'];
    writeFileSync(join(dir, 'lm.txt'), `${lines.join('\n')}\n`);
    const s = shell.run(`cd ${dir} && ${gatescope} lm.txt --corpus -w ${M}/char_lm.pt --vocab ${M}/char_lm.vocab.json 2>/dev/null; stty -a`);
    await s.waitFor('gatescope · corpus lm.txt: 4 sequences (LSTM H=8)');
    await s.waitFor(/3  line 4\s+13/);
    const rows = s.screen().split('\n');
    lines.forEach((text, i) => {
      const row = rows.find((r) => r.includes(`${i}  line ${i + 1} `))!;
      const { cls, p } = topAtEnd(text);
      expect(row).toContain(`${JSON.stringify(cls)} ${p.toFixed(2)}`);
      expect(row).toMatch(new RegExp(`line ${i + 1}\\s+${text.length}\\s`));
    });
    for (const r of s.screen().split('\n')) expect(r.length).toBeLessThanOrEqual(80);
    s.write('jj');
    s.write('\r');
    await s.waitFor('lm.txt · line 3 │ LSTM 6→8 │ step 1/7');
    expect(s.screen()).toContain('b list');
    s.write('b');
    await s.waitFor(/>\s+2  line 3/);
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
    await expectRestored(s);
  });
});
