/**
 * The viewer's unit-search keys in a real terminal at 80x24, on the char LM of fixtures/models:
 * / ranks the units by a signal (the footer names the best three, as trace/unit-signal.ts ranks
 * them), v tints the text by the selected unit, r … r marks a range and lists its matches.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWeights } from '../../src/io/weights/index.js';
import { findParts } from '../../src/io/weights/parts.js';
import { embeddingRow } from '../../src/engine/model.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { rankUnitsBySignal } from '../../src/trace/unit-signal.js';
import { expectRestored, ptyShell } from '../helpers/pty-shell.js';
import { gatescopeShell as gatescope, requireBuild, ROOT } from '../helpers/build.js';

const shell = ptyShell(ROOT, { cols: 80, rows: 24 });
const M = join(ROOT, 'fixtures/models');
const TEXT = 'hello world, the old wind, low tide, the hill, we whirl the lion';

beforeAll(requireBuild);

/** The ranking the viewer computes, from a trace of the same run (the fast engine, as the viewer's). */
function expectedTop(): string[] {
  const file = loadWeights(readFileSync(join(M, 'char_lm.pt')), { source: 'char_lm.pt' });
  const parts = findParts(file.extra, file.network, { source: 'char_lm.pt', tokens: true });
  const byToken = JSON.parse(readFileSync(join(M, 'char_lm.vocab.json'), 'utf8')) as Record<string, number>;
  const store = new TraceStore(file.network, { source: 't.txt', tokens: true });
  for (const ch of TEXT) store.append(embeddingRow(parts.embedding!, byToken[ch]!), ch);
  store.finish();
  const r = rankUnitsBySignal(store, 0, 0, 'regex:[aeiou]');
  if ('error' in r) throw new Error(r.error);
  return r.order.slice(0, 3).map((u) => `${r.best[u]!.state}[${u}] ${r.best[u]!.r >= 0 ? '+' : ''}${r.best[u]!.r.toFixed(2)}`);
}

describe.skipIf(shell.reason !== null)('unit search in a real terminal', () => {
  it('/ ranks the units by a signal, v tints the text, r … r lists the matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-search-'));
    writeFileSync(join(dir, 't.txt'), TEXT);
    const s = shell.run(`cd ${dir} && ${gatescope} t.txt -w ${M}/char_lm.pt --vocab ${M}/char_lm.vocab.json 2>/dev/null; stty -a`);
    await s.waitFor('step 1/');
    s.write('/');
    await s.waitFor('units following');
    s.write('regex:[aeiou]\r');
    const top = expectedTop();
    await s.waitFor(`units by |r| with regex "[aeiou]" over ${TEXT.length} steps: ${top[0]}`);
    expect(s.screen()).toContain(top.slice(0, 2).join(', '));
    s.write('L');
    s.write('v');
    await s.waitFor(/ text tinted by [a-z]\[\d\]/);
    expect(s.screen()).toContain(' hello␣world,␣the␣old␣wind');
    s.write('v');
    s.write('r');
    await s.waitFor('range from step 11');
    s.write('lr');
    await s.waitFor(/ match: steps 11–12, /);
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
    await expectRestored(s);
  });
});
