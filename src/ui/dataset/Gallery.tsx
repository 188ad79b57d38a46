import { useEffect, useMemo, useRef, useState } from 'react';
import { getThumbs } from '../../dataset/storage.ts';
import { NON_COMMERCIAL_LICENCE, type DatasetRow } from '../../dataset/summary.ts';
import { CLASSES, CLASS_LABELS } from '../../dataset/types.ts';
import { Pager, SplitSelect } from '../common/ListControls.tsx';
import { usePages } from '../common/usePages.ts';

const PAGE = 48;

/** A tile's class for the filter and its data-label: the class, `other` or `unlabeled`. */
const tileClass = (row: DatasetRow) =>
  row.label ?? (row.other === undefined ? 'unlabeled' : 'other');
const SHORT_LABELS = {
  nevus: 'Nevus',
  melanoma: 'Melanoma',
  seborrheic_keratosis: 'Seb. keratosis',
};

interface Thumb {
  image: ImageBitmap | null;
  mask: Uint8Array | undefined;
}

/**
 * Thumbnails of the stored images with the ground-truth mask outlined, filterable; each with its
 * licence and attribution where the metadata gives them (ISIC Archive downloads).
 */
export function Gallery({ rows }: { rows: DatasetRow[] }) {
  const [split, setSplit] = useState<string>('all');
  const [label, setLabel] = useState<string>('all');
  const filtered = useMemo(
    () =>
      rows.filter(
        (r) =>
          (split === 'all' || r.split === split) && (label === 'all' || tileClass(r) === label),
      ),
    [rows, split, label],
  );
  const { page, pages, visible, setPage } = usePages(filtered, PAGE);
  const thumbs = useThumbs(visible);

  return (
    <div className="gallery">
      <div className="gallery-filters">
        <SplitSelect
          testId="gallery-split"
          value={split}
          onChange={(value) => (setSplit(value), setPage(0))}
        />
        <label>
          Class{' '}
          <select
            data-testid="gallery-class"
            value={label}
            onChange={(e) => (setLabel(e.target.value), setPage(0))}
          >
            <option value="all">All</option>
            {CLASSES.map((c) => (
              <option key={c} value={c}>
                {CLASS_LABELS[c]}
              </option>
            ))}
            {rows.some((r) => r.other !== undefined) && (
              <option value="other">Other diagnoses</option>
            )}
            <option value="unlabeled">Unlabeled</option>
          </select>
        </label>
        <Pager count={filtered.length} page={page} pages={pages} setPage={setPage} />
      </div>
      <ul className="gallery-grid">
        {visible.map((row) => (
          <li
            key={row.key}
            className="tile"
            data-testid="gallery-tile"
            data-id={row.id}
            data-split={row.split}
            data-label={tileClass(row)}
            title={tileTitle(row)}
          >
            <ThumbCanvas thumb={thumbs.get(row.key)} outline={row.hasMask} />
            <span className="tile-id">{row.id}</span>
            <span className={`tile-label label-${tileClass(row)}`}>
              {row.label ? SHORT_LABELS[row.label] : (row.other ?? 'Unlabeled')}
            </span>
            <TileCredit row={row} />
          </li>
        ))}
      </ul>
    </div>
  );
}

const nonCommercial = (licence: string | undefined) => licence === NON_COMMERCIAL_LICENCE;

/** The tile's tooltip: the id, then the licence and who to credit, where the metadata gives them. */
function tileTitle({ id, licence, attribution }: DatasetRow): string {
  const lines = [id];
  if (licence !== undefined) {
    lines.push(`Licence: ${licence}${nonCommercial(licence) ? ' (non-commercial use only)' : ''}`);
  }
  if (attribution !== undefined) lines.push(`Credit: ${attribution}`);
  return lines.join('\n');
}

/** The image's licence as a badge and its attribution on one line, where the metadata gives them. */
function TileCredit({ row: { licence, attribution } }: { row: DatasetRow }) {
  if (licence === undefined && attribution === undefined) return null;
  return (
    <>
      {licence !== undefined && (
        <span
          className={`tile-licence${nonCommercial(licence) ? ' licence-nc' : ''}`}
          data-testid="tile-licence"
          data-value={licence}
          data-state={nonCommercial(licence) ? 'non-commercial' : 'open'}
        >
          {licence}
        </span>
      )}
      {attribution !== undefined && (
        <span className="tile-attribution" data-testid="tile-attribution" data-value={attribution}>
          {attribution}
        </span>
      )}
    </>
  );
}

/**
 * Loads the thumbnails of the visible rows from IndexedDB. The bitmaps of a load live until the
 * next load replaces them: a map for other rows is never handed out, so no closed bitmap is drawn.
 */
function useThumbs(rows: DatasetRow[]): Map<string, Thumb> {
  const [loaded, setLoaded] = useState<{ rows: DatasetRow[]; thumbs: Map<string, Thumb> }>({
    rows: [],
    thumbs: new Map(),
  });
  useEffect(() => {
    let current = true;
    let bitmaps: (ImageBitmap | null)[] = [];
    void (async () => {
      const stored = await getThumbs(rows.map((r) => r.key));
      bitmaps = await Promise.all(
        stored.map((t) => (t.image ? createImageBitmap(t.image).catch(() => null) : null)),
      );
      if (!current) {
        for (const bitmap of bitmaps) bitmap?.close();
        return;
      }
      const thumbs = new Map(
        rows.map((row, i): [string, Thumb] => [
          row.key,
          { image: bitmaps[i] ?? null, mask: stored[i]?.mask },
        ]),
      );
      setLoaded({ rows, thumbs });
    })();
    return () => {
      current = false;
      for (const bitmap of bitmaps) bitmap?.close();
    };
  }, [rows]);
  return loaded.rows === rows ? loaded.thumbs : EMPTY;
}

const EMPTY = new Map<string, Thumb>();

/** A thumbnail, with the mask's outline where the image has a usable mask. */
function ThumbCanvas({ thumb, outline }: { thumb: Thumb | undefined; outline: boolean }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context || !thumb?.image) return;
    const size = canvas.width;
    context.drawImage(thumb.image, 0, 0, size, size);
    if (outline && thumb.mask?.length === size * size) drawOutline(context, thumb.mask, size);
  }, [thumb, outline]);
  return <canvas ref={ref} width={96} height={96} className="tile-canvas" aria-hidden="true" />;
}

/** Paints the mask's boundary pixels (inside, with a 4-neighbour outside). */
function drawOutline(context: CanvasRenderingContext2D, mask: Uint8Array, size: number): void {
  const image = context.getImageData(0, 0, size, size);
  const at = (x: number, y: number) =>
    x < 0 || y < 0 || x >= size || y >= size ? 0 : mask[y * size + x];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!at(x, y)) continue;
      if (at(x - 1, y) && at(x + 1, y) && at(x, y - 1) && at(x, y + 1)) continue;
      const i = (y * size + x) * 4;
      image.data[i] = 40;
      image.data[i + 1] = 230;
      image.data[i + 2] = 90;
    }
  }
  context.putImageData(image, 0, 0);
}
