/**
 * How images, masks and label rows find each other. ISIC files spell one id several ways
 * (`ISIC_0000000.jpg`, `ISIC_0000000.JPG`, `isic_0000000_Segmentation.png`, `ISIC_0000000` in a
 * CSV), so every id is reduced to one key: lower case, without extension or mask suffix.
 */

/** The matching key of an id or file stem: `ISIC_0000000.JPG` and `isic_0000000` give `isic_0000000`. */
export function imageKey(idOrFileName: string): string {
  return idOrFileName
    .trim()
    .replace(/\.(jpe?g|png|bmp|tiff?|webp)$/i, '')
    .toLowerCase();
}

/** The id's display form: ISIC ids upper-case their prefix (`ISIC_0000000`); others are kept. */
export function displayId(idOrFileName: string): string {
  const stem = idOrFileName.trim().replace(/\.(jpe?g|png|bmp|tiff?|webp)$/i, '');
  return /^isic_/i.test(stem) ? `ISIC_${stem.slice(5)}` : stem;
}
