/**
 * The loops of the engine's products (gemm.ts), one per style: the tiled loop a GPU runs, and the
 * direct loops a software adapter runs (tap by tap for a forward product or input gradient, in
 * runs along an output row for a filter gradient). Each sums r in the same order, into the
 * thread's register block acc{i}_{j}.
 */
import { DEPTH, type GemmPlan } from '../../kernels/webgpu/gemmPlan.ts';
import type { GemmKind } from './gemm.ts';
import { A_OPERANDS, B_OPERANDS, FAST, TAP_OPERANDS } from './gemmOperands.ts';

/** The register block's rows, columns and their pairs. */
export type Pairs = (readonly [number, number])[];

/** The tiled loop: slabs of DEPTH along r staged in workgroup memory, then multiplied. */
export function tiledBody(
  kind: GemmKind,
  plan: GemmPlan,
  rows: number[],
  cols: number[],
  pairs: Pairs,
) {
  const { threadsM, threadsN } = plan;
  const tm = threadsM * plan.rows;
  const tn = threadsN * plan.cols;
  const lanes = threadsM * threadsN;
  const fast = FAST[kind];
  // Each thread stages the same elements of every slab (element i at (k, e) of the tile), so
  // their fixed parts and walks are set up before the loop.
  const staged = (operand: 'A' | 'B', alongR: boolean, width: number) =>
    Array.from({ length: Math.ceil((DEPTH * width) / lanes) }, (_, i) => {
      const index = `(lane + ${lanes * i}u)`;
      return {
        name: `${operand}${i}`,
        k: alongR ? `${index} % ${DEPTH}u` : `${index} / ${width}u`,
        e: alongR ? `${index} / ${DEPTH}u` : `${index} % ${width}u`,
        // Whether this thread has an element i (a slab smaller than a multiple of the threads).
        has: (i + 1) * lanes > DEPTH * width ? `${index} < ${DEPTH * width}u` : 'true',
        operand,
        radix: (operand === 'A' ? A_OPERANDS : B_OPERANDS)[kind].radix,
      };
    });
  const elements = [...staged('A', fast.aAlongR, tm), ...staged('B', fast.bAlongR, tn)];
  const setup = elements
    .map(
      ({ name, k, e, has, operand, radix }) => `
  let has${name} = ${has};
  let k${name} = i32(${k});
  let at${name} = k${name} * ${operand === 'A' ? tm : tn} + i32(${e});
  let f${name} = fix${operand}(${operand === 'A' ? 'm0' : 'n0'} + i32(${e}));
  var w${name} = walkFrom(rStart + k${name}, ${radix[0]}, ${radix[1]});`,
    )
    .join('');
  const stage = elements
    .map(
      ({ name, operand, radix }) => `
    if (has${name}) {
      var v${name} = 0.0;
      if (f${name}.ok && w${name}.r < rEnd) { v${name} = load${operand}(f${name}, w${name}); }
      tile${operand}[at${name}] = v${name};
      w${name} = walkOn(w${name}, ${DEPTH}, ${radix[0]}, ${radix[1]});
    }`,
    )
    .join('');
  return `${setup}
  for (var s = 0; s < u.slice / ${DEPTH}; s = s + 1) {
    ${stage}
    workgroupBarrier();
    for (var k = 0; k < ${DEPTH}; k = k + 1) {
      ${rows.map((i) => `let a${i} = tileA[k * ${tm} + ty + ${threadsM * i}];`).join('\n      ')}
      ${cols.map((j) => `let b${j} = tileB[k * ${tn} + tx + ${threadsN * j}];`).join('\n      ')}
      ${pairs.map(([i, j]) => `acc${i}_${j} = acc${i}_${j} + a${i} * b${j};`).join('\n      ')}
    }
    workgroupBarrier();
  }`;
}

/**
 * The direct loop of a filter gradient: r = (image, output row, output column) is walked in runs
 * along an output row, so that each row's input row is checked once per run, and the columns'
 * output gradients follow at a fixed step.
 */
