import type { ComponentType } from 'react';
import type { StageId } from '../pipeline/stages.ts';
import { ClassifierStage } from './classifier/ClassifierStage.tsx';
import { DatasetStage } from './dataset/DatasetStage.tsx';
import { DiagnoseStage } from './diagnose/DiagnoseStage.tsx';
import { EvaluationStage } from './evaluation/EvaluationStage.tsx';
import { MaskingStage } from './masking/MaskingStage.tsx';
import { SegmentationStage } from './segmentation/SegmentationStage.tsx';

/** The panel each stage shows: every stage has one (the type makes a missing one an error). */
export const STAGE_PANELS: Readonly<Record<StageId, ComponentType>> = {
  dataset: DatasetStage,
  segmentation: SegmentationStage,
  masking: MaskingStage,
  classifier: ClassifierStage,
  evaluation: EvaluationStage,
  diagnose: DiagnoseStage,
};
