/**
 * What `torch.save` writes, read as data (pickle.ts interprets the pickles; nothing is executed):
 *
 *   zip (torch >= 1.6, the default)       <archive>/data.pkl     the pickle; tensors point at storages
 *                                         <archive>/data/<key>   each storage's raw bytes (STORED)
 *                                         <archive>/byteorder    "little" or "big" (absent: little)
 *                                         <archive>/version
 *   legacy (_use_new_zipfile_serialization=False)
 *                                         pickle: magic number 0x1950a86a20f9469cfc6c
 *                                         pickle: protocol version 1001
 *                                         pickle: sys_info {little_endian, type_sizes, ...}
 *                                         pickle: the object, storages as persistent ids
 *                                         pickle: the storage keys, in the order they follow
 *                                         per key: u64 LE element count, then the raw elements
 *
 * A tensor is `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`; a Parameter
 * wraps one. What was saved may be a state_dict, a checkpoint dict holding one
 * (`{'epoch', 'model_state_dict', 'optimizer_state_dict', ...}`), or the whole module
 * (`torch.save(model)`), whose classes (`__main__.RNNModel`, `torch.nn.modules.rnn.LSTM`) become
 * inert placeholders: the tensors are found under `_parameters` / `_buffers` / `_modules` and named
 * as model.state_dict() would name them, and an RNN module's attributes (mode, nonlinearity,
 * hidden_size, ...) are kept for the caller to use and check.
 *
 * Globals: only those below are accepted; a global of the standard library (os.system,
 * builtins.eval, subprocess.Popen, functools.partial, ...), of torch outside this list, or of other
 * packages that can run code is refused by name before anything else happens. Classes of the user's
 * own modules (`__main__`, `model`, ...) and of torch.nn.modules are placeholders that hold data.
 */
import { cellLabel, gateCount, type CellKind, type Network } from '../../engine/index.js';
import { InputError } from '../errors.js';
import { PyBytes, PyInstance, typeName, unpickle, type PickleHooks, type PyGlobal } from './pickle.js';
import { decodeFloats, DTYPE_SIZE, MAX_ELEMENTS, MAX_RANK, shapeText, type FloatDtype, type Tensor, type TensorInfo } from './tensor.js';
import { looksLikeZip, readZipEntries, zipEntryBytes } from './zip.js';

/** Storage element types as torch names them, with our dtype names and sizes. */
const STORAGE_DTYPES: Readonly<Record<string, { dtype: string; size: number }>> = {
  FloatStorage: { dtype: 'F32', size: 4 },
  DoubleStorage: { dtype: 'F64', size: 8 },
  HalfStorage: { dtype: 'F16', size: 2 },
  BFloat16Storage: { dtype: 'BF16', size: 2 },
  LongStorage: { dtype: 'I64', size: 8 },
  IntStorage: { dtype: 'I32', size: 4 },
  ShortStorage: { dtype: 'I16', size: 2 },
  CharStorage: { dtype: 'I8', size: 1 },
  ByteStorage: { dtype: 'U8', size: 1 },
  BoolStorage: { dtype: 'BOOL', size: 1 },
  ComplexFloatStorage: { dtype: 'C64', size: 8 },
  ComplexDoubleStorage: { dtype: 'C128', size: 16 },
  QInt8Storage: { dtype: 'QI8', size: 1 },
  QUInt8Storage: { dtype: 'QU8', size: 1 },
  QInt32Storage: { dtype: 'QI32', size: 4 },
};

/** torch.<dtype> globals (what torch.float32 pickles as), to storage element types. */
const TORCH_DTYPES: Readonly<Record<string, string>> = {
  float32: 'FloatStorage',
  float: 'FloatStorage',
  float64: 'DoubleStorage',
  double: 'DoubleStorage',
  float16: 'HalfStorage',
  half: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  int64: 'LongStorage',
  long: 'LongStorage',
  int32: 'IntStorage',
  int: 'IntStorage',
  int16: 'ShortStorage',
  short: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
  complex64: 'ComplexFloatStorage',
  complex128: 'ComplexDoubleStorage',
};

/**
 * Top-level modules whose globals are refused: Python's standard library (sys.stdlib_module_names
 * of 3.11; collections and copyreg are let through only for the names allowed below) and packages
 * that load or run code. A placeholder for an arbitrary class is inert, but naming these is only
 * ever an attack or a file we cannot read anyway.
 */
const REFUSED_MODULES = new Set(
  (
    'abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii bisect builtins ' +
    '__builtin__ bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys compileall concurrent ' +
    'configparser contextlib contextvars copy copyreg copy_reg crypt csv ctypes curses dataclasses datetime dbm decimal difflib ' +
    'dis distutils doctest email encodings ensurepip enum errno faulthandler fcntl filecmp fileinput fnmatch fractions ftplib ' +
    'functools gc genericpath getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib imaplib imghdr ' +
    'imp importlib inspect io ipaddress itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap marshal math ' +
    'mimetypes mmap modulefinder msilib msvcrt multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator ' +
    'optparse os ossaudiodev pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint profile ' +
    'pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource rlcompleter runpy ' +
    'sched secrets select selectors shelve shlex shutil signal site smtpd smtplib sndhdr socket socketserver spwd sqlite3 ' +
    'sre_compile sre_constants sre_parse ssl stat statistics string stringprep struct subprocess sunau symtable sys sysconfig ' +
    'syslog tabnanny tarfile telnetlib tempfile termios textwrap this threading time timeit tkinter token tokenize tomllib trace ' +
    'traceback tracemalloc tty turtle turtledemo types typing unicodedata unittest urllib uu uuid venv warnings wave weakref ' +
    'webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo commands popen2 exceptions ' +
    'numpy torch dill cloudpickle joblib pandas scipy sklearn yaml requests setuptools pip pkg_resources IPython ipykernel ' +
    'jupyter_client nose pytest _pickle _io _posixsubprocess _thread _ctypes _osx_support _winapi _sitebuiltins _operator _functools'
  ).split(' '),
);

