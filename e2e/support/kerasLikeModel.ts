/**
 * Writes a small tfjs Layers model whose layers carry Keras DenseNet121 names, as
 * tensorflowjs_converter would write them (model.json and one weights file), for the ImageNet
 * weight import. Only the stem ('conv1_conv', 'conv1_bn', Keras 3 spelling) is there, so the
 * import reports a partial match.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export async function writeKerasStem(dir: string): Promise<string[]> {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [230, 230, 3], name: 'input_1' });
  const conv = tf.layers
    .conv2d({ filters: 64, kernelSize: 7, strides: 2, useBias: false, name: 'conv1_conv' })
    .apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'conv1_bn' }).apply(conv) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: bn, name: 'densenet121' });
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  if (!saved?.weightData || !saved.weightSpecs) throw new Error('No weights saved');
  const json = join(dir, 'model.json');
  const bin = join(dir, 'group1-shard1of1.bin');
  writeFileSync(
    json,
    JSON.stringify({
      format: 'layers-model',
      generatedBy: 'keras v3 (test)',
      convertedBy: 'TensorFlow.js Converter (test)',
      modelTopology: saved.modelTopology,
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: saved.weightSpecs }],
    }),
  );
  writeFileSync(bin, Buffer.from(tf.io.CompositeArrayBuffer.join(saved.weightData)));
  return [json, bin];
}
