/**
 * The parts around the recurrent module: which of a weights file's other tensors is the token
 * embedding (x_t = E[token], an nn.Embedding) and which the linear head (pred_t = W y_t + b, an
 * nn.Linear on the last layer's output), found from their shapes, whatever the module is called
 * (`fc`, `linear`, `out`, `decoder`, `classifier`, `head`, nested ones such as `encoder.embedding`):
 *
 *   head        a 2-d `*.weight` W (O, Y) with Y = the last layer's output width (H * directions),
 *               with its `*.bias` (O) when the module has one
 *   embedding   a 2-d `*.weight` E (V, D) with D = the network's input size and no bias beside it
 *               (nn.Embedding has none; a tensor with a bias is a Linear)
 *
 * Exactly one tensor fitting a role takes it. A tensor that fits both (D == Y) is the head when the
 * input is numbers, or when another tensor is the embedding. Anything the shapes cannot decide
 * (two heads, two tables, a bias-less [V, D] with text input) is not guessed: `ambiguity` names
 * every reading and the flag that picks (--head / --embedding NAME, or `none`). A head whose outputs
 * feed another Linear (fc1 -> activation -> fc2) cannot be reproduced with one matrix: it is not
 * taken, and named --head it is refused.
 *
 * Everything here is pure: tensors in, the chosen parts and why (for stderr and `inspect`) out.
 */
import { cellLabel, embeddingRow, hasToken, headInputSize, type Embedding, type LinearHead, type Network } from '../../engine/index.js';
import { InputError, visible } from '../errors.js';
import type { InputRecord } from '../input.js';
import { shapeText, type Tensor } from './tensor.js';

/** The engine's linear head (pred = W y + b), as found in a file. */
export interface HeadPart extends LinearHead {
  /** The weight tensor's name in the file (`fc.weight`). */
  readonly name: string;
  /** The bias tensor's name, or null. */
  readonly biasName: string | null;
}

/** The engine's token embedding (x_t = weight[token]), as found in a file. */
export interface EmbeddingPart extends Embedding {
  /** The tensor's name in the file (`embed.weight`). */
  readonly name: string;
}

export interface PartsOptions {
  /** File name for messages. */
  readonly source: string;
  /** --head: a module (`fc`) or tensor (`fc.weight`) name, or `none`. */
  readonly head?: string | undefined;
  /** --embedding: a module or tensor name, or `none`. */
  readonly embedding?: string | undefined;
  /**
   * Whether the input is tokens (a vocabulary was given): decides a tensor that fits both roles.
   * Undefined when not known (inspect): such a tensor is reported as ambiguous.
   */
  readonly tokens?: boolean | undefined;
}

export interface ModelParts {
  readonly head: HeadPart | null;
  readonly embedding: EmbeddingPart | null;
  /**
   * What was taken or left and why, for stderr: empty when the file uses gatescope's own names
   * (`head.*`, `embedding.weight`, as `gatescope train` writes them) or the flags named the parts.
   */
  readonly notes: readonly string[];
  /** The same, always (gatescope's own names and flags included): `head: ...`, `embedding: ...`, `no head: ...`. */
  readonly explain: readonly string[];
  /** Each tensor the choice concerned, by name: what it became and why (for inspect). */
  readonly roles: ReadonlyMap<string, string>;
  /** A choice the shapes cannot make, with the flags that make it; null when there is none. */
  readonly ambiguity: { readonly message: string; readonly hint: string } | null;
}

interface Linear {
  /** `fc`, or '' for a top-level `weight`. */
  readonly module: string;
  readonly name: string;
  readonly w: Tensor;
  /** The module's `.bias` tensor when it has one (checked against the rows only when taken). */
  readonly biasName: string | null;
  readonly bias: Tensor | null;
}

const rows = (l: Linear): number => l.w.shape[0]!;
const cols = (l: Linear): number => l.w.shape[1]!;
const desc = (l: Linear): string => `${visible(l.name)} ${shapeText(l.w.shape)}`;