/** numpy globals that appear in checkpoints (a numpy float as best_acc): inert placeholders. */
const NUMPY_PLACEHOLDERS = new Set([
  'numpy.core.multiarray.scalar',
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray.scalar',
  'numpy._core.multiarray._reconstruct',
  'numpy.dtype',
  'numpy.ndarray',
]);

type Marker =
  | { readonly kind: 'ordered-dict' }
  | { readonly kind: 'set' }
  | { readonly kind: 'rebuild-tensor'; readonly version: 1 | 2 | 3 }
  | { readonly kind: 'rebuild-parameter'; readonly withState: boolean }
  | { readonly kind: 'storage-type'; readonly storage: string }
  | { readonly kind: 'dtype'; readonly storage: string }
  | { readonly kind: 'size' }
  | { readonly kind: 'device' }
  | { readonly kind: 'reconstructor' }
  | { readonly kind: 'latin1-bytes' };

/** The class of a placeholder the pickle may construct. */
interface PlaceholderClass extends PyGlobal {
  readonly placeholder: true;
}

/** A storage as a persistent id names it: its bytes are found later (legacy storages follow the pickle). */
interface StorageRef {
  readonly key: string;
  readonly storage: string;
  readonly numel: number;
  bytes: Uint8Array | null;
}

/** A tensor as the pickle describes it, before its bytes are read. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
    readonly storageType: string,
  ) {}
}

/** Attributes read from one recurrent module of a whole-module save. */
export interface TorchModuleInfo {
  /** Where it sits: `rnn`, `encoder.rnn` ('' for the top module). */
  readonly path: string;
  /** `torch.nn.modules.rnn.LSTM` */
  readonly className: string;
  /** mode, input_size, hidden_size, num_layers, bias, batch_first, bidirectional, proj_size, nonlinearity. */
  readonly attributes: ReadonlyMap<string, string | number | boolean>;
}

export interface TorchFile {
  readonly container: 'zip' | 'legacy';
  /** Float tensors by state_dict name, as float32. */
  readonly tensors: Map<string, Tensor>;
  /** Every tensor of the dict taken, float or not, in order. */
  readonly infos: TensorInfo[];
  /** The checkpoint key the state_dict or module came from, or null when the file is one. */
  readonly checkpointKey: string | null;
  /** 'state_dict' or 'module': what was taken. */
  readonly saved: 'state_dict' | 'module';
  /** Recurrent modules of a whole-module save, outermost first. */
  readonly modules: TorchModuleInfo[];
  readonly notes: string[];
}

export interface TorchOptions {
  readonly source: string;
  /** --checkpoint-key: which entry of a checkpoint dict holds the model. */
  readonly checkpointKey?: string | undefined;
  /** Most bytes of float32 values all tensors together may decode to. */
  readonly maxTensorBytes?: number | undefined;
  /** F32 tensors as views of the file's bytes where they can be (tensor.ts decodeFloats). @default false */
  readonly inPlace?: boolean | undefined;
}

/** 1 GiB of float32 values by default, as --max-weights-bytes. */
export const DEFAULT_MAX_TENSOR_BYTES = 2 ** 30;

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const MAX_MODULE_DEPTH = 64;
const MAX_MODULE_VISITS = 100_000;
const MAX_ARCHIVE_DEPTH = 4;

/** True when the bytes are a zip that holds a torch `data.pkl`. */
export function looksLikeTorchZip(bytes: Uint8Array): boolean {
  if (!looksLikeZip(bytes)) return false;
  // The first local header is data.pkl's in every file torch writes: PK\3\4, then its name at 30.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 30) return false;
  const nameLen = view.getUint16(26, true);
  const name = new TextDecoder().decode(bytes.subarray(30, Math.min(bytes.length, 30 + nameLen)));
  return /(^|\/)data\.pkl$/.test(name);
}

/** True when the bytes start like a pickle (protocol 2+ PROTO opcode), as legacy torch files do. */
export function looksLikePickle(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5;
}

/** Reads a torch.save file (zip or legacy) and takes the model's tensors out of it. */
export function readTorchFile(bytes: Uint8Array, opts: TorchOptions): TorchFile {
  const { source } = opts;
  if (looksLikeZip(bytes)) return readZip(bytes, opts);
  if (looksLikePickle(bytes)) return readLegacy(bytes, opts);
  throw new InputError('not a torch.save file: expected a zip (PK) or a pickle (\\x80)', { source });
}

