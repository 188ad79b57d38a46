/**
 * Model quality on real lesions (`npm run bench -- --only=quality`): the whole pipeline through the
 * app, as a person runs it, on HAM10000 from the real-data folder beside the repository (skipped
 * without it): ingest at 128 px, the preset's SegNet, masking with its masks, the preset's
 * classifier from scratch, evaluation of the validation and test splits the app draws (grouped by
 * lesion), and one photo diagnosed. It records each stage's minutes and every figure the
 * Evaluation stage shows: with and without test-time augmentation, before and after calibration,
 * per image and per lesion.
 *
 * Each preset keeps a browser profile of its own under bench/.data/quality-<preset>, so
 * `--quality-stages=evaluate` scores the models the last run trained again (after a change to
 * evaluation) without training for an hour, and `--quality-stages=classifier` trains a new
 * classifier on the masked images the last run left (after a change to the classifier's recipe);
 * `--quality-stages=masking` masks the images again with the last run's SegNet first (after a change
 * to masking), and `--quality-stages=measures` masks them again and scores the last classifier
 * again (after a change to the lesion measures alone: the masked images are the same). Options:
 * --quality-presets=cpu,quick (default cpu), --quality-backend=wasm (default: wasm, the backend a
 * CPU machine trains on), --quality-stages=all|masking|measures|classifier|evaluate.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Locator, type Page } from '@playwright/test';
import { SHARED_DATA, hasSharedData } from '../scripts/sharedData.ts';
import { SPLITS } from '../src/dataset/types.ts';
import { isBackendName } from '../src/pipeline/backends.ts';
import { PRESETS, type PresetName } from '../src/pipeline/presets.ts';
import { LAUNCH_OPTIONS } from './browser.ts';
import { benchPage } from './common/driver.ts';
import type { EvaluationFigures, QualityFigures } from './qualityReport.ts';

const DATA = join(import.meta.dirname, '.data');

export const QUALITY_STAGES = ['all', 'masking', 'measures', 'classifier', 'evaluate'] as const;
export type QualityStages = (typeof QUALITY_STAGES)[number];
const MINUTE = 60_000;

export interface QualityOptions {
  presets: PresetName[];
  backend: string;
  /**
   * `all` runs every stage in a fresh profile; `classifier` trains a new classifier on the
   * profile's masked images (after a change to the classifier's recipe) and scores it;
   * `evaluate` scores the profile's latest models again (after a change to evaluation).
   */
  stages: QualityStages;
  /** Masking cuts each image to its lesion's square (the app's default) unless false. */
  crop: boolean;
  /**
   * Ingest keeps the images of HAM10000's other diagnoses (bcc, akiec, df, vasc) and the classifier
   * learns them as an "other" class; with `classifier`, only the classifier's choice is set.
   */
  other: boolean;
}

/**
 * The options from the command line (`option` reads `--name=value`): the cpu preset and, for
 * comparison, the quick one (the quick alone with --quick), each through the whole pipeline.
 */
export function qualityOptionsFrom(
  option: (name: string) => string | undefined,
  quick: boolean,
): QualityOptions {
  const presets = (option('quality-presets') ?? (quick ? 'quick' : 'cpu,quick')).split(',');
  for (const preset of presets)
    if (!(PRESETS as readonly string[]).includes(preset))
      throw new Error(`--quality-presets takes ${PRESETS.join(', ')} (got ${preset})`);
  const stages = option('quality-stages') ?? 'all';
  if (!(QUALITY_STAGES as readonly string[]).includes(stages))
    throw new Error(`--quality-stages takes ${QUALITY_STAGES.join(', ')} (got ${stages})`);
  const backend = option('quality-backend') ?? 'wasm';
  if (!isBackendName(backend)) throw new Error(`Unknown backend in --quality-backend: ${backend}`);
  const crop = option('quality-crop') ?? 'on';
  if (crop !== 'on' && crop !== 'off')
    throw new Error(`--quality-crop takes on or off (got ${crop})`);
  const other = option('quality-other') ?? 'on';
  if (other !== 'on' && other !== 'off')
    throw new Error(`--quality-other takes on or off (got ${other})`);
  return {
    presets: presets as PresetName[],
    backend,
    stages: stages as QualityStages,
    crop: crop === 'on',
    other: other === 'on',
  };
}

