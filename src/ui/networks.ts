/**
 * How a network is named on screen: its cell and sizes (`LSTM 2→8`, `GRU 3→16 L2 bi`), and with a
 * second network compared, the weights file each came from (`LSTM 2→8 · lstm.json`).
 */
import { cellLabel, type Network } from '../engine/index.js';

/** Cell and sizes, short: `LSTM 2→8`, `GRU 3→16 L2 bi`, `LSTM 3→6→3` (a projection to 3). */
export function networkLabel(net: Network): string {
  const dirs = net.directions.length > 1 ? ' bi' : net.directions[0] === 'reverse' ? ' rev' : '';
  const proj = net.projSize != null && net.projSize > 0 ? `→${net.projSize}` : '';
  return `${cellLabel(net.kind)} ${net.inputSize}→${net.hiddenSize}${proj}${net.numLayers > 1 ? ` L${net.numLayers}` : ''}${dirs}`;
}

/** Cell and sizes, then the name it goes by (a weights file), when there is one. */
export function networkTitle(net: Network, name: string | undefined): string {
  return name === undefined || name === '' ? networkLabel(net) : `${networkLabel(net)} · ${name}`;
}
