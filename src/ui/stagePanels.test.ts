import type { ComponentType } from 'react';
import { describe, expectTypeOf, it } from 'vitest';
import type { StageId } from '../pipeline/stages.ts';
// Types only: the panels' modules need a browser (storage, workers) to load.
import type { STAGE_PANELS } from './stagePanels.tsx';

describe('the stage panels', () => {
  it('give every stage its panel: a stage without one does not compile (npm run typecheck)', () => {
    expectTypeOf<typeof STAGE_PANELS>().toEqualTypeOf<Readonly<Record<StageId, ComponentType>>>();
  });
});