/**
 * The latest run of each kind, read in the page through the app's own module (the benchmark's dev
 * server serves the sources), so the figures are the ones the run record holds.
 */
async function runHistories(page: Page): Promise<QualityFigures['histories']> {
  // A string, not a function: tsx would wrap a function's inner arrows in a helper the page lacks.
  return page.evaluate(`(async () => {
    const { listRuns } = await import('/src/runs/runs.ts');
    const line = (runs) =>
      (runs[0]?.history ?? []).map(({ epoch, loss, valLoss, val, seconds }) =>
        ({ epoch, loss, valLoss, val, seconds }));
    return { segnet: line(await listRuns('segnet')), classifier: line(await listRuns('classifier')) };
  })()`);
}

/** Figures the Evaluation stage shows, by test id (those of later issues only where rendered). */
const EVALUATION_IDS = [
  'auc-melanoma',
  'auc-sk',
  'auc-mean',
  'f1-melanoma',
  'accuracy',
  'melanoma-ap',
  'ece',
  'ece-uncalibrated',
  'temperature',
  'auc-melanoma-plain',
  'auc-melanoma-tta',
  'lesion-auc-melanoma',
  'lesion-ap-melanoma',
  'lesion-count',
  'auc-melanoma-image',
  'auc-melanoma-clinical',
];

async function valueOf(locator: Locator): Promise<number | null> {
  if ((await locator.count()) === 0) return null;
  const text = await locator.first().getAttribute('data-value');
  return text === null || text === '' ? null : Number(text);
}

async function waitForState(page: Page, id: string, minutes: number, label: string) {
  const status = page.getByTestId(id);
  const deadline = Date.now() + minutes * MINUTE;
  let last = '';
  for (;;) {
    const state = await status.getAttribute('data-state').catch(() => null);
    if (state === 'done') return;
    if (state === 'error') throw new Error(`${label} failed: ${await status.innerText()}`);
    if (Date.now() > deadline) throw new Error(`${label} did not finish in ${minutes} minutes`);
    const text = (await status.innerText().catch(() => '')).split('\n')[0] ?? '';
    if (text !== last) console.log(`  ${label}: ${text.slice(0, 140)}`);
    last = text;
    await page.waitForTimeout(15_000);
  }
}

/** Sets a checkbox of the Evaluation stage, where it is rendered and enabled; false if it is not. */
async function setSwitch(page: Page, id: string, on: boolean): Promise<boolean> {
  const box = page.getByTestId(id);
  if ((await box.count()) === 0 || !(await box.isEnabled())) return false;
  if ((await box.isChecked()) !== on) await box.setChecked(on);
  return true;
}

async function evaluationFigures(page: Page, split: 'val' | 'test'): Promise<EvaluationFigures[]> {
  await page.getByTestId('eval-split').selectOption(split);
  await page.getByTestId('evaluate').click();
  await waitForState(page, 'eval-status', 60, `evaluation (${split})`);
  const settings: EvaluationFigures[] = [];
  for (const tta of [false, true]) {
    for (const [calibrated, clinical] of [
      [false, false],
      [true, false],
      [true, true],
    ] as const) {
      const hasTta = await setSwitch(page, 'eval-tta', tta);
      const hasCalibration = await setSwitch(page, 'eval-calibrated', calibrated);
      const hasClinical = !calibrated || (await setSwitch(page, 'eval-clinical', clinical));
      if ((tta && !hasTta) || (calibrated && !hasCalibration) || (clinical && !hasClinical))
        continue;
      const figures: Record<string, number | null> = {};
      for (const id of EVALUATION_IDS) figures[id] = await valueOf(page.getByTestId(id));
      // The class biases against nevus (melanoma, keratosis), where the calibration has them.
      const shown = page.getByTestId('class-biases');
      const biases = (await shown.count())
        ? ((await shown.first().getAttribute('data-value')) ?? '')
        : '';
      const [nevus, melanoma, keratosis] = biases ? biases.split(',').map(Number) : [];
      figures['bias-melanoma'] = melanoma === undefined ? null : melanoma - (nevus ?? 0);
      figures['bias-keratosis'] = keratosis === undefined ? null : keratosis - (nevus ?? 0);
      figures['clinical-weight'] = clinical
        ? await valueOf(page.getByTestId('clinical-weight'))
        : null;
      settings.push({ tta, calibrated, clinical, figures });
    }
  }
  return settings;
}

