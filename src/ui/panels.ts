/**
 * The panels of each cell kind, in the order the screen shows them (and keys 1..6 pick them):
 * LSTM f i g o c h, GRU r z n h, RNN h, sLSTM f i z o c n m h, mLSTM f i o n m h. `scale` says how a value maps to a bar:
 *   unit  a sigmoid gate in 0..1: sequential bar from the left
 *   tanh  a signed value in -1..1: diverging bar, fixed scale
 *   free  a signed, unbounded value (LSTM c, ReLU h): diverging bar scaled by the largest |value|
 *         over the sequence, stated in the panel title
 */
import type { CellKind } from '../engine/index.js';

export type PanelScale = 'unit' | 'tanh' | 'free';

export interface PanelSpec {
  /** The traced state's name (STATE_NAMES). */
  readonly name: string;
  /** What it is, in words. */
  readonly title: string;
  readonly scale: PanelScale;
  /** False: no saturation marks (an sLSTM's stabilised i and f, where one of them is 1 at every step). @default true */
  readonly marks?: boolean;
}

const LSTM: readonly PanelSpec[] = [
  { name: 'f', title: 'forget', scale: 'unit' },
  { name: 'i', title: 'input', scale: 'unit' },
  { name: 'g', title: 'candidate', scale: 'tanh' },
  { name: 'o', title: 'output', scale: 'unit' },
  { name: 'c', title: 'cell', scale: 'free' },
  { name: 'h', title: 'hidden', scale: 'tanh' },
];

const RNN_TANH: readonly PanelSpec[] = [{ name: 'h', title: 'hidden', scale: 'tanh' }];
const RNN_RELU: readonly PanelSpec[] = [{ name: 'h', title: 'hidden (ReLU)', scale: 'free' }];

const GRU: readonly PanelSpec[] = [
  { name: 'r', title: 'reset', scale: 'unit' },
  { name: 'z', title: 'update', scale: 'unit' },
  { name: 'n', title: 'candidate', scale: 'tanh' },
  { name: 'h', title: 'hidden', scale: 'tanh' },
];

const MIN_GRU: readonly PanelSpec[] = [
  { name: 'z', title: 'update', scale: 'unit' },
  { name: 'n', title: 'candidate g(x)', scale: 'free' },
  { name: 'h', title: 'hidden', scale: 'free' },
];

const MIN_LSTM: readonly PanelSpec[] = [
  { name: 'f', title: "forget f'", scale: 'unit' },
  { name: 'i', title: "input i'", scale: 'unit' },
  { name: 'n', title: 'candidate g(x)', scale: 'free' },
  { name: 'h', title: 'hidden', scale: 'free' },
];

// the stabilised gates: i = exp(a_i - m), f = exp(log sigmoid(a_f) + m_prev - m), both in (0, 1];
// c and n carry the same exp(-m) scale, so only h = o c / n (|c / n| < 1) has a fixed one
const SLSTM: readonly PanelSpec[] = [
  { name: 'f', title: 'forget (stabilised)', scale: 'unit', marks: false },
  { name: 'i', title: 'input (stabilised)', scale: 'unit', marks: false },
  { name: 'z', title: 'candidate', scale: 'tanh' },
  { name: 'o', title: 'output', scale: 'unit' },
  { name: 'c', title: 'cell', scale: 'free' },
  { name: 'n', title: 'normaliser', scale: 'free' },
  { name: 'm', title: 'stabiliser', scale: 'free' },
  { name: 'h', title: 'hidden', scale: 'tanh' },
];

// the mLSTM: i, f and m are its head's (one per head, repeated over the head's units); n is the
// normaliser's component for the unit; h = o * C q / max(|n . q|, exp(-m)) is unbounded
const MLSTM: readonly PanelSpec[] = [
  { name: 'f', title: 'forget (stabilised, per head)', scale: 'unit', marks: false },
  { name: 'i', title: 'input (stabilised, per head)', scale: 'unit', marks: false },
  { name: 'o', title: 'output', scale: 'unit' },
  { name: 'n', title: 'normaliser', scale: 'free' },
  { name: 'm', title: 'stabiliser (per head)', scale: 'free' },
  { name: 'h', title: 'hidden (readout)', scale: 'free' },
];

export function panelsFor(kind: CellKind): readonly PanelSpec[] {
  switch (kind) {
    case 'lstm':
      return LSTM;
    case 'gru':
      return GRU;
    case 'rnn_tanh':
      return RNN_TANH;
    case 'rnn_relu':
      return RNN_RELU;
    case 'mingru':
      return MIN_GRU;
    case 'minlstm':
      return MIN_LSTM;
    case 'slstm':
      return SLSTM;
    case 'mlstm':
      return MLSTM;
  }
}

/** Below this a sigmoid gate counts as shut, above 1 - this as open; |tanh| above 1 - this as saturated. */
export const SATURATION = 0.02;

/** The saturation marker of a value, or a space. */
export function saturationMark(scale: PanelScale, v: number): string {
  if (scale === 'unit') return v <= SATURATION ? '○' : v >= 1 - SATURATION ? '●' : ' ';
  if (scale === 'tanh') return Math.abs(v) >= 1 - SATURATION ? '◆' : ' ';
  return ' ';
}
