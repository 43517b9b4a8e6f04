/** The help overlay, generated from the key table. */
import { helpBody } from '../frame.js';
import { section } from './Section.js';

export const HelpOverlay = section('HelpOverlay', helpBody);
