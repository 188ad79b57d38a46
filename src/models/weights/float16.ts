/**
 * IEEE 754 half-precision floats (Keras' float16 datasets, safetensors' F16) to float32, through a
 * table of all 65,536 bit patterns built on first use.
 */
let table: Float32Array | undefined;

function halves(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    table[h] =
      exponent === 0
        ? sign * fraction * 2 ** -24
        : exponent === 31
          ? fraction
            ? NaN
            : sign * Infinity
          : sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return table;
}

/** Half-precision bit patterns to float32. */
export function halvesToFloats(bits: Uint16Array): Float32Array {
  const values = halves();
  return Float32Array.from(bits, (h) => values[h] ?? NaN);
}
