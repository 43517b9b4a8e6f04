/**
 * The entries of a zip archive, read in place from its central directory (what `torch.save` writes:
 * every entry STORED, i.e. uncompressed, its data 64-byte aligned). An entry's bytes are a
 * subarray of the file's own buffer, never a copy, so a large checkpoint is held once.
 *
 *   local header  PK\x03\x04 ... name, extra, data
 *   central dir   PK\x01\x02 per entry: method, sizes, local header offset (zip64 extra when 0xffffffff)
 *   end record    PK\x05\x06 (and PK\x06\x06 + locator PK\x06\x07 for zip64)
 *
 * Why no npm zip reader (fflate 0.8, yauzl): torch never compresses; fflate's `unzipSync` hands back
 * each entry as an array of its own (a second copy of a large checkpoint) and yauzl reads through
 * file descriptors and streams; the directory is a hundred lines here with every offset checked.
 * A DEFLATEd entry (a .pt re-zipped by hand) is refused with what to do instead.
 */
import { InputError } from '../errors.js';

export interface ZipEntry {
  readonly name: string;
  /** 0 STORED, 8 DEFLATE, ... */
  readonly method: number;
  /** Offset of the entry's data in the archive. */
  readonly dataOffset: number;
  readonly size: number;
}

/** Central directory entries beyond any saved model (torch writes one per storage, plus three). */
export const MAX_ZIP_ENTRIES = 1 << 20;

export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** The archive's entries by name. */
export function readZipEntries(bytes: Uint8Array, source: string): Map<string, ZipEntry> {
  const fail = (message: string): never => {
    throw new InputError(`zip: ${message}`, { source, hint: 'the file is damaged or truncated; save it again with torch.save' });
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): number => {
    const hi = u32(at + 4);
    if (hi >= 2 ** 21) fail('a 64-bit offset beyond any file');
    return hi * 2 ** 32 + u32(at);
  };
  // The end record is in the last 22 + 65535 bytes (its comment is at most 65535 bytes).
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record');
  let count = u16(eocd + 10);
  let dirSize = u32(eocd + 12);
  let dirOffset = u32(eocd + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== 0x07064b50) fail('a zip64 archive without its locator');
    const rec = u64(loc + 8);
    if (rec + 56 > bytes.length || u32(rec) !== 0x06064b50) fail('a zip64 end record outside the file');
    count = u64(rec + 32);
    dirSize = u64(rec + 40);
    dirOffset = u64(rec + 48);
  }
  if (count > MAX_ZIP_ENTRIES) fail(`${count} entries (at most ${MAX_ZIP_ENTRIES})`);
  if (dirOffset + dirSize > bytes.length) fail('the central directory lies beyond the end of the file');
  const entries = new Map<string, ZipEntry>();
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  let at = dirOffset;
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || u32(at) !== 0x02014b50) fail(`central directory entry ${k} is damaged`);
    const method = u16(at + 10);
    let size = u32(at + 24);
    let compressed = u32(at + 20);
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    let local = u32(at + 42);
    if (at + 46 + nameLen + extraLen + commentLen > bytes.length) fail(`central directory entry ${k} runs past the end of the file`);
    const name = utf8.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    // zip64 extra field (id 1): the 0xffffffff fields in order: size, compressed size, offset.
    let e = at + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const len = u16(e + 2);
      if (e + 4 + len > extraEnd) fail(`the extra field of ${JSON.stringify(name)} is damaged`);
      if (id === 1) {
        let f = e + 4;
        const next = (): number => {
          if (f + 8 > e + 4 + len) fail(`the zip64 field of ${JSON.stringify(name)} is too short`);
          const v = u64(f);
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressed === 0xffffffff) compressed = next();
        if (local === 0xffffffff) local = next();
      }
      e += 4 + len;
    }
    if (local + 30 > bytes.length || u32(local) !== 0x04034b50) fail(`the local header of ${JSON.stringify(name)} is outside the file`);
    const dataOffset = local + 30 + u16(local + 26) + u16(local + 28);
    if (dataOffset + compressed > bytes.length) fail(`the data of ${JSON.stringify(name)} runs past the end of the file`);
    if (method === 0 && compressed !== size) fail(`stored entry ${JSON.stringify(name)} has two different sizes`);
    entries.set(name, { name, method, dataOffset, size: method === 0 ? size : compressed });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** A STORED entry's bytes, in place. */
export function zipEntryBytes(bytes: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  if (entry.method !== 0) {
    throw new InputError(`zip entry ${JSON.stringify(entry.name)} is compressed (method ${entry.method}); torch.save writes them uncompressed`, {
      source,
      hint: 'load it in Python and save it again with torch.save, or with safetensors.torch.save_file(model.state_dict(), path)',
    });
  }
  return bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size);
}
