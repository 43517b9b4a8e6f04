/** One panel per gate and state, in cell order, one row per unit. */
import { panelGrid } from '../frame.js';
import { section } from './Section.js';

export const PanelGrid = section('PanelGrid', panelGrid);
