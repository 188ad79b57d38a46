import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { buildSegNet } from './src/models/segnet.ts';
import { diceLoss, diceCoefficient, jaccardIndex } from './src/train/segmentationLoss.ts';
import { augmentPair } from './src/train/augment.ts';

await tf.setBackend('cpu');
const S = Number(process.env.S ?? 32);
function load(split: string) {
  const dir = `public/demo/ISIC-2017_${split}_Data`;
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg'));
  const xs: tf.Tensor[] = [], ys: tf.Tensor[] = [];
  for (const f of files) {
    const img = jpeg.decode(readFileSync(`${dir}/${f}`), { useTArray: true });
    const png = PNG.sync.read(readFileSync(`public/demo/ISIC-2017_${split}_Part1_GroundTruth/${f.replace('.jpg', '_segmentation.png')}`));
    xs.push(tf.tidy(() => tf.image.resizeBilinear(tf.div(tf.tensor3d(img.data, [img.height, img.width, 4], 'int32').slice([0,0,0],[-1,-1,3]).toFloat(), 255) as tf.Tensor3D, [S, S], true)));
    ys.push(tf.tidy(() => tf.image.resizeNearestNeighbor(tf.greater(tf.tensor3d(png.data, [png.height, png.width, 4], 'int32').slice([0,0,0],[-1,-1,1]), 127).toFloat() as tf.Tensor3D, [S, S], true)));
  }
  return { x: tf.stack(xs) as tf.Tensor4D, y: tf.stack(ys) as tf.Tensor4D };
}
const train = load('Training'), val = load('Validation');
console.log(train.x.shape, val.x.shape);
const enc = JSON.parse(process.env.ENC ?? '[[4,4],[8,8],[8,8,8]]');
const model = buildSegNet({ inputSize: S, encoder: enc, batchNormMomentum: Number(process.env.MOM ?? 0.9) });
model.compile({ optimizer: tf.train.adam(Number(process.env.LR ?? 3e-3)), loss: diceLoss, metrics: [diceCoefficient, jaccardIndex] });
const B = Number(process.env.B ?? 8);
const AUG = process.env.AUG === '1';
const n = train.x.shape[0];
const t0 = Date.now();
for (let e = 0; e < Number(process.env.E ?? 6); e++) {
  for (let s = 0; s + B <= n; s += B) {
    const x = train.x.slice([s], [B]) as tf.Tensor4D, y = train.y.slice([s], [B]) as tf.Tensor4D;
    const a = AUG ? augmentPair(x, y, { rotate90: true, shear: 0, flip: true }, e * 1000 + s) : { images: x, masks: y };
    await model.trainOnBatch(a.images, a.masks);
    tf.dispose([x, y, a.images, a.masks]);
  }
  const r = model.evaluate(val.x, val.y) as tf.Scalar[];
  console.log(e + 1, ((Date.now() - t0) / 1000).toFixed(1), r.map((t) => t.dataSync()[0].toFixed(3)).join(' '));
  tf.dispose(r);
}
