import { formatBytes } from '../../dataset/storage.ts';
import { useAppStore } from '../../store/index.ts';

/**
 * What the latest drop will store, against the space the browser says is left; when it may not
 * fit, a warning that names the largest stored size that would, and the choice to go on anyway
 * (the browser's figure can be conservative), at that size, or not at all.
 */
export function StorageEstimate() {
  const estimate = useAppStore((s) => s.dataset.estimate);
  const sizeFixed = useAppStore((s) => (s.dataset.info?.revision ?? 0) > 0);
  const confirmIngest = useAppStore((s) => s.confirmIngest);
  const dismissIngest = useAppStore((s) => s.dismissIngest);
  if (!estimate) return null;
  const { images, masks, storedSize, bytes, available, fits, fittingSize, waiting, uncounted } =
    estimate;
  const px = (size: number) => `${size} × ${size} px`;
  const later = estimate.maskingBytes;
  const tight = fits && available !== null && bytes + later > available;

  return (
    <div
      className="storage-estimate"
      data-testid="storage-estimate"
      data-value={bytes}
      data-state={waiting ? 'waiting' : fits ? 'fits' : 'over'}
    >
      <p className="muted">
        {images === 0 && masks === 0
          ? uncounted.length > 0
            ? ''
            : 'Nothing new to store in this drop.'
          : `This drop stores about ${formatBytes(bytes)}: ${images} images and ${masks} masks at ${px(storedSize)}` +
            (images > 0 ? `; masking them later adds about ${formatBytes(later)}` : '') +
            '.'}
        {uncounted.length > 0 &&
          ` The images in ${uncounted.map((path) => path.split('/').at(-1)).join(', ')} are not counted here: an HDF5 file is read by the ids of its metadata rows, as the ingest goes.`}
        {available !== null &&
          ` The browser lets this site store about ${formatBytes(available)} more.`}
      </p>
      {tight && (
        <p className="notice-inline" role="status">
          These images fit, but masking them later may not: free space before the Masking stage.
        </p>
      )}
      {!fits && available !== null && (
        <div className="notice-inline storage-warning" role="alert" data-testid="storage-warning">
          <p>
            <strong>This may not fit.</strong> The images need about {formatBytes(bytes)} at{' '}
            {px(storedSize)}; the browser says this site may store about {formatBytes(available)}{' '}
            more.{' '}
            {fittingSize === null
              ? 'Not even the smallest stored size would fit: free disk space first.'
              : sizeFixed
                ? `At ${px(fittingSize)} they would fit, but this dataset keeps ${px(storedSize)}: free disk space, or delete the dataset and add it again at ${fittingSize} px.`
                : `The largest stored size that fits is ${px(fittingSize)}.`}{' '}
            The browser's figure can be conservative; if the disk fills, the ingest stops and keeps
            every finished image.
          </p>
          {waiting && (
            <div className="storage-choices">
              {fittingSize !== null && !sizeFixed && (
                <button
                  type="button"
                  className="button"
                  data-testid="estimate-smaller"
                  onClick={() => void confirmIngest(fittingSize)}
                >
                  Add at {px(fittingSize)}
                </button>
              )}
              <button
                type="button"
                className="button-secondary"
                data-testid="estimate-go-on"
                onClick={() => void confirmIngest()}
              >
                Add anyway at {px(storedSize)}
              </button>
              <button
                type="button"
                className="button-quiet"
                data-testid="estimate-cancel"
                onClick={dismissIngest}
              >
                Cancel
              </button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
