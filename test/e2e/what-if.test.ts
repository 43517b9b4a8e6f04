/**
 * The viewer's w prompt in a real terminal: an intervention typed as --set writes one re-runs the
 * network beside the original; the status line's two predictions are the engine's own (the plain
 * run and runSequenceIntervened), and w then Enter clears the edit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { headForward, runSequence } from '../../src/engine/index.js';
import { interventionsFor, parseIntervention } from '../../src/engine/intervene-spec.js';
import { runSequenceIntervened } from '../../src/engine/intervene.js';
import { parseInputText } from '../../src/io/read-input.js';
import { loadWeights } from '../../src/io/weights/index.js';
import { findParts } from '../../src/io/weights/parts.js';
import { expectRestored, ptyShell } from '../helpers/pty-shell.js';
import { gatescopeShell as gatescope, requireBuild, ROOT } from '../helpers/build.js';

const shell = ptyShell(ROOT, { cols: 120, rows: 40 });
const D = join(ROOT, 'fixtures/demos/remember');

beforeAll(requireBuild);

function predictions(spec: string): { plain: number; edited: number } {
  const file = loadWeights(readFileSync(join(D, 'lstm.json')), { source: 'lstm.json' });
  const head = findParts(file.extra, file.network, { source: 'lstm.json', tokens: false }).head!;
  const xs = parseInputText(readFileSync(join(D, 'input.csv'), 'utf8'), 'input.csv').records.map((r) => r.values);
  const out = new Float64Array(1);
  headForward(head, runSequence(file.network, xs).at(-1)!.y, out);
  const plain = out[0]!;
  const list = interventionsFor(file.network, [parseIntervention(spec)]);
  headForward(head, runSequenceIntervened(file.network, xs, undefined, list).at(-1)!.y, out);
  return { plain, edited: out[0]! };
}

describe.skipIf(shell.reason !== null)('what if (w) in a real terminal', () => {
  it('clearing c[2] from step 10 on changes the remember LSTM\'s answer by the engine\'s numbers; w Enter clears', async () => {
    const spec = 'c[2]@10-:=0';
    const want = predictions(spec);
    const s = shell.run(`${gatescope} ${D}/input.csv -w ${D}/lstm.json 2>/dev/null; stty -a`);
    await s.waitFor('step 1/50');
    s.write('G');
    await s.waitFor('step 50/50');
    s.write('w');
    await s.waitFor('what if (e.g.');
    s.write(spec);
    await s.waitFor(`${spec}▏ Enter re-runs`);
    s.write('\r');
    await s.waitFor(`ŷ ${want.plain.toFixed(4)} vs ŷ ${want.edited.toFixed(4)}`);
    await s.waitFor(new RegExp(`what if ${spec.replace(/[[\]]/g, "\\$&")}: at step 50 h\\[\\d\\] moved most, -?\\d\\.\\d{3} → -?\\d\\.\\d{3}`));
    s.write('w');
    s.write('\r');
    await s.waitFor('edits cleared: the model as it is');
    expect(s.screen()).not.toContain(' vs ŷ');
    s.write('w');
    s.write('q[9]:=1\r');
    await s.waitFor(/w: "q\[9\]:=1": no gate or state "q"/);
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
    await expectRestored(s);
  });
});
