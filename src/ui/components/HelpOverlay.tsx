/** The help overlay, generated from the key table. Drawn by sections/help.ts. */
import { helpSection } from '../sections/help.js';
import { section } from './Section.js';

export const HelpOverlay = section('HelpOverlay', helpSection);
