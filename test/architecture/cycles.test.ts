import { describe, expect, it } from 'vitest';
import { localImports, sources, srcPath } from '../helpers/source-imports.js';

/**
 * No module of a layer reaches itself through its imports (`import type` included): a cycle makes
 * the load order matter and the two modules one. io had two (lines <-> input, weights/index <->
 * weights/describe) before formatBytes and the WeightsFile types moved.
 */

/** The first cycle found, as the path that closes it (`a -> b -> a`), or null. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

describe('findCycle', () => {
  it('names the modules of a cycle in import order', () => {
    const g = new Map([['a', ['b']], ['b', ['c', 'd']], ['c', []], ['d', ['b']]]);
    expect(findCycle(g)).toEqual(['b', 'd', 'b']);
  });

  it('finds none in a graph that only shares a dependency', () => {
    expect(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toBeNull();
  });
});

describe('import cycles', () => {
  const files = sources();
  const known = new Set(files);

  it.each(['engine', 'io', 'trace', 'ui', 'cli'])('keeps %s free of them', (layer) => {
    const inLayer = files.filter((f) => srcPath(f).startsWith(`${layer}/`));
    expect(inLayer.length).toBeGreaterThan(0);
    const graph = new Map(inLayer.map((f) => [srcPath(f), localImports(f, known).map(srcPath).filter((p) => p.startsWith(`${layer}/`))]));
    expect(findCycle(graph)?.join(' -> ') ?? null).toBeNull();
  });
});
