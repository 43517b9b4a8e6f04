/** The memory view (m): one log-scale bar per earlier step, per network, with the span in words. */
import { memoryBody } from '../frame.js';
import { section } from './Section.js';

export const MemoryView = section('MemoryView', memoryBody);
