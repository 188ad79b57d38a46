/**
 * The loss of a recorded step (record.ts): the Dice loss of a one-channel sigmoid, or the
 * (class-weighted) cross-entropy of a softmax, each fused with the output's gradient, writing the
 * step's loss into its slot of the loss ring.
 */
import { CROSS_ENTROPY_SHADER, CROSS_ENTROPY_UNIFORMS } from './kernels/crossEntropy.ts';
import { DICE_GRADIENT_SHADER, DICE_SUMS_SHADER, DICE_UNIFORMS } from './kernels/diceLoss.ts';
import { groupsFor } from './kernels/uniforms.ts';
import { EngineUnavailable, type Recording } from './recording.ts';

export interface LossBuffers {
  target: GPUBuffer;
  predicted: GPUBuffer;
  /** The output's gradient, written whole. */
  gradient: GPUBuffer;
  /** The ring of losses, two floats a slot. */
  loss: GPUBuffer;
}

export function recordLoss(
  rec: Recording,
  buffers: LossBuffers,
  classWeights: number[] | null,
): void {
  const { gpu, graph } = rec;
  const { target, predicted, gradient, loss } = buffers;
  const [batch, height, width, channels] = graph.output.shape;
  if (graph.loss === 'dice') {
    const pixels = height * width;
    const sums = gpu.buffer(2 * batch, 'dice sums');
    const uniforms = gpu.uniforms(DICE_UNIFORMS, { batch, pixels, lossOffset: 0 }, 'dice');
    rec.perStep.push({
      buffer: uniforms,
      pack: (_, slot) => DICE_UNIFORMS.pack({ batch, pixels, lossOffset: 2 * slot }),
    });
    rec.backward.push(
      gpu.dispatch(
        'diceSums',
        DICE_SUMS_SHADER,
        uniforms,
        [target, predicted, sums],
        [batch, 1, 1],
      ),
      gpu.dispatch(
        'diceGradient',
        DICE_GRADIENT_SHADER,
        uniforms,
        [target, predicted, sums, gradient, loss],
        [groupsFor(batch * pixels), 1, 1],
      ),
    );
    return;
  }
  const values = classWeights ?? new Array<number>(channels).fill(1);
  if (values.length !== channels) {
    throw new EngineUnavailable(`${values.length} class weights for ${channels} classes`);
  }
  const weights = gpu.buffer(channels, 'class weights');
  gpu.device.queue.writeBuffer(weights, 0, new Float32Array(values));
  const uniforms = gpu.uniforms(
    CROSS_ENTROPY_UNIFORMS,
    { batch, classes: channels, lossOffset: 0 },
    'cross-entropy',
  );
  rec.perStep.push({
    buffer: uniforms,
    pack: (_, slot) =>
      CROSS_ENTROPY_UNIFORMS.pack({ batch, classes: channels, lossOffset: 2 * slot }),
  });
  rec.backward.push(
    gpu.dispatch(
      'crossEntropy',
      CROSS_ENTROPY_SHADER,
      uniforms,
      [target, predicted, weights, gradient, loss],
      [1, 1, 1],
    ),
  );
}
