/** The heatmap of the chosen panel (units x steps around the cursor) and the selected unit's sparkline. Drawn by sections/timeline.ts. */
import { timelineSection } from '../sections/timeline.js';
import { section } from './Section.js';

export const Timeline = section('Timeline', timelineSection);
