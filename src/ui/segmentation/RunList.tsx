import { SEGNET_METRICS, bestFigures } from '../../runs/runs.ts';
import { score } from '../format.ts';
import { RunTable } from '../training/RunTable.tsx';

/** Every SegNet run stored here: pick one to see its curves, resume, export or delete it. */
export function RunList() {
  return (
    <RunTable
      kind="segnet"
      caption="SegNet runs in this browser"
      figure={{
        header: 'Best val Dice',
        cell: (run) => score(bestFigures(run)?.val[SEGNET_METRICS.dice]),
      }}
    />
  );
}
