import { useEffect, useRef } from 'react';

interface PixelCanvasProps {
  /** Row-major bytes: 3 per pixel (RGB) or 1 (a mask or grey image). */
  pixels: Uint8Array | null | undefined;
  size: number;
  /** Displayed edge in CSS pixels. */
  display: number;
  label: string;
  testId?: string;
}

/** Draws stored pixels (never kept in the store) into a canvas, scaled for display. */
export function PixelCanvas({ pixels, size, display, label, testId }: PixelCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return;
    if (!pixels) {
      context.clearRect(0, 0, canvas.width, canvas.height);
      return;
    }
    const channels = pixels.length / (size * size);
    const rgba = new Uint8ClampedArray(size * size * 4);
    for (let p = 0; p < size * size; p++) {
      const r = pixels[p * channels] as number;
      rgba[4 * p] = r;
      rgba[4 * p + 1] = channels === 3 ? (pixels[p * 3 + 1] as number) : r;
      rgba[4 * p + 2] = channels === 3 ? (pixels[p * 3 + 2] as number) : r;
      rgba[4 * p + 3] = 255;
    }
    context.putImageData(new ImageData(rgba, size, size), 0, 0);
  }, [pixels, size]);
  return (
    <canvas
      ref={ref}
      className="pixel-canvas"
      width={size}
      height={size}
      style={{ width: display, height: display }}
      role="img"
      aria-label={label}
      data-testid={testId}
    />
  );
}
