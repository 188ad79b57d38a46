/**
 * Backend choice by measurement (issue 8): runs the app's own timing (src/client/backendChoice.ts,
 * a probe worker per backend) for the SegNet and the classifier, and checks its choice against the
 * training benchmarks of the same run: the chosen backend's images/s in the app's training loop
 * must be within 5% of the best backend's. The DenseNet is compared only when the DenseNet bench
 * measured the quick DenseNet (its DenseNet-121 figures use a batch and size of no preset).
 */
import type { BackendName } from '../src/pipeline/backends.ts';
import type { BackendMeasurement, TimedWork } from '../src/client/backendChoice.ts';
import { benchPage, figure, runPage } from './common/driver.ts';

/** The chosen backend's images/s over the best's: at least this. */
export const CHOICE_TARGET = 0.95;

export interface ChoiceFigure {
  work: TimedWork;
  measurement?: BackendMeasurement;
  error?: string;
  /** The app's training images/s per backend, from the training benchmarks of this run. */
  training?: Partial<Record<BackendName, number>>;
  /** Chosen backend's training images/s over the best backend's. */
  ratio?: number;
}

export async function benchChoice(
  works: { work: TimedWork; training?: Partial<Record<BackendName, number>> }[],
): Promise<ChoiceFigure[]> {
  const url = await benchPage('bench/choice/index.html');
  const figures: ChoiceFigure[] = [];
  for (const { work, training } of works) {
    const outcome = await runPage<TimedWork, BackendMeasurement, never>(url, {
      entry: 'runChoiceBench',
      options: work,
      echo: '[choice',
      label: `Backend choice for ${work.model}, ${work.preset} preset`,
      timeoutMs: 10 * 60_000,
    });
    const measurement = outcome.result;
    if (!measurement) {
      figures.push({ work, error: outcome.error ?? 'no result' });
      continue;
    }
    const rates = Object.values(training ?? {}).filter(Number.isFinite);
    const chosen = measurement.fastest ? training?.[measurement.fastest] : undefined;
    figures.push({
      work,
      measurement,
      ...(training ? { training } : {}),
      ...(chosen !== undefined && rates.length > 0 ? { ratio: chosen / Math.max(...rates) } : {}),
    });
  }
  return figures;
}

export const isChoiceFailure = (f: ChoiceFigure) => f.error !== undefined;

export function choiceMarkdown(figures: ChoiceFigure[]): string[] {
  const rows = figures.map(({ work, measurement, training, ratio, error }) => {
    const name = `${work.model}, ${work.preset}${work.mode ? ` (${work.mode})` : ''}`;
    if (!measurement) return `| ${name} | failed: ${error ?? '?'} | | | |`;
    const timings = measurement.trials
      .map((t) =>
        t.timing
          ? `${t.backend} ${figure(t.timing.imagesPerSecond)}`
          : `${t.backend} – (${t.reason ?? 'no timing'})`,
      )
      .join('; ');
    const trained = training
      ? Object.entries(training)
          .map(([b, r]) => `${b} ${figure(r)}`)
          .join('; ')
      : '–';
    const verdict =
      ratio === undefined
        ? 'not compared'
        : `${ratio.toFixed(2)} (${ratio >= CHOICE_TARGET ? 'meets' : 'misses'} ≥ ${CHOICE_TARGET})`;
    const took = measurement.trials.reduce((s, t) => s + t.seconds, 0);
    return `| ${name} | ${timings} (${took.toFixed(0)} s in all) | ${measurement.fastest ?? 'none'} | ${trained} | ${verdict} |`;
  });
  return [
    '### Backend choice by measurement (images/s of one timed step per backend; the app loop in the training benchmarks above)',
    '',
    '| work | timed | chosen | app training images/s | chosen / best |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}
