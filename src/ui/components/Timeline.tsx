/** The heatmap of the chosen panel (units x steps around the cursor) and the selected unit's sparkline. */
import { timelineLines } from '../frame.js';
import { section } from './Section.js';

export const Timeline = section('Timeline', timelineLines);
