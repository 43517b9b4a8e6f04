/** The guided tour's chapter (learn, t): its story with the real numbers above the view it opened. Drawn by sections/tour.ts. */
import { tourSection } from '../sections/tour.js';
import { section } from './Section.js';

export const TourPanel = section('TourPanel', tourSection);