function readZip(bytes: Uint8Array, opts: TorchOptions): TorchFile {
  const { source } = opts;
  const entries = readZipEntries(bytes, source);
  const pkls = [...entries.keys()].filter((n) => /^([^/]+\/)?data\.pkl$/.test(n) || /^[^/]+\/[^/]+\/data\.pkl$/.test(n));
  if (pkls.length === 0) {
    throw new InputError('a zip without data.pkl: not a torch.save file', {
      source,
      hint: 'a Keras .keras or other zip is not a PyTorch file',
    });
  }
  if (pkls.length > 1) throw new InputError(`a zip with ${pkls.length} data.pkl entries; torch.save writes one`, { source });
  const pklName = pkls[0]!;
  const dir = pklName.slice(0, pklName.length - 'data.pkl'.length);
  if (entries.has(`${dir}constants.pkl`) || [...entries.keys()].some((n) => n.startsWith(`${dir}code/`))) {
    throw new InputError('a TorchScript archive (torch.jit.save), not a torch.save file', {
      source,
      hint: `load it with torch.jit.load, then ${SAVE_HINT}`,
    });
  }
  if (dir.split('/').length - 1 > MAX_ARCHIVE_DEPTH) throw new InputError('data.pkl nested too deep', { source });
  const orderEntry = entries.get(`${dir}byteorder`);
  let bigEndian = false;
  if (orderEntry !== undefined) {
    const order = new TextDecoder().decode(zipEntryBytes(bytes, orderEntry, source)).trim();
    if (order !== 'little' && order !== 'big') {
      throw new InputError(`byteorder ${JSON.stringify(order.slice(0, 20))}: expected "little" or "big"`, { source, tensor: `${dir}byteorder` });
    }
    bigEndian = order === 'big';
  }
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): unknown => {
    const p = storageId(pid, source, 5);
    let s = storages.get(p.key);
    if (s === undefined) {
      const entry = entries.get(`${dir}data/${p.key}`);
      if (entry === undefined) throw new InputError(`storage ${JSON.stringify(p.key)} has no entry ${dir}data/${p.key}`, { source });
      const data = zipEntryBytes(bytes, entry, source);
      const need = p.numel * elementSize(p.storage);
      if (data.length < need) {
        throw new InputError(`storage ${JSON.stringify(p.key)}: ${p.numel} elements need ${need} bytes, the entry has ${data.length}`, {
          source,
          tensor: `${dir}data/${p.key}`,
        });
      }
      s = { ...p, bytes: data.subarray(0, need) };
      storages.set(p.key, s);
    } else if (s.storage !== p.storage && elementSize(p.storage) !== elementSize(s.storage)) {
      throw new InputError(`storage ${JSON.stringify(p.key)} is named with two element types`, { source });
    }
    return s;
  };
  const pickle = zipEntryBytes(bytes, entries.get(pklName)!, source);
  const { value } = unpickle(pickle, 0, torchHooks(source, pklName, persistentLoad));
  return take(value, 'zip', bigEndian, opts);
}

function readLegacy(bytes: Uint8Array, opts: TorchOptions): TorchFile {
  const { source } = opts;
  const plain = (what: string): PickleHooks => ({
    source,
    what,
    resolveGlobal: (m, n) => {
      throw new InputError(`${what}: global ${m}.${n} where only plain values belong`, { source });
    },
    call: (c) => {
      throw new InputError(`${what}: a call of ${typeName(c)} where only plain values belong`, { source });
    },
    build: (t) => {
      throw new InputError(`${what}: BUILD of ${typeName(t)} where only plain values belong`, { source });
    },
  });
  const magic = unpickle(bytes, 0, plain('the magic-number pickle'));
  if (magic.value !== LEGACY_MAGIC) {
    throw new InputError('a pickle that is not a torch.save file (no torch magic number)', {
      source,
      hint: `gatescope reads pickles written by torch.save only; ${SAVE_HINT}`,
    });
  }
  const protocol = unpickle(bytes, magic.end, plain('the protocol pickle'));
  if (protocol.value !== 1001) throw new InputError(`legacy torch protocol ${String(protocol.value)}: expected 1001`, { source });
  const sysInfo = unpickle(bytes, protocol.end, plain('the sys_info pickle'));
  let bigEndian = false;
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) bigEndian = true;
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): unknown => {
    // ('module', cls, file, source): a whole-module save records each class's source; the class is all we keep.
    if (Array.isArray(pid) && pid[0] === 'module') return pid[1];
    const p = storageId(pid, source, 6);
    const view = (pid as unknown[])[5];
    if (view !== null && view !== undefined) {
      throw new InputError('a storage view (a pre-1.0 torch file); load it in Python and save it again with torch.save', { source });
    }
    let s = storages.get(p.key);
    if (s === undefined) {
      s = { ...p, bytes: null };
      storages.set(p.key, s);
    }
    return s;
  };
  const main = unpickle(bytes, sysInfo.end, torchHooks(source, 'the main pickle', persistentLoad));
  const keys = unpickle(bytes, main.end, plain('the storage-key pickle'));
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new InputError('the storage-key pickle is not a list of keys', { source });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  for (const key of keys.value as string[]) {
    if (at + 8 > bytes.length) throw new InputError(`storage ${JSON.stringify(key)}: the file ends before its length (truncated)`, { source });
    const hi = view.getUint32(at + 4, true);
    const count = hi * 2 ** 32 + view.getUint32(at, true);
    at += 8;
    const s = storages.get(key);
    const size = s !== undefined ? elementSize(s.storage) : 1;
    if (hi >= 2 ** 21 || count * size > bytes.length - at) {
      throw new InputError(`storage ${JSON.stringify(key)}: ${count} elements, more than the ${bytes.length - at} bytes left (truncated or corrupt)`, { source });
    }
    if (s === undefined) {
      at += count * size; // a storage no tensor points at
      continue;
    }
    if (count < s.numel) throw new InputError(`storage ${JSON.stringify(key)}: ${count} elements stored, the pickle says ${s.numel}`, { source });
    s.bytes = bytes.subarray(at, at + s.numel * size);
    at += count * size;
  }
  for (const s of storages.values()) {
    if (s.bytes === null) throw new InputError(`storage ${JSON.stringify(s.key)} is not in the file (truncated)`, { source });
  }
  return take(main.value, 'legacy', bigEndian, opts);
}

