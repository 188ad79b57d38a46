import { useMemo, useState } from 'react';
import { displayId } from '../../dataset/ids.ts';
import { getImages, getMasked, getMasks } from '../../dataset/storage.ts';
import type { ImageScore, MaskingSummary } from '../../masking/summary.ts';
import { PixelCanvas } from '../common/PixelCanvas.tsx';
import { useLoaded } from '../common/useLoaded.ts';
import { Pager, SplitSelect } from '../common/ListControls.tsx';
import { usePages } from '../common/usePages.ts';
import { score } from '../format.ts';

const PAGE = 6;
const DISPLAY = 104;
type Order = 'worst' | 'best' | 'id';

interface Example {
  key: string;
  size: number;
  image?: Uint8Array;
  applied?: Uint8Array;
  truth?: Uint8Array;
  masked?: Uint8Array;
}

const NO_EXAMPLES = new Map<string, Example>();

/** Image, applied mask, true mask and masked image side by side, worst Jaccard first. */
export function MaskExamples({ summary }: { summary: MaskingSummary }) {
  const scored = summary.source.kind === 'segnet';
  const [split, setSplit] = useState<string>('val');
  const [order, setOrder] = useState<Order>(scored ? 'worst' : 'id');
  const list = useMemo(() => {
    const inSplit = summary.images.filter((i) => split === 'all' || i.split === split);
    const byScore = (a: ImageScore, b: ImageScore) => (a.jaccard ?? 2) - (b.jaccard ?? 2);
    if (order === 'worst') return [...inSplit].sort(byScore);
    if (order === 'best') return [...inSplit].sort((a, b) => byScore(b, a));
    return inSplit;
  }, [summary, split, order]);
  const { page, pages, visible, setPage } = usePages(list, PAGE);
  const examples = useExamples(visible.map((v) => v.key));

  return (
    <div className="mask-examples" data-testid="mask-examples">
      <div className="gallery-filters">
        <SplitSelect value={split} onChange={(value) => (setSplit(value), setPage(0))} />
        {scored && (
          <label>
            Order{' '}
            <select value={order} onChange={(e) => (setOrder(e.target.value as Order), setPage(0))}>
              <option value="worst">Worst Jaccard first</option>
              <option value="best">Best Jaccard first</option>
              <option value="id">By id</option>
            </select>
          </label>
        )}
        <Pager count={list.length} page={page} pages={pages} setPage={setPage} />
      </div>
      <div className="mask-example-head" aria-hidden="true">
        <span>Photo</span>
        <span>{scored ? 'Predicted mask' : 'Mask'}</span>
        <span>Ground truth</span>
        <span>Masked</span>
      </div>
      {visible.map((item) => {
        const example = examples.get(item.key);
        const size = example?.size ?? summary.storedSize;
        return (
          <div key={item.key} className="mask-example" data-testid="mask-example">
            <PixelCanvas pixels={example?.image} size={size} display={DISPLAY} label="Photo" />
            <PixelCanvas pixels={example?.applied} size={size} display={DISPLAY} label="Mask" />
            <PixelCanvas pixels={example?.truth} size={size} display={DISPLAY} label="Truth" />
            <PixelCanvas pixels={example?.masked} size={size} display={DISPLAY} label="Masked" />
            <span className="mask-example-caption">
              {displayId(item.key)}
              {item.jaccard !== null && (
                <>
                  <br />
                  Jaccard {score(item.jaccard)}
                  <br />
                  Dice {score(item.dice)}
                </>
              )}
            </span>
          </div>
        );
      })}
    </div>
  );
}

/** Reads the visible examples' pixels from IndexedDB (they never enter the store). */
function useExamples(keys: string[]): Map<string, Example> {
  const joined = keys.join('|');
  const examples = useLoaded(async () => {
    const list = joined ? joined.split('|') : [];
    const [images, truths, masked] = await Promise.all([
      getImages(list),
      getMasks(list),
      getMasked(list),
    ]);
    return new Map(
      list.map((key, i) => [
        key,
        {
          key,
          size: images[i]?.size ?? masked[i]?.size ?? 0,
          image: images[i]?.pixels,
          truth: truths[i]?.pixels,
          applied: masked[i]?.mask,
          masked: masked[i]?.pixels,
        },
      ]),
    );
  }, [joined]);
  return examples.value ?? NO_EXAMPLES;
}
