/** The selected unit's equations with the real numbers. */
import { explainLines } from '../frame.js';
import { section } from './Section.js';

export const ExplainPanel = section('ExplainPanel', explainLines);
