import { getMasked } from '../../dataset/storage.ts';
import { displayId } from '../../dataset/ids.ts';
import { CLASSES, CLASS_LABELS } from '../../dataset/types.ts';
import type { StoredPredictions } from '../../training/classifierValidation.ts';
import { loadRunState, predictionsKey } from '../../runs/runs.ts';
import { PixelCanvas } from '../common/PixelCanvas.tsx';
import { useLoaded } from '../common/useLoaded.ts';

const SHOWN = 6;
const DISPLAY = 96;

interface Item {
  key: string;
  label: number;
  probabilities: number[];
  pixels: Uint8Array | undefined;
  size: number;
}

interface Shown {
  epoch: number;
  items: Item[];
}

/** The first validation images (masked, as the classifier saw them) with its probabilities. */
export function ValidationPredictions({ runId, epoch }: { runId: string; epoch?: number }) {
  const { value: shown } = useLoaded(async (): Promise<Shown | null> => {
    // Each epoch stores new predictions under the run's key: a new epoch reads them again.
    void epoch;
    const stored = await loadRunState<StoredPredictions>(predictionsKey(runId));
    if (!stored) return null;
    const keys = stored.keys.slice(0, SHOWN);
    const masked = await getMasked(keys);
    return {
      epoch: stored.epoch,
      items: keys.map((key, i) => ({
        key,
        label: stored.labels[i] as number,
        probabilities: Array.from(stored.probabilities.subarray(i * 3, i * 3 + 3)),
        pixels: masked[i]?.pixels,
        size: masked[i]?.size ?? 1,
      })),
    };
  }, [runId, epoch]);

  if (!shown) return null;
  return (
    <figure className="previews" data-testid="classifier-predictions" data-epoch={shown.epoch + 1}>
      <figcaption>
        Validation images and the probabilities of the epoch {shown.epoch + 1} model
      </figcaption>
      <div className="preview-grid">
        {shown.items.map((item) => (
          <div
            key={item.key}
            className="preview"
            data-testid="classifier-prediction"
            data-key={item.key}
            data-probabilities={JSON.stringify(item.probabilities)}
          >
            <PixelCanvas
              pixels={item.pixels}
              size={item.size}
              display={DISPLAY}
              label={`Masked photo ${item.key}`}
            />
            <span className="preview-caption">
              {displayId(item.key)} · {CLASS_LABELS[CLASSES[item.label] ?? 'nevus']}
            </span>
            <dl className="probabilities">
              {CLASSES.map((cls, c) => (
                <div key={cls} className={c === item.label ? 'true-class' : undefined}>
                  <dt>{CLASS_LABELS[cls]}</dt>
                  <dd>
                    <meter min={0} max={1} value={item.probabilities[c]} />{' '}
                    {(item.probabilities[c] ?? 0).toFixed(2)}
                  </dd>
                </div>
              ))}
            </dl>
          </div>
        ))}
      </div>
    </figure>
  );
}
