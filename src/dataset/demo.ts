/**
 * The bundled demo dataset (synthetic ISIC 2017, written to public/demo/ by
 * scripts/make-demo-dataset.ts): fetched from the app's own origin and added like dropped files.
 */
import type { PickedFiles } from './pickedFiles.ts';

interface DemoIndex {
  files: string[];
}

export async function fetchDemoDataset(base = import.meta.env.BASE_URL): Promise<PickedFiles> {
  const response = await fetch(`${base}demo/index.json`);
  if (!response.ok) {
    throw new Error(
      `The demo dataset is missing (demo/index.json: HTTP ${response.status}). Run "npm run demo" and reload.`,
    );
  }
  const index = (await response.json()) as DemoIndex;
  const items = await Promise.all(
    index.files.map(async (path) => {
      const file = await fetch(`${base}demo/${path}`);
      if (!file.ok) throw new Error(`The demo file ${path} is missing (HTTP ${file.status}).`);
      return { path, file: await file.blob() };
    }),
  );
  return { items, emptyFolders: [] };
}
