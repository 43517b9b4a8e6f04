import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { expectClose } from '../helpers/expect-close.js';
import { referenceCases } from '../helpers/reference.js';

const TOL = 1e-5;

interface JsonTrace {
  meta: { cell: string; directions: string[] };
  steps: { t: number; x: number[]; layers: Record<string, Record<string, number[]>>[]; y: number[] }[];
  final: { T: number; h_n: number[][]; c_n?: number[][] };
}

describe('gatescope run matches PyTorch', () => {
  for (const ref of referenceCases()) {
    it(`reproduces ${ref.file} (every gate of layer 0, y and final states)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gs-ref-'));
      writeFileSync(join(dir, 'w.json'), JSON.stringify(ref.state_dict));
      writeFileSync(join(dir, 'x.json'), JSON.stringify(ref.input));
      const args = ['run', join(dir, 'x.json'), '--weights', join(dir, 'w.json'), '--format', 'json'];
      if (ref.cell === 'rnn_relu') args.push('--nonlinearity', 'relu');
      if (ref.h0 !== undefined) {
        writeFileSync(join(dir, 'init.json'), JSON.stringify({ h0: ref.h0, c0: ref.c0 }));
        args.push('--initial-state', join(dir, 'init.json'));
      }
      const res = await runCli(args);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const trace = JSON.parse(res.stdout) as JsonTrace;
      expect(trace.steps).toHaveLength(ref.input.length);
      expect(trace.meta.directions).toEqual(ref.bidirectional ? ['forward', 'reverse'] : ['forward']);
      ref.steps.forEach((expected, t) => {
        const got = trace.steps[t]!.layers[0]!['forward']!;
        for (const [name, values] of Object.entries(expected)) {
          expectClose(got[name]!, values, TOL, `${name}[t=${t}, unit={i}]`);
        }
      });
      ref.output.forEach((row, t) => expectClose(trace.steps[t]!.y, row, TOL, `y[t=${t}, unit={i}]`));
      ref.h_n.forEach((row, r) => expectClose(trace.final.h_n[r]!, row, TOL, `h_n[row=${r}, unit={i}]`));
      ref.c_n?.forEach((row, r) => expectClose(trace.final.c_n![r]!, row, TOL, `c_n[row=${r}, unit={i}]`));
      // every layer and direction carries the cell's full set of states
      const names = ref.cell === 'lstm' ? ['i', 'f', 'g', 'o', 'c', 'h'] : ref.cell === 'gru' ? ['r', 'z', 'n', 'h'] : ['h'];
      for (const step of trace.steps) {
        expect(step.layers).toHaveLength(ref.num_layers);
        for (const layer of step.layers) {
          for (const states of Object.values(layer)) expect(Object.keys(states)).toEqual(names);
        }
      }
    });
  }
});
