/**
 * Splits a byte stream into lines, keeping the part of a line cut across chunks until its end
 * arrives (as Ink's input parser keeps half an escape sequence). Splitting happens on bytes, so a
 * UTF-8 character cut across chunks is never decoded in halves: 0x0A never occurs inside one.
 */
import { InputError } from './errors.js';
import { DEFAULT_MAX_LINE_BYTES, formatBytes } from './input.js';

export interface Line {
  /** The line without its '\n' or '\r\n'; a UTF-8 BOM at the very start of input is dropped. */
  readonly text: string;
  /** 1-based. */
  readonly number: number;
}

export interface LineSplitter {
  push(chunk: Uint8Array | string): Line[];
  /** The last line when the input does not end with a newline (null if it does). */
  flush(): Line | null;
}

const NEWLINE = 0x0a;
const encoder = new TextEncoder();

export function createLineSplitter(source: string, maxLineBytes = DEFAULT_MAX_LINE_BYTES): LineSplitter {
  const decoder = new TextDecoder('utf-8');
  // The pending line as a list of pieces: concatenating on every chunk would be quadratic.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let lineNumber = 0;

  const tooLong = (): InputError =>
    new InputError(`line is longer than ${formatBytes(maxLineBytes)}`, {
      source,
      line: lineNumber + 1,
      hint: 'is this a file with one step per line? --max-line-bytes raises the limit',
    });

  const decode = (bytes: Uint8Array): string => {
    let text = decoder.decode(bytes);
    if (lineNumber === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text;
  };

  const take = (tail: Uint8Array): Line => {
    let bytes: Uint8Array;
    if (pending.length === 0) bytes = tail;
    else {
      bytes = new Uint8Array(pendingBytes + tail.length);
      let at = 0;
      for (const p of pending) {
        bytes.set(p, at);
        at += p.length;
      }
      bytes.set(tail, at);
      pending = [];
      pendingBytes = 0;
    }
    const text = decode(bytes);
    lineNumber++;
    return { text, number: lineNumber };
  };

  return {
    push(chunk) {
      const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
      const lines: Line[] = [];
      let start = 0;
      for (;;) {
        const nl = bytes.indexOf(NEWLINE, start);
        if (nl < 0) break;
        if (pendingBytes + (nl - start) > maxLineBytes) throw tooLong();
        lines.push(take(bytes.subarray(start, nl)));
        start = nl + 1;
      }
      if (start < bytes.length) {
        if (pendingBytes + (bytes.length - start) > maxLineBytes) throw tooLong();
        // Copy: the caller may reuse its buffer (Node's stream chunks are not guaranteed to be fresh).
        pending.push(bytes.slice(start));
        pendingBytes += bytes.length - start;
      }
      return lines;
    },
    flush() {
      if (pendingBytes === 0) return null;
      return take(new Uint8Array(0));
    },
  };
}
