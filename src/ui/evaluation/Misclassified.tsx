import { getMasked } from '../../dataset/storage.ts';
import { CLASSES, CLASS_LABELS } from '../../dataset/types.ts';
import { argmax } from '../../metrics/classification.ts';
import type { EvalPredictions } from '../../metrics/report.ts';
import { PixelCanvas } from '../common/PixelCanvas.tsx';
import { useLoaded } from '../common/useLoaded.ts';
import { MELANOMA } from '../../dataset/types.ts';

const SHOWN = 24;
const NO_THUMBS = new Map<string, { pixels: Uint8Array; size: number }>();

interface Miss {
  key: string;
  id: string;
  label: number;
  predicted: number;
  probabilities: number[];
}

/**
 * The images the model gets wrong: a melanoma called benign at the threshold, a benign lesion
 * called melanoma, or (for the rest) a class other than the most probable; the surest mistakes first.
 * `predictions` are the probabilities shown (TTA, calibrated: probabilityView.ts).
 */
export function Misclassified({
  predictions,
  threshold,
}: {
  predictions: EvalPredictions;
  threshold: number;
}) {
  const misses: Miss[] = predictions.keys
    .map((key, i) => {
      const probabilities = Array.from({ length: 3 }, (_, c) =>
        Number(predictions.probabilities[i * 3 + c]),
      );
      const label = predictions.labels[i] as number;
      const calledMelanoma = (probabilities[MELANOMA] as number) >= threshold;
      const predicted = calledMelanoma
        ? MELANOMA
        : argmax(probabilities.map((p, c) => (c === MELANOMA ? -1 : p)));
      return { key, id: predictions.ids?.[i] ?? key, label, predicted, probabilities };
    })
    .filter((m) => m.predicted !== m.label)
    .sort(
      (a, b) => (b.probabilities[b.predicted] as number) - (a.probabilities[a.predicted] as number),
    );
  const shown = misses.slice(0, SHOWN);
  const keys = shown.map((m) => m.key).join();
  const thumbs =
    useLoaded(async () => {
      const wanted = keys ? keys.split(',') : [];
      const found = await getMasked(wanted);
      return new Map(
        wanted.flatMap((k, i) => {
          const record = found[i];
          return record ? [[k, { pixels: record.pixels, size: record.size }] as const] : [];
        }),
      );
    }, [keys]).value ?? NO_THUMBS;

  return (
    <section className="misclassified" data-testid="misclassified" data-count={misses.length}>
      <h4>
        Misclassified at threshold {threshold.toFixed(2)}: {misses.length} of{' '}
        {predictions.keys.length}
        {misses.length > SHOWN ? ` (the ${SHOWN} surest shown)` : ''}
      </h4>
      <div className="preview-grid">
        {shown.map((m) => {
          const thumb = thumbs.get(m.key);
          return (
            <div key={m.key} className="preview" data-testid="misclassified-item">
              <PixelCanvas
                pixels={thumb?.pixels}
                size={thumb?.size ?? 1}
                display={80}
                label={`Masked photo ${m.id}`}
              />
              <span className="preview-caption">
                {m.id}: {CLASS_LABELS[CLASSES[m.label] ?? 'nevus']} called{' '}
                {CLASS_LABELS[CLASSES[m.predicted] ?? 'nevus']}
              </span>
              <span className="preview-caption">
                {CLASSES.map(
                  (c, i) =>
                    `${c === 'seborrheic_keratosis' ? 'SK' : c.slice(0, 3)} ${(m.probabilities[i] ?? 0).toFixed(2)}`,
                ).join(' · ')}
              </span>
            </div>
          );
        })}
      </div>
    </section>
  );
}