/** ('storage', storage_type, key, location, numel[, view_metadata]) */
function storageId(pid: unknown, source: string, length: number): { key: string; storage: string; numel: number } {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length !== length) {
    throw new InputError(`persistent id ${typeName(pid)}: expected ('storage', type, key, location, size)`, { source });
  }
  const [, type, key, , numel] = pid as unknown[];
  const storage = storageName(type);
  if (storage === null) throw new InputError(`persistent id: storage type ${typeName(type)}, not a torch storage`, { source });
  if (typeof key !== 'string' || key.length > 64) throw new InputError('persistent id: storage key is not a short string', { source });
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw new InputError(`storage ${JSON.stringify(key)}: size ${typeName(numel)}, not a non-negative integer`, { source });
  }
  return { key, storage, numel };
}

function storageName(type: unknown): string | null {
  if (isMarker(type) && (type.kind === 'storage-type' || type.kind === 'dtype')) return type.storage;
  return null;
}

function elementSize(storage: string): number {
  return STORAGE_DTYPES[storage]?.size ?? 1;
}

function isMarker(v: unknown): v is Marker {
  return typeof v === 'object' && v !== null && 'kind' in v && typeof (v as { kind: unknown }).kind === 'string' && !(v instanceof PyInstance) && (v as { kind: string }).kind !== 'global';
}

function isPlaceholderClass(v: unknown): v is PlaceholderClass {
  return typeof v === 'object' && v !== null && (v as { placeholder?: unknown }).placeholder === true;
}

/** The allow-list: what each global the pickle names becomes, or an InputError naming it. */
function resolveGlobal(module: string, name: string, source: string, what: string): unknown {
  const full = `${module}.${name}`;
  const refuse = (): never => {
    if (module === 'torch' || module.startsWith('torch.')) {
      // torch's own, but not a dense tensor, a storage or a module (sparse, quantized, nested tensors, ...)
      throw new InputError(`${what}: global ${full} is not one gatescope reads (dense tensors, storages, modules; nothing is run)`, {
        source,
        hint: SAVE_HINT,
      });
    }
    throw new InputError(`${what}: refuses global ${full}: a torch file has no reason to name it, and nothing in it is run`, {
      source,
      hint: `if this is your own file, ${SAVE_HINT}`,
    });
  };
  if (module.length > 200 || name.length > 200 || !/^[A-Za-z_][\w.]*$/.test(module) || !/^[A-Za-z_]\w*$/.test(name)) {
    throw new InputError(`${what}: a global that is not a Python name`, { source });
  }
  switch (full) {
    case 'collections.OrderedDict':
      return { kind: 'ordered-dict' } satisfies Marker;
    case 'builtins.set':
    case 'builtins.frozenset':
    case '__builtin__.set':
    case '__builtin__.frozenset':
      return { kind: 'set' } satisfies Marker;
    case 'torch._utils._rebuild_tensor':
      return { kind: 'rebuild-tensor', version: 1 } satisfies Marker;
    case 'torch._utils._rebuild_tensor_v2':
      return { kind: 'rebuild-tensor', version: 2 } satisfies Marker;
    case 'torch._utils._rebuild_tensor_v3':
      return { kind: 'rebuild-tensor', version: 3 } satisfies Marker;
    case 'torch._utils._rebuild_parameter':
      return { kind: 'rebuild-parameter', withState: false } satisfies Marker;
    case 'torch._utils._rebuild_parameter_with_state':
      return { kind: 'rebuild-parameter', withState: true } satisfies Marker;
    case 'torch.Size':
      return { kind: 'size' } satisfies Marker;
    case 'torch.device':
      return { kind: 'device' } satisfies Marker;
    case 'torch.UntypedStorage':
    case 'torch.storage.UntypedStorage':
    case 'torch.storage._UntypedStorage':
    case 'torch.ByteStorage':
      return { kind: 'storage-type', storage: 'ByteStorage' } satisfies Marker;
    case '_codecs.encode': // how protocol 2 writes bytes (a numpy scalar's): encode(str, 'latin1')
      return { kind: 'latin1-bytes' } satisfies Marker;
    case 'argparse.Namespace': // training scripts save their args next to the weights
      return { kind: 'global', module, name, placeholder: true } satisfies PlaceholderClass;
    case 'copy_reg._reconstructor':
    case 'copyreg._reconstructor':
      return { kind: 'reconstructor' } satisfies Marker;
    case 'builtins.object':
    case '__builtin__.object':
      return { kind: 'global', module, name, placeholder: true } satisfies PlaceholderClass;
  }
  if (module === 'torch' && STORAGE_DTYPES[name] !== undefined) return { kind: 'storage-type', storage: name } satisfies Marker;
  if (module === 'torch' && TORCH_DTYPES[name] !== undefined) return { kind: 'dtype', storage: TORCH_DTYPES[name]! } satisfies Marker;
  if (NUMPY_PLACEHOLDERS.has(full)) return { kind: 'global', module, name, placeholder: true } satisfies PlaceholderClass;
  if (module === 'torch.nn.modules' || module.startsWith('torch.nn.modules.')) {
    if (!/^[A-Z]/.test(name)) refuse(); // classes only: a function of torch.nn could do anything
    return { kind: 'global', module, name, placeholder: true } satisfies PlaceholderClass;
  }
  const top = module.split('.')[0]!;
  if (REFUSED_MODULES.has(top) || top.startsWith('_') && top !== '__main__') refuse();
  // The user's own classes (__main__.RNNModel, model.Net): data holders, never imported.
  return { kind: 'global', module, name, placeholder: true } satisfies PlaceholderClass;
}

