/** The footer: number entry, notes, input errors, key hints and the unit position. */
import { footerLine } from '../frame.js';
import { section } from './Section.js';

export const Footer = section('Footer', (f) => [footerLine(f)]);
