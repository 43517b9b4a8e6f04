/** One panel per gate and state, in cell order, one row per unit. Drawn by sections/grid.ts. */
import { gridSection } from '../sections/grid.js';
import { section } from './Section.js';

export const PanelGrid = section('PanelGrid', gridSection);