function torchHooks(source: string, what: string, persistentLoad: (pid: unknown) => unknown): PickleHooks {
  const fail = (message: string): never => {
    throw new InputError(`${what}: ${message}`, { source });
  };
  return {
    source,
    what,
    persistentLoad,
    resolveGlobal: (m, n) => resolveGlobal(m, n, source, what),
    call(callable, args) {
      if (isPlaceholderClass(callable)) return new PyInstance(callable, args);
      if (!isMarker(callable)) return fail(`calls ${typeName(callable)}, which is not an allowed function`);
      switch (callable.kind) {
        case 'ordered-dict': {
          const m = new Map<unknown, unknown>();
          if (args.length === 1 && Array.isArray(args[0])) {
            for (const pair of args[0] as unknown[]) {
              if (!Array.isArray(pair) || pair.length !== 2) fail('OrderedDict of something other than pairs');
              m.set((pair as unknown[])[0], (pair as unknown[])[1]);
            }
          } else if (args.length !== 0) {
            fail('OrderedDict with unexpected arguments');
          }
          return m;
        }
        case 'set':
          if (args.length > 1 || (args.length === 1 && !Array.isArray(args[0]))) fail('set() of something other than a list');
          return new Set(args.length === 1 ? (args[0] as unknown[]) : []);
        case 'size':
          if (args.length !== 1 || !Array.isArray(args[0])) fail('torch.Size of something other than a tuple');
          return Object.freeze([...(args[0] as unknown[])]);
        case 'device':
          return `device(${args.map((a) => (typeof a === 'string' || typeof a === 'number' ? String(a) : '?')).join(', ')})`;
        case 'reconstructor': {
          const [cls] = args;
          if (!isPlaceholderClass(cls)) return fail(`copyreg._reconstructor of ${typeName(cls)}, not a class`);
          return new PyInstance(cls, []);
        }
        case 'latin1-bytes': {
          const [text, encoding] = args;
          if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) return fail('_codecs.encode of something other than (str, "latin1")');
          const b = new Uint8Array(text.length);
          for (let k = 0; k < text.length; k++) b[k] = text.charCodeAt(k) & 0xff;
          return new PyBytes(b);
        }
        case 'rebuild-tensor':
          return rebuildTensor(callable.version, args, fail);
        case 'rebuild-parameter': {
          const [data] = args;
          if (!(data instanceof TensorRef)) return fail(`_rebuild_parameter of ${typeName(data)}, not a tensor`);
          return data;
        }
        case 'storage-type':
        case 'dtype':
          return fail(`calls ${callable.kind === 'dtype' ? 'a dtype' : 'a storage type'}`);
      }
    },
    build(target, state) {
      if (target instanceof PyInstance) {
        // (state, slotstate) from an object with __slots__: both dicts (or None) merge into one
        let incoming = state;
        if (Array.isArray(state) && state.length === 2 && state.every((x) => x === null || x instanceof Map)) {
          incoming = new Map([...((state[0] as Map<unknown, unknown> | null) ?? []), ...((state[1] as Map<unknown, unknown> | null) ?? [])]);
        }
        if (target.state instanceof Map && incoming instanceof Map) for (const [k, v] of incoming) target.state.set(k, v);
        else target.state = incoming;
        return;
      }
      // OrderedDict's __reduce__ gives state_dict's `_metadata` attribute; a tensor's state (requires_grad extras)
      if (target instanceof Map || target instanceof TensorRef || target instanceof Set) return;
      fail(`BUILD of ${typeName(target)}, which takes no state`);
    },
  };
}

/** _rebuild_tensor(storage, offset, size, stride), _v2(..., requires_grad, hooks[, metadata]), _v3(..., dtype[, metadata]). */
function rebuildTensor(version: 1 | 2 | 3, args: readonly unknown[], fail: (m: string) => never): TensorRef {
  const [storage, offset, size, stride] = args;
  if (typeof storage !== 'object' || storage === null || !('key' in storage) || !('numel' in storage)) {
    return fail(`_rebuild_tensor of ${typeName(storage)}, not a storage`);
  }
  const s = storage as StorageRef;
  const dims = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || v.length > MAX_RANK || !v.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
      return fail(`tensor ${what} ${typeName(v)}: expected at most ${MAX_RANK} non-negative integers`);
    }
    return v as number[];
  };
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return fail('tensor storage offset is not a non-negative integer');
  const sz = dims(size, 'size');
  const st = dims(stride, 'stride');
  if (st.length !== sz.length) return fail(`tensor size ${shapeText(sz)} and stride ${shapeText(st)} differ in length`);
  let storageType = s.storage;
  if (version === 3) {
    const dt = storageName(args[6]);
    if (dt === null) return fail(`_rebuild_tensor_v3 dtype ${typeName(args[6])}`);
    storageType = dt;
  }
  return new TensorRef(s, offset, sz, st, storageType);
}

