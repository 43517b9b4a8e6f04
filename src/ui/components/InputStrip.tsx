/** The input x_t: one name, value and diverging bar per feature. */
import { xStrip } from '../frame.js';
import { section } from './Section.js';

export const InputStrip = section('InputStrip', xStrip);
