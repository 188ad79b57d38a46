/**
 * `predictions.csv` (docs/formats.md, Exports): one row per image,
 * `image_id,split,label,p_nevus,p_melanoma,p_seborrheic_keratosis,licence,attribution`, and its
 * parser, so the exported file can be read back and its metrics recomputed. Probabilities are
 * written at full precision (JavaScript's shortest round-trip form, e.g. `0.10000000149011612` or
 * `1e-7`), so reading them back gives the very same numbers. The licence and attribution are the
 * image's ISIC Archive metadata, empty where the dataset gives none. Pure TypeScript, no tfjs.
 */
import Papa from 'papaparse';
import { displayId, imageKey } from '../dataset/ids.ts';
import { CLASSES, SPLITS, type LesionClass, type Split } from '../dataset/types.ts';
import type { EvalPredictions } from './report.ts';

/** The columns before the licence: the header of files exported before it was added. */
const SCORE_COLUMNS = [
  'image_id',
  'split',
  'label',
  ...CLASSES.map((name) => `p_${name}`),
] as const;

/** The header, exactly. */
export const PREDICTIONS_COLUMNS = [...SCORE_COLUMNS, 'licence', 'attribution'] as const;

/** A cell quoted as RFC 4180 asks when it holds a comma, a quote or a line break. */
function cell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A text cell: a value starting with `=`, `+`, `-` or `@` gets a TAB before it, as the ISIC Archive
 * writes its own metadata.csv, so that a spreadsheet does not take it for a formula.
 */
function textCell(value: string): string {
  return cell(/^[=+\-@]/.test(value) ? `\t${value}` : value);
}

/** A text cell read back: without the TAB `textCell` put before a formula-like value. */
function textValue(value: string): string {
  return value.replace(/^\t(?=[=+\-@])/, '');
}

/** The text of `predictions.csv` for the given splits, in their order; lines end with `\n`. */
export function predictionsCsv(sets: readonly EvalPredictions[]): string {
  const classes = CLASSES.length;
  const lines = [PREDICTIONS_COLUMNS.join(',')];
  for (const { keys, ids, split, labels, probabilities, licences, attributions } of sets) {
    if (labels.length !== keys.length || probabilities.length !== keys.length * classes) {
      throw new RangeError(
        `predictionsCsv: ${split} has ${keys.length} keys, ${labels.length} labels and ` +
          `${probabilities.length} probabilities`,
      );
    }
    for (const [name, values] of [
      ['licences', licences],
      ['attributions', attributions],
    ] as const) {
      if (values && values.length !== keys.length) {
        throw new RangeError(
          `predictionsCsv: ${split} has ${keys.length} keys and ${values.length} ${name}`,
        );
      }
    }
    keys.forEach((key, i) => {
      const label = CLASSES[labels[i] as number];
      if (label === undefined) {
        throw new RangeError(`predictionsCsv: label ${labels[i]} of ${key} is not a class`);
      }
      const row = Array.from({ length: classes }, (_, c) =>
        String(Number(probabilities[i * classes + c])),
      );
      const id = ids?.[i] ?? displayId(key);
      const credit = [textCell(licences?.[i] ?? ''), textCell(attributions?.[i] ?? '')];
      lines.push([textCell(id), split, label, ...row, ...credit].join(','));
    });
  }
  return lines.join('\n') + '\n';
}

/** A probability cell: any number JavaScript writes, `NaN` included; never an empty cell. */
function probability(text: string, line: number, column: string): number {
  const value = Number(text);
  if (text.trim() === '' || (Number.isNaN(value) && text.trim() !== 'NaN')) {
    throw new Error(`predictions.csv line ${line}: ${column} "${text}" is not a number`);
  }
  return value;
}

/**
 * Reads `predictions.csv` back: one set per split, in the order the splits first appear, rows in
 * file order; `ids` are the file's image ids and `keys` their `imageKey`, with `licences` and
 * `attributions` where the file has those columns (files exported before them have not). Throws,
 * naming the line, on a wrong header, an unknown split or label, or a cell that is not a number.
 */
export function parsePredictionsCsv(text: string): EvalPredictions[] {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    delimiter: ',',
    skipEmptyLines: false,
  });
  const [header, ...rows] = parsed.data;
  const columns = [PREDICTIONS_COLUMNS, SCORE_COLUMNS].find(
    (c) => header?.join(',') === c.join(','),
  );
  if (!columns) {
    throw new Error(
      `predictions.csv: the header must be ${PREDICTIONS_COLUMNS.join(',')}, ` +
        `got ${header?.join(',') ?? 'nothing'}`,
    );
  }
  const credited = columns === PREDICTIONS_COLUMNS;
  interface Parsed {
    ids: string[];
    labels: number[];
    probabilities: number[];
    licences: string[];
    attributions: string[];
  }
  const sets = new Map<Split, Parsed>();
  rows.forEach((cells, r) => {
    const line = r + 2;
    if (cells.every((c) => c.trim() === '')) return;
    if (cells.length !== columns.length) {
      throw new Error(
        `predictions.csv line ${line}: ${cells.length} cells, expected ${columns.length}`,
      );
    }
    const [id, split, label] = cells as [string, string, string];
    const p = cells.slice(3, 3 + CLASSES.length);
    if (!(SPLITS as readonly string[]).includes(split)) {
      throw new Error(`predictions.csv line ${line}: unknown split "${split}"`);
    }
    const cls = CLASSES.indexOf(label as LesionClass);
    if (cls < 0) throw new Error(`predictions.csv line ${line}: unknown label "${label}"`);
    const set = sets.get(split as Split) ?? {
      ids: [],
      labels: [],
      probabilities: [],
      licences: [],
      attributions: [],
    };
    sets.set(split as Split, set);
    set.ids.push(textValue(id));
    set.labels.push(cls);
    p.forEach((value, c) =>
      set.probabilities.push(probability(value, line, columns[c + 3] as string)),
    );
    if (credited) {
      const [licence = '', attribution = ''] = cells.slice(3 + CLASSES.length);
      set.licences.push(textValue(licence));
      set.attributions.push(textValue(attribution));
    }
  });
  return [...sets].map(([split, { ids, labels, probabilities, licences, attributions }]) => ({
    keys: ids.map(imageKey),
    ids,
    split,
    labels,
    probabilities: Float64Array.from(probabilities),
    ...(credited ? { licences, attributions } : {}),
  }));
}
