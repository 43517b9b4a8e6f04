/** The selected unit's equations with the real numbers. Drawn by sections/explain.ts. */
import { explainSection } from '../sections/explain.js';
import { section } from './Section.js';

export const ExplainPanel = section('ExplainPanel', explainSection);
