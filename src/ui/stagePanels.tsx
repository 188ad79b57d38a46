import type { ComponentType } from 'react';
import type { StageId } from '../pipeline/stages.ts';

/** The panel each stage shows; a stage without one is listed as not built yet. */
export const STAGE_PANELS: Partial<Record<StageId, ComponentType>> = {};
