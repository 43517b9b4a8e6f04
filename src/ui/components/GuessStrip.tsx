/** A classifier head's top guesses per step. Drawn by sections/guesses.ts. */
import { guessesSection } from '../sections/guesses.js';
import { section } from './Section.js';

export const GuessStrip = section('GuessStrip', guessesSection);
