/**
 * The Evaluation stage's downloads: `predictions.csv` and `metrics.json` exactly as docs/formats.md
 * specifies (src/metrics/report.ts makes both), of the probabilities shown (TTA or plain,
 * calibrated or not: probabilityView.ts), and a chart as PNG (its SVG drawn onto a canvas).
 */
import type { DatasetRow } from '../../dataset/summary.ts';
import type { EvaluationRecord } from '../../evaluation/record.ts';
import { metricsJson, predictionsCsv, type EvalPredictions } from '../../metrics/report.ts';
import { saveBlob } from '../common/saveBlob.ts';
import { asPredictions, plainView, type ProbabilityView } from './probabilityView.ts';
import { BOOTSTRAP } from './useMetrics.ts';

const stem = (record: EvaluationRecord) => `${record.runId}-${record.split}`;

/**
 * What predictions.csv writes of a record: its predictions with each image's licence and
 * attribution as the evaluation stored them. A record stored before they were kept takes them from
 * the dataset's rows as they are now (an image id's licence does not change); images the dataset
 * no longer has get empty cells.
 */
export function exportedPredictions(
  record: EvaluationRecord,
  rows: readonly DatasetRow[],
  view: ProbabilityView = plainView(record),
): EvalPredictions {
  const predictions = asPredictions(record, view);
  if (record.licences && record.attributions) return predictions;
  const byKey = new Map(rows.map((row) => [row.key, row]));
  return {
    ...predictions,
    licences: record.keys.map((key) => byKey.get(key)?.licence ?? ''),
    attributions: record.keys.map((key) => byKey.get(key)?.attribution ?? ''),
  };
}

/** Saves `predictions-<runId>-<split>.csv`; `rows` (the dataset's) credit an older record's images. */
export function savePredictionsCsv(
  record: EvaluationRecord,
  rows: readonly DatasetRow[],
  view: ProbabilityView,
): void {
  const text = predictionsCsv([exportedPredictions(record, rows, view)]);
  saveBlob(new Blob([text], { type: 'text/csv' }), `predictions-${stem(record)}.csv`);
}

export function saveMetricsJson(
  record: EvaluationRecord,
  threshold: number,
  view: ProbabilityView,
): void {
  const json = metricsJson([asPredictions(record, view)], { threshold, bootstrap: BOOTSTRAP });
  saveBlob(
    new Blob([JSON.stringify(json, null, 2) + '\n'], { type: 'application/json' }),
    `metrics-${stem(record)}.json`,
  );
}

/** Draws the first SVG inside `element` onto a white canvas, twice its size, and saves it. */
export async function saveChartPng(element: HTMLElement, name: string): Promise<void> {
  const svg = element.querySelector('svg');
  if (!svg) throw new Error('The chart has not been drawn yet.');
  const { width, height } = svg.getBoundingClientRect();
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  const url = URL.createObjectURL(
    new Blob([new XMLSerializer().serializeToString(clone)], { type: 'image/svg+xml' }),
  );
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = width * 2;
    canvas.height = height * 2;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('This browser cannot draw the chart.');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error('The chart could not be turned into a PNG.');
    saveBlob(blob, name);
  } finally {
    URL.revokeObjectURL(url);
  }
}
