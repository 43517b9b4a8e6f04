/**
 * The worker thread that reads Keras HDF5 files (hdf5-isolated.ts starts it): the HDF5 library
 * runs here, so a damaged file on which it loops forever costs a terminated thread, not a hung
 * process. Messages in: {id, bytes, config, opts}; out: {id, file} or {id, error}.
 */
import { parentPort } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { hdf5Ready, withHdf5 } from './hdf5.js';
import { kerasFromHdf5 } from './keras-h5.js';
import type { KerasModelOptions } from './keras-model.js';

export interface Hdf5Request {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly config: unknown;
  readonly opts: KerasModelOptions;
}

export type Hdf5Reply =
  | { readonly id: number; readonly file: ReturnType<typeof kerasFromHdf5> }
  | { readonly id: number; readonly error: { readonly input: boolean; readonly message: string; readonly source?: string; readonly tensor?: string | undefined; readonly hint?: string | undefined; readonly stack?: string | undefined } };

parentPort?.on('message', (req: Hdf5Request) => {
  void (async () => {
    let reply: Hdf5Reply;
    try {
      await hdf5Ready();
      reply = { id: req.id, file: withHdf5(req.bytes, req.opts.source, (f) => kerasFromHdf5(f, req.config, req.opts)) };
    } catch (err) {
      reply =
        err instanceof InputError
          ? { id: req.id, error: { input: true, message: err.message, source: err.source, tensor: err.tensor, hint: err.hint } }
          : { id: req.id, error: { input: false, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined } };
    }
    parentPort!.postMessage(reply);
  })();
});
