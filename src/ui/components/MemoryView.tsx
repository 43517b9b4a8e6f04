/** The memory view (m): one log-scale bar per earlier step, per network, with the span in words. Drawn by sections/memory.ts. */
import { memorySection } from '../sections/memory.js';
import { section } from './Section.js';

export const MemoryView = section('MemoryView', memorySection);
