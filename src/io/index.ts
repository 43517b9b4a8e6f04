/** io: bytes in, plain data out. Sequence inputs, initial states and (below) weights. */
export * from './errors.js';
export * from './input.js';
export { openInput, readInput, parseInputText, parseInputBytes, parseNpy, createChunkParser, noTimeSteps } from './read-input.js';
export { createCsvParser, type Delimited } from './csv.js';
export { createNdjsonParser } from './ndjson.js';
export { parseJsonInput, type ParsedRows } from './json.js';
export { parseNpyHeader, parseNpyRows, isNpy, type NpyHeader } from './npy.js';
export { halfToNumber } from './float16.js';
export { parseTextInput, parseVocab, tokenize, type ParsedText } from './text.js';
export { formatFromName, sniffFormat } from './detect.js';
export { createLineSplitter, type Line, type LineSplitter } from './lines.js';
export { parseNumberCell } from './rows.js';
export { parseInitialState } from './initial-state.js';

// ---- weights (owned by the weights engineer; add their export line here) ----
