/** The footer: number entry, notes, input errors, key hints and the unit position. Drawn by sections/footer.ts. */
import { footerSection } from '../sections/footer.js';
import { section } from './Section.js';

export const Footer = section('Footer', footerSection);