/** 2-d `*.weight` tensors (nn.Linear's and nn.Embedding's parameter), in file order. */
function linearsOf(extra: ReadonlyMap<string, Tensor>): Linear[] {
  const out: Linear[] = [];
  for (const [name, w] of extra) {
    if (w.shape.length !== 2 || !(name === 'weight' || name.endsWith('.weight'))) continue;
    const module = name.slice(0, -'weight'.length).replace(/\.$/, '');
    const biasName = module === '' ? 'bias' : `${module}.bias`;
    const bias = extra.get(biasName) ?? null;
    out.push({ module, name, w, biasName: bias === null ? null : biasName, bias });
  }
  return out;
}

/** A --head / --embedding value as one of the file's 2-d `*.weight` tensors. */
function named(flag: '--head' | '--embedding', value: string, extra: ReadonlyMap<string, Tensor>, all: readonly Linear[], source: string): Linear {
  const found = all.find((l) => l.name === value || l.module === value);
  if (found !== undefined) return found;
  const t = extra.get(value) ?? extra.get(`${value}.weight`);
  if (t !== undefined) {
    throw new InputError(`${flag} ${JSON.stringify(value)}: expected a 2-d matrix, got ${shapeText(t.shape)}`, { source, tensor: extra.has(value) ? value : `${value}.weight` });
  }
  const list = all.length > 0 ? `the 2-d *.weight tensors outside the recurrent module: ${all.map(desc).join(', ')}` : 'the file has no 2-d *.weight tensor outside the recurrent module';
  throw new InputError(`${flag} ${JSON.stringify(value)}: no such module or tensor (${list})`, { source, hint: `${flag} none takes none` });
}

function checkBias(l: Linear, source: string): void {
  const b = l.bias;
  if (b !== null && (b.shape.length !== 1 || b.shape[0] !== rows(l))) {
    throw new InputError(`expected [${rows(l)}] (the rows of ${visible(l.name)}), got ${shapeText(b.shape)}`, { source, tensor: l.biasName! });
  }
}

