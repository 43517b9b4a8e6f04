/** Shown instead of the frame until the terminal is big enough. Drawn by sections/too-small.ts. */
import { tooSmallSection } from '../sections/too-small.js';
import { section } from './Section.js';

export const TooSmall = section('TooSmall', tooSmallSection);
