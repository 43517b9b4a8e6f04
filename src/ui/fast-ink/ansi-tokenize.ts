/**
 * Stands in for @alcalzone/ansi-tokenize inside Ink (see hooks.ts): the package's own exports,
 * with the three Ink calls per frame line replaced by the fast paths of text-fast-path.ts.
 */
import * as original from '@alcalzone/ansi-tokenize';
import { createFastTokenize, createStyledCharsFromTokens, createStyledCharsToString } from './text-fast-path.js';

export const { ansiCodesToString, diffAnsiCodes, reduceAnsiCodes, reduceAnsiCodesIncremental, undoAnsiCodes } = original;
export const tokenize = createFastTokenize(original.tokenize);
export const styledCharsFromTokens = createStyledCharsFromTokens(original.reduceAnsiCodesIncremental);
export const styledCharsToString = createStyledCharsToString(original.diffAnsiCodes, original.ansiCodesToString);
