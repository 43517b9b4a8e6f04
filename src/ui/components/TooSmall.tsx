/** Shown instead of the frame until the terminal is big enough. */
import { tooSmallLines } from '../frame.js';
import { section } from './Section.js';

export const TooSmall = section('TooSmall', (f) => tooSmallLines(f.theme, f.layout));
