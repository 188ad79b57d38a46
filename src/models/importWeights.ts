/**
 * Copies weights between Layers models by layer name: a Keras DenseNet converted with
 * tensorflowjs_converter into ours (densenet.ts), a trained backbone into a fresh classifier, the
 * parts of buildDenseNetParts into the full model and back. Keras 3 spells 'conv1/conv' as
 * 'conv1_conv'; names are compared with '/' and '_' alike when no exact match exists.
 *
 * Only layers that own weights take part. A layer is copied whole or not at all: every weight's
 * shape must match. Nested models (a Keras backbone inside a Sequential) are searched layer by
 * layer. Copying allocates no tensors: the target's variables take the source's values.
 */
import * as tf from '@tensorflow/tfjs';
import type { FileLayer, WeightFile } from './weights/weightFile.ts';

export interface WeightImportReport {
  /** Target layers whose weights were copied. */
  matched: string[];
  /** Target layers with a same-named source layer whose weight shapes differ; left as they were. */
  shapeMismatch: { layer: string; expected: number[][]; found: number[][] }[];
  /** Target layers with weights that the source lacks; left as they were. */
  missingInSource: string[];
  /** Source layers with weights that no target layer takes. */
  unusedInSource: string[];
}

export interface WeightImportOptions {
  /** Copy only the target layers this accepts (by the target's layer name). */
  only?: (layerName: string) => boolean;
}

/** The key two spellings of a layer name share: Keras 3's 'conv1_bn' and Keras 2's 'conv1/bn'. */
export function canonicalLayerName(name: string): string {
  return name.replaceAll('/', '_');
}

/** Copies source weights into target where layer names and all weight shapes match. */
export function copyWeightsByName(
  source: tf.LayersModel,
  target: tf.LayersModel,
  options: WeightImportOptions = {},
): WeightImportReport {
  const sourceLayers = weightedLayers(source);
  const targetLayers = weightedLayers(target);
  return copyPairs(targetLayers, byName(sourceLayers, targetLayers), sourceLayers, options, {
    shapes,
    // getWeights hands out the source's variables; setWeights makes the target's variables share
    // their values (reference-counted), so neither side allocates or leaks a tensor.
    copy: (layer, found) => layer.setWeights(found.getWeights()),
  });
}

/**
 * Copies a weight file's layers (weights/weightFile.ts: Keras HDF5, Keras 3, safetensors) into
 * `target`: by layer name as copyWeightsByName does, or, for files that name layers by class and
 * counter only, the n-th layer of each Keras class to the n-th of the target's. Each layer is read
 * from the file only when it is copied, and its tensors are freed right after.
 */
export function copyWeightsFromFile(
  file: WeightFile,
  target: tf.LayersModel,
  options: WeightImportOptions = {},
): WeightImportReport {
  const targetLayers = weightedLayers(target);
  // By order, only the layers to copy take places in their class's queue.
  const pairs =
    file.match === 'name'
      ? byName(file.layers, targetLayers)
      : byOrder(
          file.layers,
          targetLayers.filter((layer) => !options.only || options.only(layer.name)),
        );
  return copyPairs(targetLayers, pairs, file.layers, options, {
    shapes: (found) => found.shapes,
    copy(layer, found) {
      const tensors = found.read().map((array, i) => tf.tensor(array, found.shapes[i]));
      try {
        layer.setWeights(tensors);
      } finally {
        tf.dispose(tensors);
      }
    },
  });
}

/**
 * Copies each target layer's paired source where every weight shape matches, and reports what was
 * copied, what differed, what the source lacks and which of its layers nothing took.
 */
