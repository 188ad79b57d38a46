/**
 * Photos for the Diagnose tests, written to a folder: synthetic lesions the demo data never had
 * (new seeds), and bad files of every kind the stage must refuse or handle.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { renderLesion } from '../../scripts/synthetic-isic/render.ts';

function rgba(rgb: Uint8Array, alpha = () => 255): Buffer {
  const out = Buffer.alloc((rgb.length / 3) * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    out[j] = rgb[i] as number;
    out[j + 1] = rgb[i + 1] as number;
    out[j + 2] = rgb[i + 2] as number;
    out[j + 3] = alpha();
  }
  return out;
}

export interface Photos {
  /** Three synthetic melanomas and three nevi, 800x600 JPEGs; the first of each is also used alone. */
  melanomas: string[];
  nevi: string[];
  grey: string;
  alpha: string;
  notImage: string;
  truncated: string;
  tiny: string;
  huge: string;
}

export function writePhotos(dir: string): Photos {
  const path = (name: string) => join(dir, name);
  const jpegOf = (cls: 'melanoma' | 'nevus', seed: number) => {
    const lesion = renderLesion(cls, 800, 600, seed);
    return jpeg.encode({ data: rgba(lesion.rgb), width: 800, height: 600 }, 90).data;
  };
  const melanomas = [0, 1, 2].map((i) => path(`melanoma${i}.jpg`));
  const nevi = [0, 1, 2].map((i) => path(`nevus${i}.jpg`));
  const melanoma = jpegOf('melanoma', 90_001);
  melanomas.forEach((file, i) =>
    writeFileSync(file, i ? jpegOf('melanoma', 90_001 + 2 * i) : melanoma),
  );
  nevi.forEach((file, i) => writeFileSync(file, jpegOf('nevus', 90_002 + 2 * i)));

  const nevus = renderLesion('nevus', 400, 300, 90_003);
  const grey = new PNG({ width: 400, height: 300, colorType: 0, inputColorType: 0, bitDepth: 8 });
  grey.data = Buffer.from(nevus.rgb.filter((_, i) => i % 3 === 1));
  writeFileSync(path('grey.png'), PNG.sync.write(grey, { colorType: 0, inputColorType: 0 }));
  const alpha = new PNG({ width: 400, height: 300 });
  alpha.data = rgba(nevus.rgb, () => 200);
  writeFileSync(path('alpha.png'), PNG.sync.write(alpha));

  writeFileSync(path('notes.jpg'), 'Patient notes, not a photo.\n');
  writeFileSync(path('truncated.jpg'), melanoma.subarray(0, 4000));
  const tiny = new PNG({ width: 1, height: 1 });
  tiny.data = Buffer.from([120, 80, 60, 255]);
  writeFileSync(path('tiny.png'), PNG.sync.write(tiny));
  // A PNG header that claims 10000 x 8000 pixels (80 MP): refused before any decode.
  const huge = new PNG({ width: 1, height: 1 });
  huge.data = Buffer.from([0, 0, 0, 255]);
  const bytes = Buffer.from(PNG.sync.write(huge));
  bytes.writeUInt32BE(10_000, 16);
  bytes.writeUInt32BE(8_000, 20);
  writeFileSync(path('huge.png'), bytes);
  return {
    melanomas,
    nevi,
    grey: path('grey.png'),
    alpha: path('alpha.png'),
    notImage: path('notes.jpg'),
    truncated: path('truncated.jpg'),
    tiny: path('tiny.png'),
    huge: path('huge.png'),
  };
}
