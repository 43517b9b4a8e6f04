/** The input x_t: one name, value and diverging bar per feature. Drawn by sections/input.ts. */
import { inputSection } from '../sections/input.js';
import { section } from './Section.js';

export const InputStrip = section('InputStrip', inputSection);
