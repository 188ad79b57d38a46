import { useEffect, useRef } from 'react';
import type { DiagnoseImages } from '../../store/diagnoseImages.ts';
import { PixelCanvas } from '../common/PixelCanvas.tsx';

const DISPLAY = 320;

/** The mask's outline: mask pixels with a pixel outside the mask beside them. */
function outline(mask: Uint8Array, width: number, height: number): Uint8Array {
  const edge = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      const outside =
        x === 0 ||
        y === 0 ||
        x === width - 1 ||
        y === height - 1 ||
        !mask[i - 1] ||
        !mask[i + 1] ||
        !mask[i - width] ||
        !mask[i + width];
      if (outside) edge[i] = 1;
    }
  }
  return edge;
}

/** A heat value 0..255 as a colour from transparent blue to opaque red. */
function heatColour(v: number): [number, number, number, number] {
  const t = v / 255;
  return [
    Math.round(255 * t),
    Math.round(64 * (1 - Math.abs(t - 0.5) * 2)),
    Math.round(255 * (1 - t)),
    Math.round(150 * t),
  ];
}

/** The photo with the lesion outline, and optionally the Grad-CAM map, drawn over it. */
function Overlay({
  images,
  heat,
  testId,
  label,
}: {
  images: DiagnoseImages;
  heat: boolean;
  testId: string;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { preview, mask } = images;
  useEffect(() => {
    const context = ref.current?.getContext('2d');
    if (!context) return;
    const data = new Uint8ClampedArray(preview.rgba);
    if (heat) {
      for (let p = 0; p < preview.width * preview.height; p++) {
        const [r, g, b, a] = heatColour(images.heat[p] ?? 0);
        const alpha = a / 255;
        data[4 * p] = (1 - alpha) * (data[4 * p] as number) + alpha * r;
        data[4 * p + 1] = (1 - alpha) * (data[4 * p + 1] as number) + alpha * g;
        data[4 * p + 2] = (1 - alpha) * (data[4 * p + 2] as number) + alpha * b;
      }
    }
    const edge = outline(mask, preview.width, preview.height);
    for (let p = 0; p < edge.length; p++) {
      if (!edge[p]) continue;
      data[4 * p] = 0;
      data[4 * p + 1] = 255;
      data[4 * p + 2] = 120;
      data[4 * p + 3] = 255;
    }
    for (let p = 0; p < preview.width * preview.height; p++) data[4 * p + 3] = 255;
    context.putImageData(new ImageData(data, preview.width, preview.height), 0, 0);
  }, [images, heat, preview, mask]);
  const scale = DISPLAY / Math.max(preview.width, preview.height);
  return (
    <canvas
      ref={ref}
      width={preview.width}
      height={preview.height}
      style={{ width: preview.width * scale, height: preview.height * scale }}
      className="pixel-canvas"
      role="img"
      aria-label={label}
      data-testid={testId}
      {...(heat ? { 'data-heat-max': images.heat.reduce((m, v) => Math.max(m, v), 0) } : {})}
    />
  );
}

/** Photo with mask outline; the Grad-CAM map over it; the masked image the classifier saw. */
export function PhotoViews({
  images,
  heatPositive,
}: {
  images: DiagnoseImages;
  heatPositive: boolean;
}) {
  return (
    <div className="diagnose-views">
      <figure>
        <Overlay
          images={images}
          heat={false}
          testId="diagnose-overlay"
          label="Photo with the lesion outline"
        />
        <figcaption>Photo, lesion outline from the SegNet</figcaption>
      </figure>
      <figure>
        <Overlay
          images={images}
          heat
          testId="gradcam"
          label="Grad-CAM map of the melanoma class over the photo"
        />
        <figcaption>
          {heatPositive
            ? 'Grad-CAM: where the classifier saw melanoma (red: most)'
            : 'Grad-CAM: no region raised the melanoma score; red marks where it was lowered least'}
        </figcaption>
      </figure>
      <figure>
        <PixelCanvas
          pixels={images.masked.rgb}
          size={images.masked.size}
          display={DISPLAY * 0.75}
          label="Masked photo"
          testId="diagnose-masked"
        />
        <figcaption>
          {images.masked.zoomed
            ? 'What the classifier saw: the masked lesion, centred and zoomed'
            : 'What the classifier saw: the masked photo'}
        </figcaption>
      </figure>
    </div>
  );
}
