/**
 * Ctrl-C during `train`: it waited for the end of the epoch (60 s at H=1024, one long window per
 * epoch). The trainer now yields after every time step and the loop lets the signal in every
 * 50 ms: the first Ctrl-C stops wherever the training is and writes the best weights so far, a
 * second one quits at once. The real binary, with an epoch of several seconds.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, requireBuild, scratch } from './harness.js';

const { dir, file } = scratch('train-sig');
// One window of 1500 steps at H=128: an epoch (forward, backward, evaluation) takes seconds.
const long = file('long.csv', `${Array.from({ length: 1500 }, (_, t) => `${Math.sin(t / 7).toFixed(4)},${Math.cos(t / 5).toFixed(4)}`).join('\n')}\n`);

beforeAll(requireBuild);

function startTraining(out: string) {
  const child = spawn(process.execPath, [BIN, 'train', long, '-o', out, '--hidden-size', '128', '--epochs', '1000'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const seen = (pattern: RegExp): Promise<number> =>
    new Promise((res) => {
      const check = (): void => {
        if (pattern.test(stderr)) {
          child.stderr.off('data', check);
          res(performance.now());
        }
      };
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.stderr.on('data', check);
    });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((res) =>
    child.on('close', (code, signal) => res({ code, signal, at: performance.now() })),
  );
  return { child, seen, exited, stderr: () => stderr };
}

describe('Ctrl-C during train', () => {
  it('stops mid-epoch within a fraction of the epoch, keeping the best weights so far (exit 130)', async () => {
    const out = join(dir, 'best.json');
    const t = startTraining(out);
    const began = await t.seen(/^training /m);
    const epoch1 = await t.seen(/^epoch 1\/1000 loss /m);
    const epochMs = epoch1 - began;
    // Into epoch 2, far from its end.
    await new Promise((r) => setTimeout(r, Math.min(300, epochMs / 10)));
    const sent = performance.now();
    t.child.kill('SIGINT');
    const { code, at } = await t.exited;
    expect(code, t.stderr()).toBe(130);
    // Before: the end of epoch 2, a whole epoch (seconds) later. Now: a step and a file write.
    expect(at - sent, `stopped ${Math.round(at - sent)} ms after SIGINT; an epoch took ${Math.round(epochMs)} ms`).toBeLessThan(Math.max(1000, epochMs / 3));
    expect(t.stderr()).not.toMatch(/^epoch 2\//m);
    expect(t.stderr()).toMatch(/stopped after 1 of 1000 epochs in .*: best loss [\d.e-]+ at epoch 1; wrote /);
    expect(Object.keys(JSON.parse(readFileSync(out, 'utf8')) as object)).toContain('head.weight');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 120000);

  it('a second Ctrl-C quits at once', async () => {
    const out = join(dir, 'twice.json');
    const t = startTraining(out);
    await t.seen(/^training /m);
    await new Promise((r) => setTimeout(r, 500));
    const sent = performance.now();
    t.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    t.child.kill('SIGINT');
    const { code, signal, at } = await t.exited;
    // Died of the second signal (or, if the first had already finished the write, exit 130).
    expect(String(signal ?? code)).toMatch(/^(SIGINT|130)$/);
    expect(at - sent).toBeLessThan(1000);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 120000);
});
