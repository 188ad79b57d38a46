/**
 * The Evaluation stage's downloads: `predictions.csv` and `metrics.json` exactly as docs/formats.md
 * specifies (src/metrics/report.ts makes both), and a chart as PNG (its SVG drawn onto a canvas).
 */
import type { EvaluationRecord } from '../../evaluation/record.ts';
import { metricsJson, predictionsCsv } from '../../metrics/report.ts';
import { saveBlob } from '../common/saveBlob.ts';
import { BOOTSTRAP, asPredictions } from './useMetrics.ts';

const stem = (record: EvaluationRecord) => `${record.runId}-${record.split}`;

export function savePredictionsCsv(record: EvaluationRecord): void {
  const text = predictionsCsv([asPredictions(record)]);
  saveBlob(new Blob([text], { type: 'text/csv' }), `predictions-${stem(record)}.csv`);
}

export function saveMetricsJson(record: EvaluationRecord, threshold: number): void {
  const json = metricsJson([asPredictions(record)], { threshold, bootstrap: BOOTSTRAP });
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
