/** mLSTM through the commands: run (with an initial state), inspect, view --snapshot, memory, attribute and train. */
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

  it('memory writes x, h and C (the matrix memories) per step from the initial state; h is 0 before the last step', async () => {
    const res = await runCli(['memory', input, '-w', weights, '--initial-state', init]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { cell: string; T: number; sensitivity: { t: number; x: number; h: number; C: number }[] };
    expect(doc.cell).toBe('mlstm');
    expect(doc.sensitivity).toHaveLength(c.input.length);
    for (const s of doc.sensitivity) expect(Object.keys(s)).toEqual(['t', 'x', 'h', 'C']);
    doc.sensitivity.slice(0, -1).forEach((s) => expect(s.h).toBe(0));
    expect(doc.sensitivity.every((s) => s.C > 0 && s.x > 0)).toBe(true);
    const csv = await runCli(['memory', input, '-w', weights, '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('t,x,h,C');
  });

  it('attribute gives the h target a completeness gap and refuses c by name', async () => {
    const res = await runCli(['attribute', input, '-w', weights, '--initial-state', init, '--target', 'h[0]@8', '--format', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as { value: number };
    expect(Math.abs(doc.value - c.layers[1]![8]!['h']![0]!)).toBeLessThan(1e-5);
    const bad = await runCli(['attribute', input, '-w', weights, '--target', 'c[0]@2']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^gatescope: .*an mLSTM has no cell state c \(its memory is a matrix C per head\); attribute h\[u\]@t \(see gatescope --help\)\n$/);
  });

  it('train --cell mlstm --heads 2 writes the reference names, which inspect and run read back', async () => {
    const sine = join(dir, 'sine.csv');
    writeFileSync(sine, `y,flag\n${Array.from({ length: 60 }, (_, t) => `${Math.sin(t / 3).toFixed(4)},${t % 2}`).join('\n')}\n`);
    const out = join(dir, 'm.json');
    const res = await runCli(['train', sine, '--cell', 'mlstm', '--hidden-size', '4', '--heads', '2', '--layers', '2', '--epochs', '12', '--window', '20', '-o', out]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/training mLSTM H=4 L=2 NH=2/);
    const losses = [...res.stderr.matchAll(/epoch \d+\/12 loss ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(losses).toHaveLength(12);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    const names = Object.keys(JSON.parse(readFileSync(out, 'utf8')) as object);
    expect(names).toEqual([...[0, 1].flatMap((k) => ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'igate', 'fgate'].flatMap((l) => [`rnn.layers.${k}.${l}.weight`, `rnn.layers.${k}.${l}.bias`])), 'head.weight', 'head.bias']);
    const ins = await runCli(['inspect', out]);
    expect(ins.stdout).toMatch(/network\s+mLSTM, input 2, hidden 4, 2 layers, forward, bias/);
    expect(ins.stdout).toMatch(/2 heads of 2 units/);
    const run = await runCli(['run', sine, '-w', out, '--format', 'json']);
    expect(run.code).toBe(0);
    const fast = await runCli(['train', sine, '--cell', 'mlstm', '--hidden-size', '4', '--epochs', '1', '--fast', '-o', join(dir, 'f.json')]);
    expect(fast.code).toBe(0);
    expect(fast.stderr).toContain('gatescope: note: --fast: the WebAssembly kernels do not cover an mLSTM; it trains on the float64 reference engine\n');
    const bad = await runCli(['train', sine, '--cell', 'mlstm', '--hidden-size', '4', '--heads', '3', '-o', join(dir, 'n.json')]);
    expect(bad.stderr).toBe('gatescope: --heads 3 does not divide --hidden-size 4 (see gatescope --help)\n');
    const lstm = await runCli(['train', sine, '--heads', '2', '-o', join(dir, 'n.json')]);
    expect(lstm.stderr).toMatch(/^gatescope: --heads is for an sLSTM or mLSTM \(an LSTM has no heads\) \(see gatescope --help\)\n$/);
  });

  it("stats calls a stabilised gate that stays at 1 held at 1, not dead (its head's input gate wins the stabiliser every step)", async () => {
    const long = JSON.parse(readFileSync(join(X, 'mlstm_net_long_t300.json'), 'utf8')) as { state_dict: object; input: number[][]; layers: Record<string, number[]>[][] };
    // the reference module's own i of head 1: 1 at every step
    expect(long.layers[0]!.every((r) => r['i']![1] === 1)).toBe(true);
    const w = join(dir, 'long.json');
    const x = join(dir, 'long.csv');
    writeFileSync(w, JSON.stringify(long.state_dict));
    writeFileSync(x, `${long.input.map((r) => r.join(',')).join('\n')}\n`);
    const st = await runCli(['stats', x, '-w', w]);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain('  layer 0 forward i: 2 held at 1 (units 2, 3)\n');
    expect(st.stdout).toContain('layer 0 forward i (stabilised, in (0, 1]: never saturated): 0 saturated, 0 dead, 2 held at 1 of 4');
    expect(st.stdout).not.toMatch(/dead \(units/);
  });

  it('--set refuses it in one line naming the cell', async () => {
    for (const args of [
      ['run', input, '-w', weights, '--set', 'h[0]@1:=0'],
    ]) {
      const res = await runCli(args);
      expect(res.code, args.join(' ')).not.toBe(0);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/^gatescope: .*an mLSTM.*\n$/);
    }
  });
});