export function runsBody(plan: GemmPlan, rows: number[], cols: number[], pairs: Pairs) {
  const { threadsM, threadsN } = plan;
  const each = (f: (i: number) => string, on: number[], sep = '\n    ') => on.map(f).join(sep);
  return `
  ${each((i) => `let fA${i} = fixA(m0 + ty + ${threadsM * i});\n  let one${i} = fA${i}.p < 0;`, rows, '\n  ')}
  ${each((j) => `let nB${j} = min(n0 + tx + ${threadsN * j}, u.n - 1);`, cols, '\n  ')}
  var r = rStart;
  var w = walkFrom(rStart, u.outW, u.outH);
  while (r < rEnd) {
    let run = min(u.outW - w.c0, rEnd - r);
    ${each(
      (i) => `let iy${i} = w.c1 * u.stride + fA${i}.q;
    let okY${i} = fA${i}.ok && iy${i} >= 0 && iy${i} < u.inH;
    let row${i} = (w.c2 * u.inH + iy${i}) * u.inW;`,
      rows,
    )}
    ${each((j) => `var iB${j} = r * u.outStride + u.outChannel + nB${j};`, cols)}
    for (var ox = w.c0; ox < w.c0 + run; ox = ox + 1) {
      ${each(
        (i) => `let ix${i} = ox * u.stride + fA${i}.s;
      let ok${i} = okY${i} && ix${i} >= 0 && ix${i} < u.inW;
      let a${i} = select(select(0.0, srcA[max((row${i} + ix${i}) * u.inC + fA${i}.p, 0)], ok${i}), 1.0, one${i});`,
        rows,
        '\n      ',
      )}
      ${each((j) => `let b${j} = srcB[iB${j}];\n      iB${j} = iB${j} + u.outStride;`, cols, '\n      ')}
      ${pairs.map(([i, j]) => `acc${i}_${j} = acc${i}_${j} + a${i} * b${j};`).join('\n      ')}
    }
    r = r + run;
    w = walkOn(w, run, u.outW, u.outH);
  }`;
}

/**
 * The direct loop of a forward product or input gradient, tap by tap: each thread finds where its
 * rows' channels start under the tap (checking the bounds once), skips a tap that falls in the
 * padding for all of them, and reads the channels at fixed steps. r is not split.
 */
export function tapsBody(
  kind: Exclude<GemmKind, 'filterGradient'>,
  plan: GemmPlan,
  rows: number[],
  cols: number[],
  pairs: Pairs,
) {
  if (plan.slices !== 1) throw new Error(`a ${kind} product is not split (${plan.slices} slices)`);
  const { threadsM, threadsN } = plan;
  const { channels, bStep } = TAP_OPERANDS[kind];
  return `
  ${rows.map((i) => `let fA${i} = fixA(m0 + ty + ${threadsM * i});`).join('\n  ')}
  ${cols.map((j) => `let nB${j} = min(n0 + tx + ${threadsN * j}, u.n - 1);`).join('\n  ')}
  for (var ky = 0; ky < u.kh; ky = ky + 1) {
    for (var kx = 0; kx < u.kw; kx = kx + 1) {
      let tap = ky * u.kw + kx;
      ${rows
        .map(
          (i) => `let tA${i} = tapA(fA${i}, ky, kx);
      let okA${i} = tA${i} >= 0;
      let iA${i} = max(tA${i}, 0);`,
        )
        .join('\n      ')}
      if (${rows.map((i) => `okA${i}`).join(' || ')}) {
        ${cols.map((j) => `var iB${j} = tapB(nB${j}, tap);`).join('\n        ')}
        for (var c = 0; c < ${channels}; c = c + 1) {
          ${rows.map((i) => `let a${i} = select(0.0, srcA[iA${i} + c], okA${i});`).join('\n          ')}
          ${cols
            .map(
              (j) => `let b${j} = srcB[iB${j}];
          iB${j} = iB${j} + ${bStep};`,
            )
            .join('\n          ')}
          ${pairs.map(([i, j]) => `acc${i}_${j} = acc${i}_${j} + a${i} * b${j};`).join('\n          ')}
        }
      }
    }
  }`;
}
