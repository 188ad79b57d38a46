/**
 * Reads one ISIC label or metadata CSV (2016 to 2020, HAM10000, the ISIC Archive's metadata.csv):
 * detects its layout by header and maps each row to the app's label and metadata rows, reporting every refused row as a problem.
 */
import Papa from 'papaparse';
import { displayId, imageKey } from '../ids.ts';
import type { ParsedCsv, Problem } from '../types.ts';
import {
  archiveHeader,
  cellReader,
  formatOfHeader,
  ISIC2016_COLUMNS,
  looksLikeIsic2016,
} from './formats.ts';
import { ROW_MAPPERS } from './rows.ts';

/** A record of the file with its 1-based line (exact unless a quoted cell spans lines). */
interface Line {
  line: number;
  cells: string[];
}

export function parseIsicCsv(fileName: string, text: string): ParsedCsv {
  const problem = (reason: string): Problem => ({ file: fileName, reason });
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    delimiter: ',',
    skipEmptyLines: false,
  });
  const lines: Line[] = parsed.data
    .map((cells, i) => ({ line: i + 1, cells }))
    .filter(({ cells }) => cells.some((cell) => cell.trim() !== ''));

  const [first] = lines;
  if (first === undefined) {
    return { format: null, labels: [], metadata: [], problems: [problem('empty CSV file')] };
  }
  const headerless = looksLikeIsic2016(first.cells);
  const archive = headerless ? null : archiveHeader(first.cells);
  if (archive === 'missing-id') {
    const reason =
      'this looks like an ISIC Archive metadata file, but it has no isic_id column, so its ' +
      'rows cannot be matched to images; the file is ignored';
    return { format: null, labels: [], metadata: [], problems: [problem(reason)] };
  }
  const format = headerless ? 'isic2016-labels' : (archive ?? formatOfHeader(first.cells));
  if (format === null) {
    const header = first.cells.map((cell) => cell.trim()).join(', ');
    const reason =
      `unknown CSV header: ${header}; this is not an ISIC label or metadata file ` +
      'that Lesion Lab recognises, so the file is ignored';
    return { format: null, labels: [], metadata: [], problems: [problem(reason)] };
  }

  const result: ParsedCsv = { format, labels: [], metadata: [], problems: [] };
  for (const error of parsed.errors) {
    const where = error.row === undefined ? '' : ` near line ${error.row + 1}`;
    result.problems.push(problem(`CSV syntax error${where}: ${error.message}`));
  }
  const mapper = ROW_MAPPERS[format];
  const header = headerless ? ISIC2016_COLUMNS : first.cells;
  const read = cellReader(header);
  const columns = new Set(header.map((name) => name.trim().toLowerCase()));
  const firstLine = new Map<string, number>();

  for (const { line, cells: row } of headerless ? lines : lines.slice(1)) {
    const cells = read(row);
    const rawId = cells(mapper.idColumn);
    if (rawId === '') {
      result.problems.push(
        problem(`line ${line}: no image id in the ${mapper.idColumn} column; the row is ignored`),
      );
      continue;
    }
    const id = displayId(rawId);
    const key = imageKey(rawId);
    const seen = firstLine.get(key);
    if (seen !== undefined) {
      result.problems.push(
        problem(
          `row ${id} (line ${line}): the image id already appears on line ${seen}; this later row is ignored`,
        ),
      );
      continue;
    }
    firstLine.set(key, line);
    const mapped = mapper.map(cells, columns);
    if ('refused' in mapped) {
      result.problems.push({ ...problem(`row ${id}: ${mapped.refused}; the row is ignored`), key });
      continue;
    }
    if (mapped.label) result.labels.push({ id, key, ...mapped.label });
    if (mapped.metadata) result.metadata.push({ id, key, ...mapped.metadata });
  }
  return result;
}
