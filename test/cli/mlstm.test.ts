/** mLSTM through the commands: run (with an initial state), inspect, view --snapshot, and the commands that refuse it. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const X = 'fixtures/xlstm-cells';
const dir = mkdtempSync(join(tmpdir(), 'gs-mlstm-'));
const c = JSON.parse(readFileSync(join(X, 'mlstm_net_2l_c0_t9.json'), 'utf8')) as {
  state_dict: object;
  input: number[][];
  c0: number[][];
  num_heads: number;
  layers: Record<string, number[]>[][];
};
const weights = join(dir, 'w.json');
const input = join(dir, 'x.csv');
const init = join(dir, 'init.json');
writeFileSync(weights, JSON.stringify(c.state_dict));
writeFileSync(input, `${c.input.map((r) => r.join(',')).join('\n')}\n`);
writeFileSync(init, JSON.stringify({ c0: c.c0 }));

describe('mLSTM in the commands', () => {
  it('run writes i f o m n h and the matrix memories C per layer from an initial state, equal to the torch reference to 1e-5', async () => {
    const res = await runCli(['run', input, '-w', weights, '--initial-state', init, '--format', 'json']);
    expect(res.stderr).toBe('');
    const doc = JSON.parse(res.stdout) as { meta: { cell: string; numHeads: number }; steps: { layers: { forward: Record<string, number[]> }[] }[] };
    expect(doc.meta).toMatchObject({ cell: 'mlstm', numHeads: 2 });
    const DH = 2;
    doc.steps.forEach((s, t) =>
      s.layers.forEach((l, k) => {
        expect(Object.keys(l.forward)).toEqual(['i', 'f', 'o', 'm', 'n', 'h', 'C']);
        for (const [name, v] of Object.entries(l.forward)) {
          const ref = c.layers[k]![t]![name]!;
          expect(v.length, `l${k} ${name}`).toBe(name === 'C' ? 2 * DH * DH : 4);
          // i, f and m are the head's, repeated over its units
          v.forEach((x, u) => expect(Math.abs(x - ref[name === 'i' || name === 'f' || name === 'm' ? Math.floor(u / DH) : u]!), `l${k} ${name}[t=${t}, unit=${u}]`).toBeLessThan(1e-5));
        }
      }),
    );
  });

  it('inspect names the cell, its heads and every tensor; view --snapshot draws its panels', async () => {
    const ins = await runCli(['inspect', `${X}/mlstm_net_d3_h6_nh2_t12.pt`]);
    expect(ins.stdout).toMatch(/network\s+mLSTM, input 3, hidden 6, 1 layer, forward, bias/);
    expect(ins.stdout).toMatch(/mLSTM layers \(2 heads of 3 units\), gatescope's reference names/);
    expect(ins.stdout).toMatch(/layers\.0\.fgate\.weight\s+F32\s+\[2, 3\]\s+layer 0 forget gate f \(per head\)/);
    const view = await runCli([input, '-w', weights, '--snapshot', '--width', '120']);
    expect(view.code).toBe(0);
    expect(view.stdout).toContain('mLSTM 3→4');
  });

  it('memory, attribute, train and --set refuse it in one line naming the cell', async () => {
    for (const args of [
      ['memory', input, '-w', weights],
      ['attribute', input, '-w', weights, '--target', 'h[0]@2'],
      ['train', input, '--cell', 'mlstm', '-o', join(dir, 't.json')],
      ['run', input, '-w', weights, '--set', 'h[0]@1:=0'],
    ]) {
      const res = await runCli(args);
      expect(res.code, args.join(' ')).not.toBe(0);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/^gatescope: .*an mLSTM.*\n$/);
    }
  });
});
