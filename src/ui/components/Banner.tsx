/** The banner under the status line: a demo's task, or a hint about the input's range. Drawn by sections/banner.ts. */
import { bannerSection } from '../sections/banner.js';
import { section } from './Section.js';

export const Banner = section('Banner', bannerSection);
