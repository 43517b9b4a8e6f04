/** The memory view (m) in the body's place, drawn by memory-frame.ts. */
import type { MemoryState } from '../../trace/memory-view.js';
import { memoryLines, memorySnapshotRows, type MemoryNetwork } from '../memory-frame.js';
import { blocks, stepKey, type FrameInput, type FrameSection } from './shared.js';

/** The memory view in the body's place: how far back each network's state reaches from the cursor. */
export function memoryBody(f: FrameInput): string[] {
  const { session: s, layout: L } = f;
  const networks: MemoryNetwork[] = blocks(f).map((b, i) => ({ store: b.store, name: b.name, state: f.memory?.[i] ?? { status: 'idle' } }));
  const rows = L.snapshot ? memorySnapshotRows(networks) : L.bodyRows;
  return memoryLines({ networks, cursor: s.cursor, T: s.T, focus: f.pair != null ? s.focus : 0, theme: f.theme, cols: L.cols, rows }, L.snapshot);
}

/** What the memory view's text depends on besides the cursor: how far each computation got. */
export function memoryKey(states: readonly MemoryState[] | null | undefined): string {
  return (states ?? []).map((m) => (m.status === 'computing' ? `c${m.passes}` : m.status)).join(',');
}

export const memorySection: FrameSection = { id: 'memory', lines: memoryBody, memoKey: (f) => `${stepKey(f)}|${memoryKey(f.memory)}` };
