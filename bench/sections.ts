/**
 * Every measurement `npm run bench` makes, in print order. To add one (the viewer's frame build
 * time and bytes per frame, keypress-to-screen latency in a pty, cold start to first frame, peak
 * RSS of the 1M-step case), write a BenchSection (lib.ts) and list it here; lib.ts has runNode()
 * for a child process's wall time and peak RSS, and timeMs()/median() for in-process timings.
 */
import { attributionSection } from './attribution.js';
import { boundsSection } from './bounds.js';
import { cellsSection } from './cells.js';
import { corpusSection } from './corpus.js';
import { cWidthSection } from './c-width.js';
import { engineSection } from './engine.js';
import { frameSection } from './frame.js';
import type { BenchSection } from './lib.js';
import { memorySection } from './memory.js';
import { memoryViewSection } from './memory-view.js';
import { statsProcessSection, statsThreadsSection } from './stats-process.js';
import { torchLoadSection } from './torch-load.js';
import { trainSection } from './train.js';
import { viewerSection } from './viewer.js';

export const SECTIONS: readonly BenchSection[] = [engineSection, cellsSection, cWidthSection, statsProcessSection, statsThreadsSection, frameSection, viewerSection, memorySection, memoryViewSection, attributionSection, trainSection, corpusSection, torchLoadSection, boundsSection];
