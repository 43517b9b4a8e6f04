/** The text tinted by the selected unit (v). Drawn by sections/tint.ts. */
import { tintSection } from '../sections/tint.js';
import { section } from './Section.js';

export const TintView = section('TintView', tintSection);
