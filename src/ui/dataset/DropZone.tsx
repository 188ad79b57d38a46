import { useState, type ChangeEvent, type DragEvent } from 'react';
import { STORED_SIZES } from '../../dataset/manifest.ts';
import { fromDataTransfer, fromFileList } from '../../dataset/pickedFiles.ts';
import { useAppStore } from '../../store/index.ts';

/** Where files come in: drop folders or zips, pick a folder or files, or load the demo dataset. */
export function DropZone() {
  const addFiles = useAppStore((s) => s.addFiles);
  const loadDemo = useAppStore((s) => s.loadDemo);
  const setStoredSize = useAppStore((s) => s.setStoredSize);
  const running = useAppStore((s) => s.dataset.status === 'running');
  const info = useAppStore((s) => s.dataset.info);
  const chosenSize = useAppStore((s) => s.dataset.storedSize);
  const keepOther = useAppStore((s) => s.dataset.keepOther);
  const setKeepOther = useAppStore((s) => s.setKeepOther);
  const [over, setOver] = useState(false);

  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    if (!running) await addFiles(await fromDataTransfer(event.dataTransfer));
  };
  /** Files from either picker; the input is cleared so picking the same files again fires. */
  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    const files = event.currentTarget.files;
    if (files) void addFiles(fromFileList(files));
    event.currentTarget.value = '';
  };
  const sizeFixed = info !== null && info.revision > 0;

  return (
    <div
      className={over ? 'drop-zone drop-zone-over' : 'drop-zone'}
      data-testid="drop-zone"
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => void onDrop(event)}
    >
      <p className="drop-title">Drop ISIC folders or zip files here</p>
      <p className="drop-hint">
        Images, <code>_segmentation.png</code> masks, label and metadata CSVs from ISIC 2016–2020,
        HAM10000, an ISIC Archive download (gallery zip or isic-cli folder with its{' '}
        <code>metadata.csv</code>), or ISIC 2024 (<code>train-image.hdf5</code> with{' '}
        <code>train-metadata.csv</code>). Several drops add to one dataset. Files are decoded in
        this browser and never uploaded.
      </p>
      <div className="drop-actions">
        <label className={running ? 'button button-disabled' : 'button'}>
          Choose a folder
          <input
            type="file"
            multiple
            hidden
            disabled={running}
            data-testid="folder-input"
            ref={(input) => input?.setAttribute('webkitdirectory', '')}
            onChange={onPick}
          />
        </label>
        <label className={running ? 'button button-disabled' : 'button'}>
          Choose files or zips
          <input
            type="file"
            multiple
            hidden
            disabled={running}
            accept=".zip,.csv,.jpg,.jpeg,.png,.hdf5,.h5,application/zip"
            data-testid="files-input"
            onChange={onPick}
          />
        </label>
        <button
          type="button"
          className="button-secondary"
          data-testid="load-demo"
          disabled={running}
          onClick={() => void loadDemo()}
        >
          Load demo dataset
        </button>
        <label className="stored-size">
          Stored size
          <select
            data-testid="stored-size"
            value={info && sizeFixed ? info.storedSize : chosenSize}
            disabled={sizeFixed || running}
            title={
              sizeFixed ? 'Fixed for this dataset: delete it to choose another size.' : undefined
            }
            onChange={(event) => setStoredSize(Number(event.currentTarget.value))}
          >
            {STORED_SIZES.map((size) => (
              <option key={size} value={size}>
                {size} × {size} px
              </option>
            ))}
          </select>
        </label>
        <label
          className="keep-other"
          title='Basal cell carcinoma, actinic keratosis, dermatofibroma, vascular lesions and the like: a classifier can learn them as an "other" class; they are never scored.'
        >
          <input
            type="checkbox"
            data-testid="ingest-keep-other"
            checked={keepOther}
            disabled={running}
            onChange={(event) => setKeepOther(event.currentTarget.checked)}
          />{' '}
          Keep other diagnoses
        </label>
      </div>
    </div>
  );
}
