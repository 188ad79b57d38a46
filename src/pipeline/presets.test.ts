import { describe, expect, it } from 'vitest';
import { PRESET_TABLE, presetFromSearch } from './presets.ts';

describe('presets', () => {
  it('keeps the seed recipe of ISIC_melanoma for SegNet', () => {
    const { segnet } = PRESET_TABLE.seed;
    expect(segnet.model.inputSize).toBe(200);
    expect([segnet.optimizer, segnet.learningRate, segnet.momentum]).toEqual([
      'sgd-momentum',
      1e-3,
      0.9,
    ]);
    expect([segnet.batchSize, segnet.epochs, segnet.patience]).toEqual([16, 40, 4]);
    expect(PRESET_TABLE.quick.segnet.model.inputSize).toBeLessThanOrEqual(64);
  });

  it('keeps the seed recipe for the classifier and the documented sizes for the others', () => {
    const { classifier } = PRESET_TABLE.seed;
    expect(classifier.model.blocks).toEqual([6, 12, 24, 16]);
    expect([classifier.model.inputSize, classifier.model.head, classifier.mode]).toEqual([
      256,
      'seed',
      'frozen',
    ]);
    expect([classifier.learningRate, classifier.batchSize, classifier.epochs]).toEqual([
      1e-5, 32, 50,
    ]);
    const recommended = PRESET_TABLE.recommended.classifier;
    expect([recommended.model.inputSize, recommended.model.head, recommended.mode]).toEqual([
      224,
      'gap',
      'fine-tune',
    ]);
    expect(PRESET_TABLE.quick.classifier.model.inputSize).toBeLessThanOrEqual(64);
  });

  it('has a cpu preset that trains from scratch with a schedule, weight decay and colour constancy', () => {
    const { segnet, classifier } = PRESET_TABLE.cpu;
    expect(segnet.model.inputSize).toBe(64);
    expect(segnet.schedule?.kind).toBe('warmup-cosine');
    expect([classifier.model.inputSize, classifier.mode]).toEqual([48, 'fine-tune']);
    expect(classifier.model.colorConstancy).toBe(true);
    expect(classifier.model.imagenetPreprocess).toBe(false);
    expect(classifier.weightDecay).toBeGreaterThan(0);
    expect(classifier.augment.rotate).toBe(true);
    // The other presets train as they did before the cpu preset: no schedule, no decay.
    for (const name of ['seed', 'recommended', 'quick'] as const) {
      expect(PRESET_TABLE[name].classifier.schedule).toBeUndefined();
      expect(PRESET_TABLE[name].segnet.weightDecay).toBeUndefined();
    }
  });

  it('reads ?preset= and falls back to seed', () => {
    expect(presetFromSearch('?preset=quick')).toBe('quick');
    expect(presetFromSearch('?preset=cpu')).toBe('cpu');
    expect(presetFromSearch('?backend=cpu&preset=recommended')).toBe('recommended');
    expect(presetFromSearch('?preset=fast')).toBe('seed');
    expect(presetFromSearch('')).toBe('seed');
  });
});
