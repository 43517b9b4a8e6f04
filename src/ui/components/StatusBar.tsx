/** The status line: source, cell and sizes, layer/direction, step N/T, play state, label. Drawn by sections/status.ts. */
import { statusSection } from '../sections/status.js';
import { section } from './Section.js';

export const StatusBar = section('StatusBar', statusSection);
