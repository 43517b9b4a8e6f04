/**
 * What a weights file became: its format, naming layout and tensors beside the Network (index.ts
 * loads it, describe.ts tells it).
 */
import type { InitialState } from '../../engine/index.js';
import type { LoadedWeights } from './pytorch.js';
import type { TensorInfo } from './tensor.js';
import type { TorchModuleInfo } from './torch.js';

export type WeightsFormat = 'pytorch' | 'pytorch-json' | 'safetensors' | 'onnx' | 'keras-json' | 'keras-h5' | 'keras-v3' | 'tfjs';

export const WEIGHTS_FORMATS: readonly WeightsFormat[] = ['pytorch', 'pytorch-json', 'safetensors', 'onnx', 'keras-json', 'keras-h5', 'keras-v3', 'tfjs'];

/** How tensor names map onto the engine. */
export type WeightsLayout = 'pytorch' | 'keras' | 'onnx';

/** What a torch.save file was, for inspect. */
export interface TorchSaved {
  readonly container: 'zip' | 'legacy';
  /** A state_dict, or the whole module (torch.save(model)). */
  readonly saved: 'state_dict' | 'module';
  /** The checkpoint dict's key the model came from, or null. */
  readonly checkpointKey: string | null;
  /** The recurrent modules' recorded attributes (whole-module saves). */
  readonly modules: readonly TorchModuleInfo[];
}

export interface WeightsFile extends LoadedWeights {
  readonly format: WeightsFormat;
  readonly layout: WeightsLayout;
  /** Every tensor the file holds, in file order, with what it became (`role`). */
  readonly tensors: readonly TensorInfo[];
  /** safetensors `__metadata__`, ONNX producer/opset/metadata_props; empty otherwise. */
  readonly metadata: ReadonlyMap<string, string>;
  /** Initial states stored in the file (ONNX initial_h / initial_c), or null. */
  readonly initialState: InitialState | null;
  /** ONNX node names or Keras layer paths, bottom layer first; empty for PyTorch (see `prefix`). */
  readonly modules: readonly string[];
  /** Things worth telling the user that are not errors (ONNX layout, ignored sequence_lens, ...). */
  readonly notes: readonly string[];
  /** torch.save files only. */
  readonly torch?: TorchSaved;
}
