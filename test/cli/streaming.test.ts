import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild } from '../helpers/build.js';

/**
 * `gatescope run -` must emit each step as its line arrives, not when stdin ends: the test only
 * writes the next line after it has read the previous step's output, with stdin still open.
 */
beforeAll(requireBuild);

describe('run streams stdin', () => {
  for (const format of ['csv', 'ndjson'] as const) {
    it(`emits a step per ${format} line before the input ends`, async () => {
      const child = spawn(process.execPath, ['bin/gatescope.js', 'run', '-', '--input-format', format, '--hidden-size', '2'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const rows = format === 'csv' ? ['speed,angle\n', '0.5,1\n', '-1,2\n', '3,-0.25\n'] : ['{"speed": 0.5, "angle": 1}\n', '{"speed": -1, "angle": 2}\n', '{"speed": 3, "angle": -0.25}\n'];
      const data = format === 'csv' ? rows.slice(1) : rows;
      if (format === 'csv') child.stdin.write(rows[0]!);
      for (let t = 0; t < data.length; t++) {
        // split the record across two writes: the reader must keep the first half
        const row = data[t]!;
        child.stdin.write(row.slice(0, 3));
        await new Promise((r) => setTimeout(r, 20));
        child.stdin.write(row.slice(3));
        const next = await lines.next();
        expect(next.done, stderr).toBe(false);
        const step = JSON.parse(next.value as string) as { t: number; x: number[] };
        expect(step.t).toBe(t);
        expect(step.x).toHaveLength(2);
      }
      child.stdin.end();
      const code = await new Promise<number | null>((r) => child.on('close', r));
      expect(stderr).toBe('');
      expect(code).toBe(0);
    });
  }
});
