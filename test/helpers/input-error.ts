/** The InputError a reader throws, for the tests of error paths. */
import { expect } from 'vitest';
import { InputError } from '../../src/io/errors.js';

/** The InputError `fn` throws; fails the test when it throws nothing, and rethrows anything else. */
export function errorOf(fn: () => unknown, what = 'the call'): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  return expect.fail(`expected an InputError: ${what} returned`);
}

/** The InputError a promise rejects with, checked as errorOf checks a call. */
export async function rejectionOf(p: Promise<unknown>, what = 'the promise'): Promise<InputError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  return expect.fail(`expected an InputError: ${what} resolved`);
}

/** The one line a user reads for the InputError `fn` throws (`x.csv:2:1: ...`). */
export function messageOf(fn: () => unknown, what?: string): string {
  return errorOf(fn, what).format();
}
