/**
 * What the quality benchmark (quality.ts) records of one preset's run, and its Markdown report
 * (bench/results/latest-quality.md).
 */
import { SPLITS } from '../src/dataset/types.ts';
import type { PresetName } from '../src/pipeline/presets.ts';
import { CLASSIFIER_METRICS, SEGNET_METRICS } from '../src/runs/runs.ts';

/** The Evaluation stage's figures of one split under one setting of its three switches. */
export interface EvaluationFigures {
  tta: boolean;
  calibrated: boolean;
  /** Calibrated with age, sex and site too (absent in results from before they were used). */
  clinical?: boolean;
  figures: Record<string, number | null>;
}

export interface QualityFigures {
  preset: PresetName;
  backend: string;
  /** Minutes per stage (absent for stages this run did not do). */
  minutes: Record<string, number>;
  images: Record<string, number>;
  segnet: Record<string, number | null>;
  masks: Record<string, number | null>;
  /** Whether the masked images were cut to their lesion's square and zoomed. */
  crop: boolean;
  /** Whether the classifier learned an "other" class, and from how many training images. */
  other: { learned: boolean; trainImages: number };
  /** Epochs run, and the validation melanoma AUC of the best (the checkpoint evaluated). */
  classifier: { epochs: number; bestValAuc: number | null };
  /** The latest SegNet and classifier runs' epochs, as their run records keep them. */
  histories: Record<'segnet' | 'classifier', EpochLine[]>;
  evaluation: Record<'val' | 'test', EvaluationFigures[]>;
  /** The photo's melanoma score, and again with its age, sex and site given (null: not offered). */
  diagnose: { photo: string; melanoma: number; clinicalMelanoma?: number | null } | null;
}

/** One epoch of a run: training loss, validation loss and metrics, seconds. */
export interface EpochLine {
  epoch: number;
  loss: number;
  valLoss: number;
  val: Record<string, number>;
  seconds: number;
}

const cell = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);

export function qualityMarkdown(figures: QualityFigures[] | null): string[] {
  if (!figures) return ['## Quality', '', 'Skipped: no HAM10000 beside the repository.', ''];
  const lines = ['## Quality on HAM10000 (lesion-grouped splits the app draws)', ''];
  for (const f of figures) {
    const total = Object.values(f.minutes).reduce((a, b) => a + b, 0);
    lines.push(
      `### ${f.preset} preset, ${f.backend}`,
      '',
      `Minutes per stage: ${Object.entries(f.minutes)
        .map(([stage, m]) => `${stage} ${m.toFixed(1)}`)
        .join(', ')} (total ${total.toFixed(1)}).`,
      `Images: ${SPLITS.map((s) => `${s} ${f.images[s]}`).join(', ')}. Classifier epochs run: ${f.classifier.epochs}, best validation melanoma AUC ${cell(f.classifier.bestValAuc)}.`,
      `SegNet: validation Dice ${cell(f.segnet.valDice)}, Jaccard ${cell(f.segnet.valJaccard)}; masks on the test split: Jaccard ${cell(f.masks['test jaccard'])}, thresholded ${cell(f.masks['test thresholded jaccard'])} (its images of the three classes: ${cell(f.masks['test jaccard, three classes'])}, ${cell(f.masks['test thresholded jaccard, three classes'])}). Masked images ${f.crop ? 'centred and zoomed on the lesion' : 'as whole frames'}. ${f.other.learned ? `The classifier also learned an "other" class from ${f.other.trainImages} training images of other diagnoses (not scored).` : `No "other" class (${f.other.trainImages} training images of other diagnoses stored).`}`,
      '',
      '| split | TTA | calibrated | clinical data | melanoma AUC | AP | ECE | T | biases (mel, SK) | clinical weight | mean AUC | F1 | accuracy | per-lesion AUC | lesions |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const split of ['val', 'test'] as const) {
      for (const s of f.evaluation[split] ?? []) {
        const v = s.figures;
        lines.push(
          `| ${split} | ${s.tta ? 'yes' : 'no'} | ${s.calibrated ? 'yes' : 'no'} | ${s.clinical ? 'yes' : 'no'} | ${cell(v['auc-melanoma'])} | ${cell(v['melanoma-ap'])} | ${cell(v['ece'])} | ${cell(v['temperature'], 2)} | ${v['bias-melanoma'] === null || v['bias-melanoma'] === undefined ? '–' : `${cell(v['bias-melanoma'], 2)}, ${cell(v['bias-keratosis'], 2)}`} | ${cell(v['clinical-weight'], 2)} | ${cell(v['auc-mean'])} | ${cell(v['f1-melanoma'])} | ${cell(v['accuracy'])} | ${cell(v['lesion-auc-melanoma'])} | ${cell(v['lesion-count'], 0)} |`,
        );
      }
    }
    const epochs = (kind: 'segnet' | 'classifier', metric: string) =>
      f.histories[kind].map((e) => `${e.epoch + 1}: ${cell(e.val[metric])}`).join(', ');
    lines.push(
      '',
      `SegNet validation Jaccard by epoch: ${epochs('segnet', SEGNET_METRICS.jaccard)}.`,
      `Classifier validation melanoma AUC by epoch: ${epochs('classifier', CLASSIFIER_METRICS.melanomaAuc)}.`,
    );
    if (f.diagnose)
      lines.push(
        '',
        `Diagnose ${f.diagnose.photo}: melanoma ${cell(f.diagnose.melanoma)}${f.diagnose.clinicalMelanoma === undefined || f.diagnose.clinicalMelanoma === null ? '' : `, ${cell(f.diagnose.clinicalMelanoma)} with its age, sex and site`}.`,
      );
    lines.push('');
  }
  return lines;
}
