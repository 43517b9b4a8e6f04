/** sLSTM through the commands: inspect, run, run --set, stats, memory, attribute, train, and their errors. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const X = 'fixtures/xlstm-cells';
const dir = mkdtempSync(join(tmpdir(), 'gs-slstm-'));
const c = JSON.parse(readFileSync(join(X, 'slstm_net_2l_h0_t9.json'), 'utf8')) as {
  state_dict: object;
  input: number[][];
  h0: number[][];
  c0: number[][];
  layers: Record<string, number[]>[][];
};
const weights = join(dir, 'w.json');
const input = join(dir, 'x.csv');
const init = join(dir, 'init.json');
writeFileSync(weights, JSON.stringify(c.state_dict));
writeFileSync(input, `${c.input.map((r) => r.join(',')).join('\n')}\n`);
writeFileSync(init, JSON.stringify({ h0: c.h0, c0: c.c0 }));

describe('sLSTM in the commands', () => {
  it('run writes i f z o c n m h per layer, equal to the torch reference to 1e-5', async () => {
    const res = await runCli(['run', input, '-w', weights, '--initial-state', init, '--format', 'json']);
    expect(res.stderr).toBe('');
    const doc = JSON.parse(res.stdout) as { meta: { cell: string; numHeads: number }; steps: { layers: { forward: Record<string, number[]> }[] }[] };
    expect(doc.meta).toMatchObject({ cell: 'slstm', numHeads: 2 });
    doc.steps.forEach((s, t) =>
      s.layers.forEach((l, k) => {
        expect(Object.keys(l.forward)).toEqual(['i', 'f', 'z', 'o', 'c', 'n', 'm', 'h']);
        for (const [name, v] of Object.entries(l.forward)) v.forEach((x, u) => expect(Math.abs(x - c.layers[k]![t]![name]![u]!), `l${k} ${name}[t=${t}, unit=${u}]`).toBeLessThan(1e-5));
      }),
    );
  });

  it('inspect names the cell and its heads; stats flags none of the stabilised gates', async () => {
    const ins = await runCli(['inspect', `${X}/slstm_net_d3_h6_nh2_t12.safetensors`]);
    expect(ins.stdout).toMatch(/network\s+sLSTM, input 3, hidden 6, 1 layer, forward, bias/);
    expect(ins.stdout).toMatch(/sLSTM layers \(2 heads\), gatescope's reference names/);
    const st = await runCli(['stats', input, '-w', weights, '--initial-state', init]);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/^sLSTM: 2 layers, forward, H=4, D=3/);
    expect(st.stdout).toContain('layer 0 forward i (stabilised, in (0, 1]: never saturated)');
    expect(st.stdout).toContain('layer 0 forward o (sigmoid');
    expect(st.stdout).toContain('layer 1 forward m (unbounded)');
  });

  it('c0 of the wrong width names the row and the 3H it needs', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ c0: [[0, 0, 0, 0], [0, 0, 0, 0]] }));
    const res = await runCli(['run', input, '-w', weights, '--initial-state', bad]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/c0\[0\].*expected 12 numbers \(an sLSTM's c, n, m: 3 x 4\), got 4/);
  });

  it('memory and attribute run on its backward pass; --set edits a gate and the states after it', async () => {
    const mem = await runCli(['memory', input, '-w', weights, '--initial-state', init, '--format', 'csv']);
    expect(mem.code).toBe(0);
    expect(mem.stdout.split('\n')[0]).toBe('t,x,h');
    const att = await runCli(['attribute', input, '-w', weights, '--target', 'h[0]@8']);
    expect(att.code).toBe(0);
    const set = await runCli(['run', input, '-w', weights, '--set', 'l0.f[1]@3:=0', '--format', 'json']);
    expect(set.code).toBe(0);
    const l0 = (JSON.parse(set.stdout) as { steps: { layers: { forward: Record<string, number[]> }[] }[] }).steps[3]!.layers[0]!.forward;
    expect(l0['f']![1]).toBe(0);
    expect(l0['n']![1]).toBeCloseTo(l0['i']![1]!, 12);
    const c = await runCli(['attribute', input, '-w', weights, '--target', 'c[0]@8']);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toMatch(/sLSTM's c is stabilised/);
  });

  it('train --cell slstm writes the reference names, which inspect and run read back', async () => {
    const sine = join(dir, 'sine.csv');
    writeFileSync(sine, `y,flag\n${Array.from({ length: 60 }, (_, t) => `${Math.sin(t / 3).toFixed(4)},${t % 2}`).join('\n')}\n`);
    const out = join(dir, 's.json');
    const res = await runCli(['train', sine, '--cell', 'slstm', '--hidden-size', '4', '--layers', '2', '--epochs', '12', '--window', '20', '-o', out]);
    expect(res.code).toBe(0);
    const losses = [...res.stderr.matchAll(/epoch \d+\/12 loss ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(losses).toHaveLength(12);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    const names = Object.keys(JSON.parse(readFileSync(out, 'utf8')) as object);
    expect(names).toEqual([...[0, 1].flatMap((k) => ['weight_ih', 'recurrent_kernel', 'bias'].map((l) => `rnn.layers.${k}.${l}`)), 'head.weight', 'head.bias']);
    const ins = await runCli(['inspect', out]);
    expect(ins.stdout).toMatch(/network\s+sLSTM, input 2, hidden 4, 2 layers, forward, bias/);
    const run = await runCli(['run', sine, '-w', out, '--format', 'json']);
    expect(run.code).toBe(0);
  });

  for (const [what, argv, pattern] of [
    ['run --set of an unknown state', ['run', input, '-w', weights, '--set', 'g[0]:=0'], /an sLSTM has i, f, z, o, c, n, m, h \(and x\), not g/],
    ['train --bidirectional', ['train', input, '--cell', 'slstm', '--bidirectional', '-o', join(dir, 'b.json')], /an sLSTM runs forward only here .*no bidirectional/],
  ] as const) {
    it(`${what} refuses it in one line naming the cell`, async () => {
      const res = await runCli([...argv]);
      expect(res.code).not.toBe(0);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(pattern);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});
