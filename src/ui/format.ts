/** Numbers and durations as the page writes them. */
import { CLASSES, CLASS_LABELS } from '../dataset/types.ts';
import type { Calibrator } from '../metrics/calibration.ts';
import type { LearningRateSchedule } from '../training/schedule.ts';

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} min ${Math.round(seconds % 60)} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A score in 0..1 to three decimals, or a dash. */
export function score(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(3);
}

export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Bytes as MB or GB, one decimal. */
export function bytes(value: number): string {
  return value >= 1e9 ? `${(value / 1e9).toFixed(1)} GB` : `${(value / 1e6).toFixed(1)} MB`;
}

/** A rate with enough digits to compare slow backends: 0.48, 5.9, 145. */
export function rate(value: number): string {
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

/** A run's learning-rate schedule and weight decay in words ('' for a constant rate, no decay). */
export function describeSchedule(
  schedule: LearningRateSchedule | undefined,
  weightDecay: number | undefined,
): string {
  const parts: string[] = [];
  if (schedule?.kind === 'warmup-cosine') {
    const warmup = schedule.warmupEpochs;
    parts.push(
      `${warmup > 0 ? `warm-up ${warmup} epoch${warmup === 1 ? '' : 's'}, then ` : ''}cosine down to ${schedule.finalFraction * 100}%`,
    );
  }
  if (weightDecay) parts.push(`weight decay ${weightDecay}`);
  return parts.join(', ');
}

/**
 * Class biases in words, each against the first class's (only the differences matter), e.g.
 * "biases against nevus: melanoma −1.62, seborrheic keratosis +0.25".
 */
export function describeBiases(biases: readonly number[]): string {
  const first = biases[0] ?? 0;
  const signed = (v: number) => (v < 0 ? `−${(-v).toFixed(2)}` : `+${v.toFixed(2)}`);
  const others = CLASSES.slice(1).map(
    (cls, i) => `${CLASS_LABELS[cls].toLowerCase()} ${signed((biases[i + 1] ?? 0) - first)}`,
  );
  return `biases against ${CLASS_LABELS[CLASSES[0]].toLowerCase()}: ${others.join(', ')}`;
}

/** Two decimals with a typographic minus; a value that rounds to 0 reads 0.00, never −0.00. */
export function twoDecimals(v: number): string {
  const text = (Math.abs(v) < 0.005 ? 0 : v).toFixed(2);
  return text.startsWith('-') ? `−${text.slice(1)}` : text;
}

/**
 * A calibration in words: its temperature and, where it has them, its class biases and the weight
 * of the clinical data.
 */
export function describeCalibration({ temperature, biases, clinicalWeight }: Calibrator): string {
  const t = `T = ${temperature.toFixed(2)}`;
  const withBiases = biases ? `${t}; ${describeBiases(biases)}` : t;
  return clinicalWeight === undefined
    ? withBiases
    : `${withBiases}; clinical weight ${twoDecimals(clinicalWeight)}`;
}