function copyPairs<Source extends { name: string }>(
  targetLayers: readonly tf.layers.Layer[],
  pairs: ReadonlyMap<tf.layers.Layer, Source>,
  sources: readonly Source[],
  options: WeightImportOptions,
  source: {
    shapes: (found: Source) => number[][];
    copy: (layer: tf.layers.Layer, found: Source) => void;
  },
): WeightImportReport {
  const used = new Set<Source>();
  const report: WeightImportReport = {
    matched: [],
    shapeMismatch: [],
    missingInSource: [],
    unusedInSource: [],
  };
  for (const layer of targetLayers) {
    const found = pairs.get(layer);
    if (found !== undefined) used.add(found);
    if (options.only && !options.only(layer.name)) continue;
    if (found === undefined) {
      report.missingInSource.push(layer.name);
      continue;
    }
    const expected = shapes(layer);
    const given = source.shapes(found);
    if (!sameShapes(expected, given)) {
      report.shapeMismatch.push({ layer: layer.name, expected, found: given });
      continue;
    }
    source.copy(layer, found);
    report.matched.push(layer.name);
  }
  report.unusedInSource = sources.filter((l) => !used.has(l)).map((l) => l.name);
  return report;
}

/** Target layer → source layer of the same name (exactly, else as Keras 3 spells it). */
function byName<Source extends { name: string }>(
  sources: readonly Source[],
  targetLayers: readonly tf.layers.Layer[],
): Map<tf.layers.Layer, Source> {
  const exact = new Map(sources.map((layer) => [layer.name, layer]));
  const canonical = new Map<string, Source>();
  for (const layer of sources) {
    const key = canonicalLayerName(layer.name);
    if (!canonical.has(key)) canonical.set(key, layer);
  }
  const pairs = new Map<tf.layers.Layer, Source>();
  for (const layer of targetLayers) {
    const found = exact.get(layer.name) ?? canonical.get(canonicalLayerName(layer.name));
    if (found !== undefined) pairs.set(layer, found);
  }
  return pairs;
}

/** Target layer → the file layer of its Keras class at the same position among that class's. */
function byOrder(
  fileLayers: readonly FileLayer[],
  targetLayers: readonly tf.layers.Layer[],
): Map<tf.layers.Layer, FileLayer> {
  const queues = new Map<string, FileLayer[]>();
  for (const layer of fileLayers) {
    const key = layer.className ?? '';
    queues.set(key, [...(queues.get(key) ?? []), layer]);
  }
  const pairs = new Map<tf.layers.Layer, FileLayer>();
  for (const layer of targetLayers) {
    const next = queues.get(layer.getClassName())?.shift();
    if (next !== undefined) pairs.set(layer, next);
  }
  return pairs;
}

/** One or two sentences for the page: how many layers loaded, and which did not, shortened. */
export function summarizeImport(report: WeightImportReport, maxNames = 5): string {
  const total = report.matched.length + report.shapeMismatch.length + report.missingInSource.length;
  const parts = [`Loaded ${report.matched.length} of ${total} layers with weights.`];
  if (report.shapeMismatch.length > 0) {
    const names = report.shapeMismatch.map(
      (m) => `${m.layer} (expected ${formatShapes(m.expected)}, found ${formatShapes(m.found)})`,
    );
    parts.push(`${report.shapeMismatch.length} did not match: ${list(names, maxNames)}.`);
  }
  if (report.missingInSource.length > 0) {
    const count = report.missingInSource.length;
    parts.push(`${count} not in the file: ${list(report.missingInSource, maxNames)}.`);
  }
  if (report.unusedInSource.length > 0) {
    const count = report.unusedInSource.length;
    parts.push(`${count} in the file unused: ${list(report.unusedInSource, maxNames)}.`);
  }
  return parts.join(' ');
}

/** Layers that own weights, nested models opened up. */
function weightedLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((layer) =>
    layer instanceof tf.LayersModel
      ? weightedLayers(layer)
      : layer.weights.length > 0
        ? [layer]
        : [],
  );
}

function shapes(layer: tf.layers.Layer): number[][] {
  return layer.weights.map((w) => w.shape.map((d) => d ?? -1));
}

function sameShapes(a: number[][], b: number[][]): boolean {
  return (
    a.length === b.length &&
    a.every((shape, i) => shape.length === b[i]?.length && shape.every((d, k) => d === b[i]?.[k]))
  );
}

function formatShapes(list: number[][]): string {
  return list.map((shape) => `[${shape.join(', ')}]`).join(' ');
}

function list(names: string[], max: number): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