/** What a value is for the checkpoint search: a state_dict, a module, or neither. */
function stateDictOf(v: unknown): Map<string, TensorRef> | null {
  if (!(v instanceof Map) || v.size === 0) return null;
  for (const [k, t] of v) if (typeof k !== 'string' || !(t instanceof TensorRef)) return null;
  return v as Map<string, TensorRef>;
}

function isModule(v: unknown): v is PyInstance {
  return v instanceof PyInstance && v.state instanceof Map && v.state.get('_parameters') instanceof Map && v.state.get('_modules') instanceof Map;
}

const RECURRENT_NAME = /(^|\.)(weight_ih|weight_hh)(_l\d+)?(_reverse)?$/;

function holdsRecurrent(names: Iterable<string>): boolean {
  for (const n of names) if (RECURRENT_NAME.test(n)) return true;
  return false;
}

/** The module's tensors named as model.state_dict() names them, and the recurrent modules' attributes. */
function flattenModule(root: PyInstance, source: string): { refs: Map<string, TensorRef>; modules: TorchModuleInfo[] } {
  const refs = new Map<string, TensorRef>();
  const modules: TorchModuleInfo[] = [];
  // A module used twice is named under both paths, as state_dict() names it; one that contains
  // itself is refused (state_dict() would recurse for ever), and sharing cannot multiply the walk.
  const ancestors = new Set<PyInstance>();
  const described = new Set<PyInstance>();
  let visits = 0;
  const walk = (m: PyInstance, path: string, depth: number): void => {
    if (depth > MAX_MODULE_DEPTH) throw new InputError(`modules nested more than ${MAX_MODULE_DEPTH} deep`, { source, tensor: path });
    if (ancestors.has(m)) throw new InputError('a module that contains itself', { source, tensor: path });
    if (++visits > MAX_MODULE_VISITS) throw new InputError(`more than ${MAX_MODULE_VISITS} modules (shared submodules counted at each use)`, { source });
    ancestors.add(m);
    const state = m.state as Map<unknown, unknown>;
    const prefix = path === '' ? '' : `${path}.`;
    const className = `${m.cls.module}.${m.cls.name}`;
    // attributes once per module, at its first path (as named_modules() lists it)
    if (!described.has(m) && (state.has('_flat_weights_names') || state.has('mode') || /^(LSTM|GRU|RNN)(Cell)?$/.test(m.cls.name))) {
      described.add(m);
      const attributes = new Map<string, string | number | boolean>();
      for (const a of ['mode', 'input_size', 'hidden_size', 'num_layers', 'bias', 'batch_first', 'dropout', 'bidirectional', 'proj_size', 'nonlinearity']) {
        const v = state.get(a);
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes.set(a, typeof v === 'string' ? v.slice(0, 40) : v);
      }
      modules.push({ path, className, attributes });
    }
    const nonPersistent = state.get('_non_persistent_buffers_set');
    for (const group of ['_parameters', '_buffers']) {
      const g = state.get(group);
      if (!(g instanceof Map)) continue;
      for (const [name, t] of g) {
        if (typeof name !== 'string' || t === null) continue;
        if (group === '_buffers' && nonPersistent instanceof Set && nonPersistent.has(name)) continue;
        if (!(t instanceof TensorRef)) throw new InputError(`${group} holds ${typeName(t)}, not a tensor`, { source, tensor: prefix + name });
        if (!refs.has(prefix + name)) refs.set(prefix + name, t);
      }
    }
    const subs = state.get('_modules');
    if (subs instanceof Map) {
      for (const [name, sub] of subs) {
        if (typeof name !== 'string' || sub === null) continue;
        if (!isModule(sub)) throw new InputError(`_modules holds ${typeName(sub)}, not a module`, { source, tensor: prefix + name });
        walk(sub, prefix + name, depth + 1);
      }
    }
    ancestors.delete(m);
  };
  walk(root, '', 0);
  return { refs, modules };
}