/** Finds the head and the embedding among `extra` (the tensors outside the recurrent module). */
export function findParts(extra: ReadonlyMap<string, Tensor>, net: Network, opts: PartsOptions): ModelParts {
  const { source } = opts;
  const D = net.inputSize;
  const Y = headInputSize(net);
  const cell = cellLabel(net.kind);
  const all = linearsOf(extra);
  const roles = new Map<string, string>();
  const notes: string[] = [];
  const explain: string[] = [];
  let ambiguity: { message: string; hint: string } | null = null;

  // --- named by the flags
  let head: Linear | null | undefined;
  let emb: Linear | null | undefined;
  if (opts.embedding !== undefined) {
    emb = opts.embedding === 'none' ? null : named('--embedding', opts.embedding, extra, all, source);
    if (emb !== null && cols(emb) !== D) {
      throw new InputError(`--embedding: expected [vocabulary, ${D}] (${D} = the ${cell}'s input size), got ${shapeText(emb.w.shape)}`, { source, tensor: emb.name });
    }
  }
  if (opts.head !== undefined) {
    head = opts.head === 'none' ? null : named('--head', opts.head, extra, all, source);
    if (head !== null) {
      if (head === emb) throw new InputError(`--head and --embedding both name ${visible(head.name)}`, { source, tensor: head.name });
      if (cols(head) !== Y) {
        throw new InputError(`--head: expected [outputs, ${Y}] (the ${cell}'s ${Y} outputs per step), got ${shapeText(head.w.shape)}`, { source, tensor: head.name });
      }
      checkBias(head, source);
      const next = feeds(head, all, emb ?? null);
      if (next.length > 0) {
        throw new InputError(
          `--head ${JSON.stringify(opts.head)}: its ${rows(head)} outputs feed ${next.map(desc).join(', ')}: a head of several layers (with an activation between them) cannot be reproduced with one Linear`,
          { source, tensor: head.name, hint: 'export the model with a single Linear after the recurrent module, or run without a head (--head none)' },
        );
      }
    }
  }

  // --- found from the shapes
  const free = all.filter((l) => l !== head && l !== emb);
  const headFits = (l: Linear): boolean => head === undefined && cols(l) === Y;
  const embFits = (l: Linear): boolean => emb === undefined && cols(l) === D && l.bias === null;
  const headOnly = free.filter((l) => headFits(l) && !embFits(l));
  const both = free.filter((l) => headFits(l) && embFits(l));
  let embCandidates = free.filter((l) => embFits(l) && !headFits(l));
  const readings = (l: Linear): string =>
    `${desc(l)} is either the embedding (${rows(l)} tokens x the ${cell}'s input ${D}) or the head (${rows(l)} outputs from its ${Y})`;
  let headWhy = '';
  if (head === undefined) {
    head = null;
    if (headOnly.length > 1) {
      ambiguity = {
        message: `${headOnly.length} Linear layers take the ${cell}'s ${Y} outputs: ${headOnly.map(desc).join(', ')}`,
        hint: `name the head with --head ${visible(headOnly[0]!.module || headOnly[0]!.name)} (or --head none)`,
      };
    } else if (headOnly.length === 1) {
      head = headOnly[0]!;
      headWhy = `the only Linear taking the ${cell}'s ${Y} outputs`;
      embCandidates = [...embCandidates, ...both];
    } else if (both.length === 1) {
      const t = both[0]!;
      if (emb != null || embCandidates.length > 0) {
        head = t;
        headWhy = `the only Linear taking the ${cell}'s ${Y} outputs besides the embedding`;
      } else if (opts.tokens === false) {
        head = t;
        headWhy = `the only Linear taking the ${cell}'s ${Y} outputs (the input is numbers, so it is no embedding)`;
      } else {
        ambiguity = { message: readings(t), hint: `name it with --embedding ${visible(t.module || t.name)} or --head ${visible(t.module || t.name)}` };
      }
    } else if (both.length > 1) {
      ambiguity = {
        message: `${both.map(desc).join(', ')} could each be the embedding (tokens x the ${cell}'s input ${D}) or the head (outputs from its ${Y})`,
        hint: 'name them with --embedding NAME and --head NAME',
      };
    }
  } else if (head !== null) {
    headWhy = `--head ${opts.head!}`;
    embCandidates = [...embCandidates, ...both];
  } else {
    embCandidates = [...embCandidates, ...both];
  }

  let embWhy = '';
  if (emb === undefined) {
    emb = null;
    if (ambiguity === null && embCandidates.length > 1) {
      ambiguity = {
        message: `${embCandidates.length} tables of rows of ${D} (the ${cell}'s input size) without a bias: ${embCandidates.map(desc).join(', ')}`,
        hint: `name the embedding with --embedding ${visible(embCandidates[0]!.module || embCandidates[0]!.name)} (or --embedding none)`,
      };
    } else if (embCandidates.length === 1) {
      emb = embCandidates[0]!;
      embWhy = `the only table of rows of ${D} (the ${cell}'s input size) without a bias`;
    }
  } else if (emb !== null) {
    embWhy = `--embedding ${opts.embedding!}`;
  }

  // --- a head whose outputs feed another Linear is only the first layer of an MLP head
  if (head !== null && opts.head === undefined) {
    checkBias(head, source);
    const next = feeds(head, all, emb);
    if (next.length > 0) {
      const why = `not used: feeds ${next.map((n) => visible(n.name)).join(', ')} (a head of several layers)`;
      explain.push(`no head: ${desc(head)} takes the ${cell}'s ${Y} outputs but its ${rows(head)} outputs feed ${next.map(desc).join(', ')} (a head of several layers, with an activation between them, cannot be reproduced): pred is not computed`);
      notes.push(explain[explain.length - 1]!);
      roles.set(head.name, why);
      for (const n of next) roles.set(n.name, `not used: fed by ${visible(head.name)} (a head of several layers)`);
      head = null;
    }
  }

  let headPart: HeadPart | null = null;
  if (head !== null) {
    const biased = head.bias !== null;
    headPart = { weight: head.w.data, bias: head.bias?.data ?? null, outSize: rows(head), inSize: Y, name: head.name, biasName: head.biasName };
    roles.set(head.name, `head: ${rows(head)} output${rows(head) === 1 ? '' : 's'}`);
    if (biased) roles.set(head.biasName!, `head bias`);
    explain.push(`head: ${desc(head)}${biased ? ` + ${visible(head.biasName!)}` : ', no bias'}: ${headWhy}`);
    if (head.module !== 'head' && opts.head === undefined) notes.push(explain[explain.length - 1]!);
  }
  let embPart: EmbeddingPart | null = null;
  if (emb !== null) {
    embPart = { weight: emb.w.data, vocabSize: rows(emb), name: emb.name };
    roles.set(emb.name, `embedding: ${rows(emb)} tokens`);
    explain.push(`embedding: ${desc(emb)}: ${embWhy}`);
    if (emb.name !== 'embedding.weight' && opts.embedding === undefined) notes.push(explain[explain.length - 1]!);
  }
  return { head: headPart, embedding: embPart, notes, explain, roles, ambiguity };
}

