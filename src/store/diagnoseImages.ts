/**
 * The latest diagnosis's images (photo preview, mask, heat map, masked photo), held beside the
 * store rather than in it: pixels never enter the store. The store's result changes with each
 * photo, which tells the views to read these again.
 */
import type { DiagnoseResult } from '../diagnose/diagnose.ts';

export type DiagnoseImages = Pick<DiagnoseResult, 'preview' | 'mask' | 'masked' | 'heat'>;

let latest: DiagnoseImages | null = null;

export function setDiagnoseImages(images: DiagnoseImages | null): void {
  latest = images;
}

export function diagnoseImages(): DiagnoseImages | null {
  return latest;
}