async function runPreset(options: QualityOptions, preset: PresetName): Promise<QualityFigures> {
  const profile = join(DATA, `quality-${preset}`);
  if (options.stages === 'all') rmSync(profile, { recursive: true, force: true });
  else if (!existsSync(profile))
    throw new Error(`No profile at ${profile}: run --quality-stages=all first`);
  mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    ...LAUNCH_OPTIONS,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`  [console error] ${message.text()}`);
  });
  const minutes: Record<string, number> = {};
  const timed = async (stage: string, work: () => Promise<void>) => {
    const started = Date.now();
    await work();
    minutes[stage] = (Date.now() - started) / MINUTE;
    console.log(`  ${preset}: ${stage} took ${minutes[stage]?.toFixed(1)} min`);
  };
  try {
    await page.goto(`${await benchPage('')}?preset=${preset}&backend=${options.backend}`);
    await page
      .getByTestId('backend')
      .and(page.locator('[data-state=ready]'))
      .waitFor({ timeout: 3 * MINUTE });
    const ham = join(SHARED_DATA, 'ham10000');
    if (options.stages === 'all') {
      await page.getByTestId('stored-size').selectOption('128');
      await page.getByTestId('ingest-keep-other').setChecked(options.other);
      await timed('ingest', async () => {
        await page.getByTestId('folder-input').setInputFiles(ham);
        await waitForState(page, 'ingest-status', 30, 'ingest');
      });
      await timed('segnet', async () => {
        await page.getByTestId('train-segnet').click();
        await waitForState(page, 'segnet-status', 120, 'SegNet');
      });
    }
    if (options.stages === 'all' || options.stages === 'masking' || options.stages === 'measures') {
      await timed('masking', async () => {
        await page.getByTestId('mask-crop').setChecked(options.crop);
        await page.getByTestId('apply-masks').click();
        await waitForState(page, 'mask-status', 30, 'masking');
      });
    }
    // The counts table renders once the stored dataset is read; the classifier's "other" class
    // checkbox shows only then (where the dataset kept images of other diagnoses).
    await page.getByTestId('count-train-total').waitFor({ timeout: 2 * MINUTE });
    if (options.stages !== 'evaluate' && options.stages !== 'measures') {
      await timed('classifier', async () => {
        await page.getByTestId('classifier-mode').selectOption('fine-tune');
        const learnOther = page.getByTestId('classifier-other-class');
        if (await learnOther.count()) await learnOther.setChecked(options.other);
        else if (options.other) console.log('  no images of other diagnoses stored: 3 classes');
        await page.getByTestId('train-classifier').click();
        await waitForState(page, 'classifier-status', 180, 'classifier');
      });
    }
    const images: Record<string, number> = {};
    for (const split of SPLITS) {
      images[split] = (await valueOf(page.getByTestId(`count-${split}-total`))) ?? 0;
    }
    const segnet = {
      valDice: await valueOf(page.getByTestId('segnet-val-dice')),
      valJaccard: await valueOf(page.getByTestId('segnet-val-jaccard')),
    };
    const masks: Record<string, number | null> = {};
    for (const split of SPLITS) {
      masks[`${split} jaccard`] = await valueOf(page.getByTestId(`mask-jaccard-${split}`));
      masks[`${split} thresholded jaccard`] = await valueOf(
        page.getByTestId(`mask-thresholded-jaccard-${split}`),
      );
    }
    // The same on the test split's images of the three classes alone: comparable between runs
    // whether or not the dataset kept images of other diagnoses.
    Object.assign(
      masks,
      await page.evaluate(`(async () => {
        const { loadMaskingSummary } = await import('/src/dataset/storage.ts');
        const { loadDataset } = await import('/src/loader/trainingData.ts');
        const { thresholdedJaccard } = await import('/src/metrics/segmentation.ts');
        const { rows } = await loadDataset();
        const classes = new Set(rows.filter((r) => r.split === 'test' && r.label).map((r) => r.key));
        const scores = ((await loadMaskingSummary())?.images ?? [])
          .filter((i) => classes.has(i.key) && i.jaccard !== null)
          .map((i) => i.jaccard);
        const mean = (values) => values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
        return {
          'test jaccard, three classes': mean(scores),
          'test thresholded jaccard, three classes': mean(scores.map((j) => thresholdedJaccard(j))),
        };
      })()`),
    );
    const crop: boolean = await page.evaluate(`(async () => {
      const { loadMaskingSummary } = await import('/src/dataset/storage.ts');
      return (await loadMaskingSummary())?.crop === true;
    })()`);
    const other: QualityFigures['other'] = await page.evaluate(`(async () => {
      const { listRuns } = await import('/src/runs/runs.ts');
      const { loadDataset } = await import('/src/loader/trainingData.ts');
      const run = (await listRuns('classifier'))[0];
      const { rows } = await loadDataset();
      return {
        learned: run?.config?.otherClass === true,
        trainImages: rows.filter((r) => r.split === 'train' && r.other !== undefined).length,
      };
    })()`);
    const epochs = await page.getByTestId('classifier-charts').getAttribute('data-epochs');
    const bestAuc = await valueOf(page.getByTestId('classifier-best-auc'));
    const histories = await runHistories(page);
    const evaluation = {} as QualityFigures['evaluation'];
    await timed('evaluation', async () => {
      evaluation.val = await evaluationFigures(page, 'val');
      evaluation.test = await evaluationFigures(page, 'test');
    });
    await page.screenshot({ path: join(DATA, `quality-${preset}-evaluation.png`), fullPage: true });
    const photos = join(ham, 'HAM10000_images');
    const photo = readdirSync(photos).sort()[0] as string;
    let diagnose: QualityFigures['diagnose'] = null;
    await timed('diagnose', async () => {
      await page.getByTestId('photo-input').setInputFiles(join(photos, photo));
      await waitForState(page, 'diagnose-status', 10, 'Diagnose');
      const melanoma = (await valueOf(page.getByTestId('melanoma-score'))) ?? NaN;
      // Again with the photo's age, sex and site from HAM10000's metadata, where the classifier's
      // calibration learned them.
      let clinicalMelanoma: number | null = null;
      const values = hamMetadata(ham, photo.replace(/\.\w+$/, ''));
      if (values && (await page.getByTestId('diagnose-clinical-fields').count())) {
        if (values.age !== null) await page.getByTestId('diagnose-age').fill(String(values.age));
        if (values.sex !== null) await page.getByTestId('diagnose-sex').selectOption(values.sex);
        const site = page.getByTestId('diagnose-site');
        if (values.site !== null && (await site.locator(`option[value="${values.site}"]`).count()))
          await site.selectOption(values.site);
        await page
          .getByTestId('diagnose-clinical')
          .and(page.locator('[data-patient=true]'))
          .waitFor();
        clinicalMelanoma = await valueOf(page.getByTestId('melanoma-score'));
      }
      diagnose = { photo, melanoma, clinicalMelanoma };
    });
    await page
      .getByRole('heading', { level: 2, name: 'Diagnose' })
      .locator('xpath=ancestor::section[1]')
      .screenshot({ path: join(DATA, `quality-${preset}-diagnose.png`) });
    return {
      preset,
      backend: options.backend,
      minutes,
      images,
      segnet,
      masks,
      crop,
      other,
      classifier: { epochs: Number(epochs ?? 0), bestValAuc: bestAuc },
      histories,
      evaluation,
      diagnose,
    };
  } finally {
    await context.close();
  }
}

/** An image's age, sex and site from HAM10000's metadata CSV (no quoted cells there). */
function hamMetadata(
  folder: string,
  imageId: string,
): { age: number | null; sex: string | null; site: string | null } | null {
  const [header, ...rows] = readFileSync(join(folder, 'HAM10000_metadata.csv'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(','));
  const column = (name: string) => header?.indexOf(name) ?? -1;
  const row = rows.find((cells) => cells[column('image_id')] === imageId);
  if (!row) return null;
  const known = (value: string | undefined) =>
    value === undefined || value === '' || value === 'unknown' ? null : value;
  const age = known(row[column('age')]);
  return {
    age: age === null ? null : Number(age),
    sex: known(row[column('sex')]),
    site: known(row[column('localization')]),
  };
}

export async function benchQuality(options: QualityOptions): Promise<QualityFigures[] | null> {
  if (!hasSharedData('ham10000')) {
    console.log(`  quality: skipped, no ham10000/ in ${SHARED_DATA}`);
    return null;
  }
  const figures: QualityFigures[] = [];
  for (const preset of options.presets) figures.push(await runPreset(options, preset));
  return figures;
}