/**
 * The other Linear layers that read `head`'s outputs (their columns are its rows). When the head has
 * as many outputs as it has inputs (Y), a Linear of Y columns may as well read the recurrent output:
 * the shapes cannot tell, so only a choice by --head takes one of them (two found are ambiguous).
 */
function feeds(head: Linear, all: readonly Linear[], emb: Linear | null): Linear[] {
  const Y = cols(head);
  return all.filter((l) => l !== head && l !== emb && cols(l) === rows(head) && !(rows(head) === Y && cols(l) === Y));
}

/**
 * The network input for a record: its values, or (with an embedding) its token's row, a token
 * outside the embedding being an error at `source`.
 */
export function recordToX(embedding: Embedding | null, source: string): (record: InputRecord) => Float64Array {
  if (embedding === null) return (r) => r.values;
  return (r) => {
    const token = r.token ?? -1;
    if (!hasToken(embedding, token)) {
      throw new InputError(`token ${JSON.stringify(r.label)} (index ${token}) is outside the embedding's ${embedding.vocabSize} rows`, {
        source,
        line: r.line,
      });
    }
    return Float64Array.from(embeddingRow(embedding, token));
  };
}

/** A vocabulary must have one token per embedding row: any other size maps tokens to the wrong rows. */
export function checkVocabSize(vocab: readonly string[], vocabPath: string, embedding: EmbeddingPart, weightsPath: string): void {
  if (vocab.length === embedding.vocabSize) return;
  throw new InputError(
    `the vocabulary has ${vocab.length} tokens but the embedding ${visible(embedding.name)} in ${visible(weightsPath)} has ${embedding.vocabSize} rows`,
    { source: vocabPath, hint: 'pass the vocabulary the model was trained with' },
  );
}

/**
 * Why an opened input cannot feed an embedding, or null when it can: it must be text (it has a
 * vocabulary), read with the vocabulary the model was trained with (`vocabGiven`).
 */
export function tokenInputError(embedding: EmbeddingPart, input: { readonly source: string; readonly vocab: readonly string[] | null }, vocabGiven: boolean): InputError | null {
  if (input.vocab === null) {
    return new InputError(`the weights have an embedding (${visible(embedding.name)}); expected text input (--input-format text)`, {
      source: input.source,
      hint: 'if that tensor is not an embedding, pass --embedding none',
    });
  }
  if (!vocabGiven) {
    return new InputError(
      `text input into a model with an embedding (${visible(embedding.name)}, ${embedding.vocabSize} rows) needs the vocabulary it was trained with: a vocabulary built from the text's first-seen order would map tokens to the wrong rows`,
      { source: input.source, hint: 'pass --vocab FILE: a JSON list, a {token: index} dict, {"itos": [...]}, or one token per line' },
    );
  }
  return null;
}
