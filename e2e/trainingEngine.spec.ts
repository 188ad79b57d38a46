import type { ViteDevServer } from 'vite';
import type { EngineCase, EngineCheck, TensorError } from '../bench/engine/protocol.ts';
import { expect, test } from './fixtures.ts';
import { startDevServer } from '../scripts/devServer.ts';
import { SEGNET_QUICK } from '../src/models/segnetConfig.ts';

const PAGE = 'bench/engine/index.html';
const PORT = 4180;
// The page comes from a dev server of its own: that is the origin the guards hold it to.
test.use({ baseURL: `http://localhost:${PORT}` });

let dev: ViteDevServer | undefined;

test.beforeAll(async () => {
  dev = await startDevServer({ port: PORT, pages: [PAGE], cacheDir: 'node_modules/.vite-e2e' });
});

test.afterAll(async () => {
  await dev?.close();
});

/** A SegNet at 16 px: two blocks, two convolutions in the first. */
const SEGNET_16 = { inputSize: 16, encoder: [[8, 8], [16]], batchNormMomentum: 0.9 };

const CASES: EngineCase[] = [
  {
    model: SEGNET_16,
    optimizer: 'sgd-momentum',
    learningRate: 0.02,
    momentum: 0.9,
    batch: 3,
    steps: 30,
    seed: 11,
    weights: 'shared',
  },
  {
    model: SEGNET_QUICK,
    optimizer: 'adam',
    learningRate: 3e-3,
    momentum: 0,
    batch: 4,
    steps: 30,
    seed: 11,
    weights: 'checkpoint',
  },
];

/**
 * A convolution's bias followed by batch norm has a gradient of exactly zero (the normalisation
 * takes the mean out), which float32 computes as rounding noise of about 1e-8 in tfjs and in the
 * engine alike: those are held to the model's gradient scale, not to their own.
 */
const beforeBatchNorm = (name: string) => /_conv\/bias/.test(name);

const worst = (errors: TensorError[]) => errors.reduce((a, b) => (b.relative > a.relative ? b : a));

const describe = (e: TensorError) =>
  `${e.name}: ${e.relative.toExponential(2)} relative (${e.absolute.toExponential(2)} of ${e.scale.toExponential(2)})`;

for (const c of CASES) {
  test(`the WebGPU training engine trains the ${c.model.inputSize} px SegNet with ${c.optimizer} (weights ${c.weights}) as tfjs does, creating nothing per step`, async ({
    page,
  }) => {
    test.setTimeout(300_000);
    await page.goto(`/${PAGE}`);
    // Rounding may put a pre-activation on the other side of ReLU's kink in one of the two (see
    // EngineCheck.reluFlips): such a run compares two different functions, and is run again with
    // other weights and batches.
    let check: EngineCheck | undefined;
    for (let attempt = 0; attempt < 3 && (!check || check.reluFlips > 0); attempt++) {
      if (check) console.log(`${check.reluFlips} activations crossed ReLU's kink: run again`);
      const run = { ...c, seed: c.seed + 100 * attempt };
      check = (await page.evaluate(`window.checkEngine(${JSON.stringify(run)})`)) as EngineCheck;
    }
    if (!check) throw new Error('no check ran');
    expect(check.reluFlips).toBe(0);

    const [engineLoss, tfjsLoss] = check.loss;
    expect(Math.abs(engineLoss - tfjsLoss) / tfjsLoss).toBeLessThanOrEqual(1e-4);

    const scale = Math.max(...check.gradients.map((g) => g.scale));
    const gradients = check.gradients.filter((g) => !beforeBatchNorm(g.name));
    const noise = check.gradients.filter((g) => beforeBatchNorm(g.name));
    const gradient = worst(gradients);
    console.log(`largest gradient error: ${describe(gradient)}`);
    expect(gradients.length).toBeGreaterThan(0);
    expect(gradient.relative, describe(gradient)).toBeLessThanOrEqual(1e-4);
    for (const n of noise) expect(n.absolute, describe(n)).toBeLessThanOrEqual(1e-4 * scale);

    // Those biases move by their noise: SGD by lr times it, Adam by up to ±lr a step (its
    // normalisation makes noise a full step), differently in each. Batch norm cancels them.
    const afterStep = worst(check.afterStep.filter((e) => !beforeBatchNorm(e.name)));
    console.log(`largest weight error after one step: ${describe(afterStep)}`);
    if (c.optimizer === 'sgd-momentum') {
      expect(afterStep.relative, describe(afterStep)).toBeLessThanOrEqual(1e-4);
    } else {
      // Adam's first step is lr · g / (|g| + ε): a gradient near ε (1e-7) turns a rounding
      // difference δ of g into up to lr · δ / ε of the step. Measured up to 0.009 lr; held to 0.05 lr.
      expect(afterStep.absolute, describe(afterStep)).toBeLessThanOrEqual(0.05 * c.learningRate);
    }
    if (c.optimizer === 'sgd-momentum') {
      const weightScale = Math.max(...check.afterStep.map((e) => e.scale));
      for (const e of check.afterStep.filter((e) => beforeBatchNorm(e.name)))
        expect(e.absolute, describe(e)).toBeLessThanOrEqual(1e-4 * weightScale);
    }

    const curve = Math.max(...check.curve.map(([e, t]) => Math.abs(e - t)));
    console.log(
      `largest loss difference over ${check.curve.length} steps: ${curve.toExponential(2)} (${check.laterReluFlips} activations crossed ReLU's kink in the later steps)`,
    );
    expect(check.curve).toHaveLength(c.steps);
    expect(curve).toBeLessThanOrEqual(1e-3);
    // It trained: the last losses are below the first.
    expect(check.curve.at(-1)?.[0] as number).toBeLessThan(engineLoss);

    // The moving statistics equal tfjs's after the first step (above, with every weight) and after
    // all steps under SGD. Under Adam they drift apart: a layer's moving mean follows its bias,
    // which the noise moves (above), and Adam makes any weight whose gradient is near zero step by
    // ±lr on rounding, so the two runs' weights, and the statistics of their activations, part by
    // a little every step (while the losses stay together).
    const moving = check.afterSteps.filter((e) => /moving_(mean|variance)/.test(e.name));
    const layers = check.gradients.filter((g) => /bn\/gamma/.test(g.name)).length;
    expect(moving).toHaveLength(2 * layers);
    const statistics = worst(moving);
    console.log(`largest moving-statistics error after ${c.steps} steps: ${describe(statistics)}`);
    if (c.optimizer === 'sgd-momentum')
      expect(statistics.relative, describe(statistics)).toBeLessThanOrEqual(1e-4);

    console.log(
      `per step: ${JSON.stringify(check.perStep)}, ${check.dispatchesPerStep} dispatches`,
    );
    expect(check.perStep).toEqual({
      buffers: 0,
      bindGroups: 0,
      pipelines: 0,
      shaderModules: 0,
      submits: 1,
      mapAsync: 1,
    });
    expect(check.checkpointError).toBeLessThanOrEqual(1e-6);
  });
}
