/** The attribution view (a): the steps and features the output at the cursor came from. Drawn by sections/attribution.ts. */
import { attributionSection } from '../sections/attribution.js';
import { section } from './Section.js';

export const AttributionView = section('AttributionView', attributionSection);
