// Run with --expose-gc by hardening/limits: the heap bytes per label that visible() returns, kept
// as the viewer keeps one per step. Half the labels carry a control character (the escape path).
const { visible } = await import(new URL('../../dist/io/errors.js', import.meta.url).href);
const N = 200_000;
globalThis.gc();
const h0 = process.memoryUsage().heapUsed;
const kept = [];
for (let i = 0; i < N; i++) kept.push(visible(`0.${(i * 7919) % 1000000}, -0.654321, 1.25${i % 2 === 0 ? '' : '\u0001'}`, 40));
globalThis.gc();
console.log(String((process.memoryUsage().heapUsed - h0) / N), kept.length);
