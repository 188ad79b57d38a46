/**
 * Turns a predicted probability map into the lesion mask the Masking stage applies: threshold at
 * 0.5, keep the largest connected component (8-connected), fill its holes. Pure TypeScript.
 * Masks are `size * size` bytes, 0 or 255, row-major.
 */

/** 255 where the probability is at least `threshold`, else 0. */
export function threshold(probabilities: ArrayLike<number>, at = 0.5): Uint8Array {
  return Uint8Array.from(probabilities as ArrayLike<number>, (p) => (p >= at ? 255 : 0));
}

/** Keeps only the largest 8-connected lesion component (ties: the one found first). */
export function largestComponent(mask: Uint8Array, width: number, height: number): Uint8Array {
  const labels = new Int32Array(mask.length);
  const stack = new Int32Array(mask.length);
  let best = 0;
  let bestSize = 0;
  let next = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = ++next;
    let size = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const i = stack[--top] as number;
      size++;
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (mask[j] && !labels[j]) {
            labels[j] = label;
            stack[top++] = j;
          }
        }
      }
    }
    if (size > bestSize) {
      best = label;
      bestSize = size;
    }
  }
  return Uint8Array.from(labels, (l) => (l === best && best > 0 ? 255 : 0));
}

/** Fills holes: background not 4-connected to the border becomes lesion. */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  const outside = new Uint8Array(mask.length);
  const stack: number[] = [];
  const seed = (i: number) => {
    if (!mask[i] && !outside[i]) {
      outside[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const x = i % width;
    if (x > 0) seed(i - 1);
    if (x < width - 1) seed(i + 1);
    if (i >= width) seed(i - width);
    if (i < mask.length - width) seed(i + width);
  }
  return Uint8Array.from(outside, (o) => (o ? 0 : 255));
}

/** The whole post-processing of one predicted probability map. */
export function postprocess(
  probabilities: ArrayLike<number>,
  width: number,
  height: number,
): Uint8Array {
  return fillHoles(largestComponent(threshold(probabilities), width, height), width, height);
}
