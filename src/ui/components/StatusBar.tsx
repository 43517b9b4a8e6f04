/** The status line: source, cell and sizes, layer/direction, step N/T, play state, label. */
import { statusLine } from '../frame.js';
import { section } from './Section.js';

export const StatusBar = section('StatusBar', (f) => [statusLine(f)]);
