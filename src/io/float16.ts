/** 16-bit floats to numbers: IEEE 754 binary16 (.npy '<f2', safetensors F16, TF.js float16) and bfloat16. */

/** IEEE 754 binary16 bits to a number (subnormals, infinities and NaN included). */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 bits (the top half of a float32) to a number. */
export function bfloat16ToNumber(bits: number): number {
  bf16Scratch.setUint32(0, (bits & 0xffff) << 16, false);
  return bf16Scratch.getFloat32(0, false);
}
