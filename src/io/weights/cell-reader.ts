/**
 * What the readers of the cells PyTorch has no module for (min-cells.ts, xlstm-cells.ts,
 * mlstm.ts) take from pytorch.ts's networkFromStateDict and give back to it: one shape for all.
 */
import type { CellKind, Network } from '../../engine/index.js';
import type { Tensor } from './tensor.js';

/** What networkFromStateDict passes (its StateDictOptions). */
export interface CellReaderOptions {
  readonly source: string;
  readonly prefix?: string | undefined;
  readonly kind?: CellKind | undefined;
}

/** networkFromStateDict's LoadedWeights, without a cell module's flag. */
export interface CellReaderWeights {
  readonly network: Network;
  readonly prefix: string;
  readonly extra: ReadonlyMap<string, Tensor>;
  readonly ignored: readonly string[];
  /** What each used tensor became: `layer 0 z, n rows` (for inspect). */
  readonly roles: ReadonlyMap<string, string>;
  /** The recurrent row of inspect: which names, which layers. */
  readonly naming: string;
}