/** Picks the model out of what was saved and reads its tensors. */
function take(value: unknown, container: 'zip' | 'legacy', bigEndian: boolean, opts: TorchOptions): TorchFile {
  const { source } = opts;
  const notes: string[] = [];
  let chosen: unknown = value;
  let checkpointKey: string | null = null;
  if (stateDictOf(value) === null && !isModule(value)) {
    if (!(value instanceof Map)) {
      throw new InputError(`the file holds ${typeName(value)}, not a state_dict, a checkpoint dict or a module`, { source, hint: SAVE_HINT });
    }
    const candidates: string[] = [];
    const recurrent: string[] = [];
    for (const [k, v] of value) {
      if (typeof k !== 'string') continue;
      const sd = stateDictOf(v);
      if (sd === null && !isModule(v)) continue;
      candidates.push(k);
      if (sd !== null ? holdsRecurrent(sd.keys()) : holdsRecurrent(flattenModule(v as PyInstance, source).refs.keys())) recurrent.push(k);
    }
    const keys = [...value.keys()].filter((k): k is string => typeof k === 'string');
    const list = (ks: readonly string[]): string => ks.map((k) => `'${k}'`).join(', ');
    if (opts.checkpointKey !== undefined) {
      if (!value.has(opts.checkpointKey)) {
        throw new InputError(`no checkpoint key '${opts.checkpointKey}' (the checkpoint has ${list(keys.slice(0, 12))})`, { source });
      }
      if (!candidates.includes(opts.checkpointKey)) {
        throw new InputError(`checkpoint['${opts.checkpointKey}'] is ${typeName(value.get(opts.checkpointKey))}, not a state_dict or a module`, {
          source,
          ...(candidates.length ? { hint: `these are: ${list(candidates)}` } : {}),
        });
      }
      checkpointKey = opts.checkpointKey;
    } else if (recurrent.length > 1) {
      throw new InputError(`the checkpoint holds recurrent weights under ${list(recurrent)}; choose one with --checkpoint-key`, { source });
    } else if (recurrent.length === 1 || candidates.length === 1) {
      checkpointKey = recurrent[0] ?? candidates[0]!;
    } else if (candidates.length === 0) {
      throw new InputError(`a dict with no state_dict or module in it (keys: ${list(keys.slice(0, 12))}${keys.length > 12 ? ', ...' : ''})`, {
        source,
        hint: SAVE_HINT,
      });
    } else {
      throw new InputError(`the checkpoint holds state_dicts under ${list(candidates)} and none has recurrent weights; choose one with --checkpoint-key`, { source });
    }
    chosen = value.get(checkpointKey);
    const others = keys.filter((k) => k !== checkpointKey);
    notes.push(`took the model from checkpoint['${checkpointKey}']${others.length ? ` (not used: ${list(others.slice(0, 8))}${others.length > 8 ? ', ...' : ''})` : ''}`);
  } else if (opts.checkpointKey !== undefined) {
    throw new InputError(`--checkpoint-key '${opts.checkpointKey}': the file is a ${isModule(value) ? 'whole module' : 'state_dict'}, not a checkpoint dict`, { source });
  }
  let refs: Map<string, TensorRef>;
  let modules: TorchModuleInfo[] = [];
  let saved: 'state_dict' | 'module';
  if (isModule(chosen)) {
    const flat = flattenModule(chosen, source);
    refs = flat.refs;
    modules = flat.modules;
    saved = 'module';
  } else {
    refs = stateDictOf(chosen)!;
    saved = 'state_dict';
  }
  const { tensors, infos } = materialize(refs, bigEndian, opts);
  return { container, tensors, infos, checkpointKey, saved, modules, notes };
}

/** What works, for files that hold something else: the state_dict itself, or the JSON route. */
export const SAVE_HINT =
  "save model.state_dict() (from a checkpoint: ckpt['model_state_dict']) with torch.save, or as JSON: json.dump({k: v.tolist() for k, v in sd.items()}, f)";

const FLOAT_STORAGE: Readonly<Record<string, FloatDtype>> = { FloatStorage: 'F32', DoubleStorage: 'F64', HalfStorage: 'F16', BFloat16Storage: 'BF16' };

/** Each tensor's elements out of its storage (strided views gathered), float ones decoded to float32. */
function materialize(refs: Map<string, TensorRef>, bigEndian: boolean, opts: TorchOptions): { tensors: Map<string, Tensor>; infos: TensorInfo[] } {
  const { source } = opts;
  const maxBytes = opts.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES;
  const tensors = new Map<string, Tensor>();
  const infos: TensorInfo[] = [];
  let total = 0;
  for (const [name, t] of refs) {
    const info = STORAGE_DTYPES[t.storageType];
    const dtype = info?.dtype ?? t.storageType;
    let count = 1;
    for (const d of t.size) {
      count *= d;
      if (count > MAX_ELEMENTS) throw new InputError(`${shapeText(t.size)} is more than ${MAX_ELEMENTS} values`, { source, tensor: name });
    }
    infos.push({ name, shape: t.size, dtype });
    // The last element a view can reach must lie inside its storage.
    let last = t.offset;
    for (let k = 0; k < t.size.length; k++) if (t.size[k]! > 0) last += (t.size[k]! - 1) * t.stride[k]!;
    if (count > 0 && last >= t.storage.numel) {
      throw new InputError(
        `offset ${t.offset}, size ${shapeText(t.size)}, stride ${shapeText(t.stride)} reach element ${last} of a ${t.storage.numel}-element storage`,
        { source, tensor: name },
      );
    }
    const fdt = FLOAT_STORAGE[t.storageType];
    if (fdt === undefined) continue; // I64 counters (num_batches_tracked), masks: listed, not decoded
    total += count * 4;
    if (total > maxBytes) {
      throw new InputError(`the tensors decode to more than ${maxBytes} bytes of float32 values`, { source, tensor: name, hint: 'raise the limit with --max-weights-bytes' });
    }
    const size = DTYPE_SIZE[fdt];
    const storage = t.storage.bytes!;
    let raw: Uint8Array;
    if (isContiguous(t.size, t.stride)) {
      raw = storage.subarray(t.offset * size, (t.offset + count) * size);
    } else {
      raw = gather(storage, size, t.offset, t.size, t.stride, count);
    }
    if (bigEndian && size > 1) raw = swapped(raw, size);
    tensors.set(name, { shape: t.size, data: decodeFloats(raw, fdt, t.size, name, source, opts.inPlace === true), dtype: fdt });
  }
  return { tensors, infos };
}

function isContiguous(size: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let k = size.length - 1; k >= 0; k--) {
    if (size[k]! !== 1 && stride[k]! !== expected) return false;
    expected *= size[k]!;
  }
  return true;
}

