/** The cell diagram (d): the cell as the tutorials draw it, with the selected unit's numbers. Drawn by sections/diagram.ts. */
import { diagramSection } from '../sections/diagram.js';
import { section } from './Section.js';

export const CellDiagram = section('CellDiagram', diagramSection);
