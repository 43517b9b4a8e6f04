/** minGRU / minLSTM through the commands: train, inspect, run, memory, view --snapshot, and the errors. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-min-'));
const sine = join(dir, 'sine.csv');
writeFileSync(sine, `y,flag\n${Array.from({ length: 60 }, (_, t) => `${Math.sin(t / 3).toFixed(4)},${t % 2}`).join('\n')}\n`);
const R = 'fixtures/demos/remember';

describe('minGRU / minLSTM in the commands', () => {
  it('train --cell minlstm writes the paper\'s names, which run and inspect read back', async () => {
    const out = join(dir, 'm.json');
    const res = await runCli(['train', sine, '--cell', 'minlstm', '--hidden-size', '3', '--layers', '2', '--epochs', '2', '--window', '20', '-o', out]);
    expect(res.stderr).toMatch(/^training minLSTM H=3 L=2 on next value/);
    expect(res.code).toBe(0);
    const names = Object.keys(JSON.parse(readFileSync(out, 'utf8')) as object);
    expect(names).toEqual([
      ...[0, 1].flatMap((k) => ['linear_f', 'linear_i', 'linear_h'].flatMap((l) => [`rnn.layers.${k}.${l}.weight`, `rnn.layers.${k}.${l}.bias`])),
      'head.weight',
      'head.bias',
    ]);
    const ins = await runCli(['inspect', out]);
    expect(ins.stdout).toMatch(/network\s+minLSTM, input 2, hidden 3, 2 layers, forward, bias/);
    const run = await runCli(['run', sine, '-w', out, '--format', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).meta.head).toMatchObject({ outputs: 2 });
  });

  it('refuses --bidirectional and a --cell the weights contradict, in one line naming the flag or tensor', async () => {
    const bi = await runCli(['train', sine, '--cell', 'mingru', '--bidirectional', '-o', join(dir, 'b.json')]);
    expect(bi.code).not.toBe(0);
    expect(bi.stderr).toMatch(/--bidirectional: a minGRU runs forward only/);
    expect(bi.stderr.trim().split('\n')).toHaveLength(1);
    const wrong = await runCli(['run', `${R}/input.csv`, '-w', `${R}/mingru.json`, '--cell', 'minlstm']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/rnn\.layers\.0\.linear_z\.weight.*a minGRU .*not a minLSTM as --cell says/);
  });

  it('reads the torch.save and safetensors fixtures, lucidrains/minGRU-pytorch names included', async () => {
    const pt = await runCli(['inspect', 'fixtures/min-cells/lucidrains_mingru.pt']);
    expect(pt.stdout).toMatch(/to_hidden_and_gate in "": minGRU layers, lucidrains\/minGRU-pytorch's names/);
    const st = await runCli(['inspect', 'fixtures/min-cells/minlstm_d3_h4_t6.safetensors']);
    expect(st.stdout).toMatch(/network\s+minLSTM, input 3, hidden 4, 1 layer/);
  });

  it('memory: the h column is the product of (1-z) over the steps since, 1 unit by unit at the last step', async () => {
    const res = await runCli(['memory', `${R}/input.csv`, '-w', `${R}/mingru.json`, '--format', 'csv']);
    expect(res.code).toBe(0);
    const rows = res.stdout.trim().split('\n');
    expect(rows[0]).toBe('t,x,h');
    // at the last step d h / d h is the identity: sqrt(H) = sqrt(8)
    expect(Number(rows.at(-1)!.split(',')[2])).toBeCloseTo(Math.sqrt(8), 6);
  });

  it('view --snapshot draws the minGRU panels', async () => {
    const res = await runCli([`${R}/input.csv`, '-w', `${R}/mingru.json`, '--snapshot', '--width', '100']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('minGRU 2→8');
    expect(res.stdout).toMatch(/z update/);
    expect(res.stdout).toMatch(/n candidate g\(x\)/);
  });
});