/** A strided view's elements in row-major order (a transposed weight saved as it was). */
function gather(storage: Uint8Array, size: number, offset: number, shape: readonly number[], stride: readonly number[], count: number): Uint8Array {
  const out = new Uint8Array(count * size);
  const idx = new Array<number>(shape.length).fill(0);
  let src = offset;
  for (let n = 0; n < count; n++) {
    out.set(storage.subarray(src * size, src * size + size), n * size);
    for (let k = shape.length - 1; k >= 0; k--) {
      idx[k]!++;
      src += stride[k]!;
      if (idx[k]! < shape[k]!) break;
      src -= stride[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
  return out;
}

function swapped(raw: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let k = 0; k < raw.length; k += size) for (let b = 0; b < size; b++) out[k + b] = raw[k + size - 1 - b]!;
  return out;
}


/** The cell kind a recurrent module records (mode / nonlinearity / class), or undefined. */
export function recordedKind(m: TorchModuleInfo): CellKind | undefined {
  const mode = m.attributes.get('mode');
  switch (mode) {
    case 'LSTM':
      return 'lstm';
    case 'GRU':
      return 'gru';
    case 'RNN_TANH':
      return 'rnn_tanh';
    case 'RNN_RELU':
      return 'rnn_relu';
  }
  const cls = m.className.slice(m.className.lastIndexOf('.') + 1);
  if (cls === 'LSTMCell') return 'lstm';
  if (cls === 'GRUCell') return 'gru';
  const nl = m.attributes.get('nonlinearity');
  if (cls === 'RNNCell' || cls === 'RNN') return nl === 'relu' ? 'rnn_relu' : nl === 'tanh' ? 'rnn_tanh' : undefined;
  return undefined;
}

/** The module whose tensors carry `prefix` (`rnn.` for the module at `rnn`, '' for the top). */
export function moduleAt(modules: readonly TorchModuleInfo[], prefix: string): TorchModuleInfo | undefined {
  return modules.find((m) => (m.path === '' ? '' : `${m.path}.`) === prefix);
}

/** One line of what a module records, for inspect and notes: `rnn (torch.nn.modules.rnn.LSTM): mode 'LSTM', ...`. */
export function moduleText(m: TorchModuleInfo): string {
  const attrs = [...m.attributes].map(([k, v]) => `${k} ${typeof v === 'string' ? `'${v}'` : typeof v === 'boolean' ? (v ? 'True' : 'False') : v}`);
  return `${m.path === '' ? '(top)' : m.path} (${m.className}): ${attrs.join(', ')}`;
}

/**
 * The module's recorded sizes against the network read from its tensors: a file whose attributes
 * and tensors disagree was edited or damaged, and which one to believe cannot be guessed.
 */
export function checkModuleAttributes(net: Network, m: TorchModuleInfo, prefix: string, tensors: ReadonlyMap<string, Tensor>, source: string): void {
  const attr = (name: string): string | number | boolean | undefined => m.attributes.get(name);
  const where = m.path === '' ? 'the module' : `module ${m.path}`;
  const mismatch = (name: string, recorded: unknown, tensor: string, found: string): never => {
    throw new InputError(`${where} records ${name}=${String(recorded)}, but its tensors say ${found}`, { source, tensor: prefix + tensor });
  };
  const proj = attr('proj_size');
  const projSize = typeof proj === 'number' ? proj : 0;
  const cellSize = (): number => {
    const w = tensors.get(`${prefix}weight_hh_l0`) ?? tensors.get(`${prefix}weight_hh`);
    return w !== undefined && w.shape.length === 2 ? w.shape[0]! / gateCount(net.kind) : net.hiddenSize;
  };
  const hidden = attr('hidden_size');
  if (typeof hidden === 'number' && hidden !== cellSize()) mismatch('hidden_size', hidden, 'weight_hh_l0', `${cellSize()}`);
  const input = attr('input_size');
  if (typeof input === 'number' && input !== net.inputSize) mismatch('input_size', input, 'weight_ih_l0', `${net.inputSize}`);
  const layers = attr('num_layers');
  if (typeof layers === 'number' && layers !== net.numLayers) mismatch('num_layers', layers, `weight_ih_l${Math.min(layers, net.numLayers)}`, `${net.numLayers} layers`);
  const bidir = attr('bidirectional');
  if (typeof bidir === 'boolean' && bidir !== (net.directions.length === 2)) {
    mismatch('bidirectional', bidir ? 'True' : 'False', 'weight_ih_l0_reverse', net.directions.length === 2 ? 'bidirectional' : 'one direction');
  }
  const bias = attr('bias');
  if (typeof bias === 'boolean' && bias !== net.bias) mismatch('bias', bias ? 'True' : 'False', 'bias_ih_l0', net.bias ? 'biases present' : 'no biases');
  const hasProj = tensors.has(`${prefix}weight_hr_l0`);
  if (projSize > 0 && !hasProj) mismatch('proj_size', projSize, 'weight_hr_l0', 'no projection');
  if (projSize === 0 && hasProj && proj !== undefined) mismatch('proj_size', 0, 'weight_hr_l0', 'a projection');
  if (projSize > 0) {
    const w = tensors.get(`${prefix}weight_hr_l0`)!;
    if (w.shape[0] !== projSize) mismatch('proj_size', projSize, 'weight_hr_l0', shapeText(w.shape));
  }
  const kind = recordedKind(m);
  if (kind !== undefined && kind !== net.kind) mismatch('mode', attr('mode') ?? m.className, 'weight_hh_l0', cellLabel(net.kind));
}
