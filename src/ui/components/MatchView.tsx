/** The match view (r … r): where the units on over the marked range go on together again. Drawn by sections/match.ts. */
import { matchSection } from '../sections/match.js';
import { section } from './Section.js';

export const MatchView = section('MatchView', matchSection);
