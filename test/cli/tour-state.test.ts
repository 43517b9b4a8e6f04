/** The tour's progress file: where it lives, what it holds, and that it is never required. */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProgress, progressPath, readProgress, writeProgress } from '../../src/cli/tour-state.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'gatescope-state-'));

describe('the tour progress file', () => {
  it('lives under XDG_STATE_HOME, else ~/.local/state; a relative XDG_STATE_HOME is ignored', () => {
    expect(progressPath({ XDG_STATE_HOME: '/s', HOME: '/h' })).toBe('/s/gatescope/learn.json');
    expect(progressPath({ XDG_STATE_HOME: 'rel', HOME: '/h' })).toBe('/h/.local/state/gatescope/learn.json');
    expect(progressPath({ HOME: '/h' })).toBe('/h/.local/state/gatescope/learn.json');
    expect(progressPath({})).toBeNull();
  });

  it('writes the chapter reached and reads it back', () => {
    const path = join(dir(), 'gatescope', 'learn.json');
    expect(readProgress(path)).toEqual({ chapter: null, note: null });
    expect(writeProgress(path, 6)).toBeNull();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ version: 1, chapter: 6 });
    expect(readProgress(path)).toEqual({ chapter: 6, note: null });
  });

  it('a corrupt file, a chapter out of range or another version give a note and chapter 1', () => {
    for (const text of ['{not json', '{"version":1,"chapter":12}', '{"version":2,"chapter":3}', '[]', '{"version":1,"chapter":2.5}']) {
      expect(parseProgress(text)).toBeNull();
      const path = join(dir(), 'learn.json');
      writeFileSync(path, text);
      const p = readProgress(path);
      expect(p.chapter).toBeNull();
      expect(p.note).toMatch(/is not a tour progress file/);
    }
  });

  it('an unwritable place gives a reason, never a throw', () => {
    const d = dir();
    writeFileSync(join(d, 'gatescope'), 'a file where the directory should be');
    expect(writeProgress(join(d, 'gatescope', 'learn.json'), 2)).toMatch(/cannot be saved/);
    const ro = join(d, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    // root writes anyway; anyone else gets the reason
    const why = writeProgress(join(ro, 'learn.json'), 2);
    if (process.getuid?.() !== 0) expect(why).toMatch(/cannot be saved/);
    chmodSync(ro, 0o700);
  });
});
