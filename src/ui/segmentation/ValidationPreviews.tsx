import { getImages, getMasks } from '../../dataset/storage.ts';
import { loadRunState, previewsKey, type SegNetPreviews } from '../../runs/runs.ts';
import { displayId } from '../../dataset/ids.ts';
import { PixelCanvas } from '../common/PixelCanvas.tsx';
import { useLoaded } from '../common/useLoaded.ts';

const DISPLAY = 112;

interface Preview {
  key: string;
  dice: number;
  size: number;
  image: Uint8Array | undefined;
  truth: Uint8Array | undefined;
  predicted: Uint8Array;
  predictedSize: number;
}

interface Previews {
  epoch: number;
  items: Preview[];
}

/** A few validation images with the predicted and the true mask, as of the run's latest epoch. */
export function ValidationPreviews({ runId, epoch }: { runId: string; epoch: number | undefined }) {
  const { value: previews } = useLoaded(async (): Promise<Previews | null> => {
    // Each epoch stores new previews under the run's key: a new epoch reads them again.
    void epoch;
    const stored = await loadRunState<SegNetPreviews>(previewsKey(runId));
    if (!stored) return null;
    const keys = stored.items.map((i) => i.key);
    const [images, masks] = await Promise.all([getImages(keys), getMasks(keys)]);
    return {
      epoch: stored.epoch,
      items: stored.items.map((item, i) => ({
        key: item.key,
        dice: item.dice,
        size: images[i]?.size ?? stored.size,
        image: images[i]?.pixels,
        truth: masks[i]?.pixels,
        predicted: item.predicted,
        predictedSize: stored.size,
      })),
    };
  }, [runId, epoch]);

  if (!previews) return null;
  return (
    <figure className="previews" data-testid="segnet-previews" data-epoch={previews.epoch + 1}>
      <figcaption>
        Validation images after epoch {previews.epoch + 1}: photo, predicted mask, true mask
      </figcaption>
      <div className="preview-grid">
        {previews.items.map((p) => (
          <div key={p.key} className="preview">
            <PixelCanvas
              pixels={p.image}
              size={p.size}
              display={DISPLAY}
              label={`Photo ${p.key}`}
            />
            <PixelCanvas
              pixels={p.predicted}
              size={p.predictedSize}
              display={DISPLAY}
              label={`Predicted mask of ${p.key}`}
            />
            <PixelCanvas
              pixels={p.truth}
              size={p.size}
              display={DISPLAY}
              label={`True mask of ${p.key}`}
            />
            <span className="preview-caption">
              {displayId(p.key)} · Dice {p.dice.toFixed(3)}
            </span>
          </div>
        ))}
      </div>
    </figure>
  );
}
