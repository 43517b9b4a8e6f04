/** The banner under the status line, and a classifier head's top guesses per step. */
import { bannerLines, guessLines } from '../frame.js';
import { section } from './Section.js';

export const Banner = section('Banner', bannerLines);
export const GuessStrip = section('GuessStrip', guessLines);
