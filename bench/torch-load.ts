/**
 * Loading a torch.save file: `gatescope inspect` on a 4-layer LSTM 512 -> 1024 state_dict
 * (31.5M float32 values, 126 MB), written here as torch writes it (a zip of STORED entries,
 * data.pkl naming one storage per tensor), in a child process: wall time and peak RSS; then the same
 * tensors as safetensors. The file's bytes are held once; float32 tensors at 4-byte-aligned
 * offsets are read in place (views of those bytes: io/weights/tensor.ts decodeFloats), others
 * decoded once, so the peak is near the file (both: this zip's entries are 64-byte aligned as
 * torch writes them), plus Node's own.
 */
import { writeFileSync } from 'node:fs';
import { encodeSafetensors } from '../src/io/weights/safetensors.js';
import { join } from 'node:path';
import { runNode, type BenchContext, type BenchSection, type Figure } from './lib.js';

const D = 512;
const H = 1024;
const L = 4;

const enc = new TextEncoder();
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const str = (s: string): number[] => [0x58, ...u32(enc.encode(s).length), ...enc.encode(s)];
const global = (m: string, n: string): number[] => [0x63, ...enc.encode(`${m}\n${n}\n`)];
const int = (n: number): number[] => [0x4a, ...u32(n)];

/** A state_dict zip: `tensors` as (name, shape), values a deterministic ramp. */
function torchZip(tensors: [string, number[]][]): Buffer {
  const pkl: number[] = [0x80, 0x02, ...global('collections', 'OrderedDict'), 0x29, 0x52, 0x28];
  const storages: Buffer[] = [];
  tensors.forEach(([name, shape], k) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    pkl.push(...str(name), ...global('torch._utils', '_rebuild_tensor_v2'), 0x28);
    pkl.push(0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str(String(k)), ...str('cpu'), ...int(n), 0x74, 0x51);
    pkl.push(...int(0), 0x28, ...shape.flatMap(int), 0x74, 0x28, ...stride.flatMap(int), 0x74, 0x89, ...global('collections', 'OrderedDict'), 0x29, 0x52, 0x74, 0x52);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = ((i % 1000) - 500) / 5000;
    storages.push(Buffer.from(data.buffer));
  });
  pkl.push(0x75, 0x2e);
  const entries: [string, Buffer][] = [['big/data.pkl', Buffer.from(pkl)], ...storages.map((s, k): [string, Buffer] => [`big/data/${k}`, s]), ['big/version', Buffer.from('3\n')]];
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = enc.encode(name);
    // as torch's writer does: an extra field pads each entry's data to a 64-byte boundary
    let pad = (64 - ((offset + 30 + n.length + 4) % 64)) % 64;
    const extra = [0x46, 0x42, pad & 0xff, pad >> 8, ...new Array<number>(pad).fill(0)];
    pad = extra.length;
    const local = Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u32(data.length), ...u32(data.length), n.length, 0, pad & 0xff, pad >> 8, ...n, ...extra]);
    central.push(Buffer.from([0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u32(data.length), ...u32(data.length), n.length, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u32(offset), ...n]));
    parts.push(local, data);
    offset += local.length + data.length;
  }
  const dirSize = central.reduce((a, c) => a + c.length, 0);
  const end = Buffer.from([0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, entries.length & 0xff, entries.length >> 8, entries.length & 0xff, entries.length >> 8, ...u32(dirSize), ...u32(offset), 0, 0]);
  return Buffer.concat([...parts, ...central, end]);
}

export const torchLoadSection: BenchSection = {
  name: `weights load: LSTM ${D}->${H}, ${L} layers, torch.save and safetensors (inspect, child process)`,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const tensors: [string, number[]][] = [];
    for (let k = 0; k < L; k++) {
      tensors.push([`lstm.weight_ih_l${k}`, [4 * H, k === 0 ? D : H]], [`lstm.weight_hh_l${k}`, [4 * H, H]], [`lstm.bias_ih_l${k}`, [4 * H]], [`lstm.bias_hh_l${k}`, [4 * H]]);
    }
    const bytes = torchZip(tensors);
    const path = join(ctx.tmp, 'big.pt');
    writeFileSync(path, bytes);
    const st = encodeSafetensors(new Map(tensors.map(([name, shape]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = ((i % 1000) - 500) / 5000;
      return [name, { shape, data }];
    })));
    const stPath = join(ctx.tmp, 'big.safetensors');
    writeFileSync(stPath, st);
    const figures: Figure[] = [];
    for (const [what, file, size] of [['torch.save', path, bytes.length], ['safetensors', stPath, st.length]] as const) {
      ctx.log(`${what} load ${(size / 2 ** 20).toFixed(0)} MiB`);
      const runs = [];
      for (let r = 0; r < Math.max(1, Math.min(3, ctx.reps)); r++) runs.push(await runNode([join(ctx.root, 'bin', 'gatescope.js'), 'inspect', file], { cwd: ctx.root, tmp: ctx.tmp }));
      if (runs.some((r) => r.code !== 0)) {
        figures.push({ name: `${what} inspect`, value: null, unit: 'ms', note: runs.find((r) => r.code !== 0)!.stderr.slice(0, 200) });
        continue;
      }
      const wall = runs.map((r) => r.wallMs).sort((a, b) => a - b)[runs.length >> 1]!;
      const rss = Math.max(...runs.map((r) => r.maxRssMiB));
      figures.push(
        { name: `${what} file size`, value: size / 2 ** 20, unit: 'MiB' },
        { name: `${what} inspect wall time`, value: wall, unit: 'ms' },
        { name: `${what} inspect peak RSS`, value: rss, unit: 'MiB', note: `${(rss / (size / 2 ** 20)).toFixed(2)}x the file` },
      );
    }
    return figures;
  },
};
