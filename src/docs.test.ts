/**
 * The docs stay in step with the code: every `data-testid` the page renders is listed in
 * docs/test-contract.md and every id listed there is rendered, and no relative link in README.md
 * or docs/ points to a missing file or heading.
 *
 * Ids are read from the .tsx sources: `data-testid="id"`; template literals (`step-${stage.id}`),
 * compared as patterns in which any `${…}` matches any `{…}` of the doc (`step-{stage}`); the
 * branches of a conditional; and ids passed down as a prop (`testId="gradcam"`,
 * `<Figure id="auc-mean">`) or held in a local constant (`const statusId = …`).
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(path, 'utf8');

function filesUnder(folder: string, ending: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(ending) && !/\.test\.tsx?$/.test(name))
    .map((name) => join(folder, name));
}

const sources = filesUnder(join(root, 'src'), '.tsx').map((path) => ({ path, text: read(path) }));

/** The text of a `{…}` expression that starts at `open`, braces balanced. */
function braced(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced braces after offset ${open}`);
}

/** The string and template literals of an expression, each template as a pattern. */
function literals(expression: string): string[] {
  const found: string[] = [];
  for (const match of expression.matchAll(/'([^']*)'|"([^"]*)"|`([^`]*)`/g)) {
    found.push(match[1] ?? match[2] ?? (match[3] as string).replace(/\$\{[^}]*\}/g, '{}'));
  }
  return found;
}

/** The ids an expression can give: its literals, only the branches' when it is a conditional. */
function idsOf(expression: string): string[] {
  const question = expression.indexOf('?');
  return literals(question >= 0 ? expression.slice(question + 1) : expression);
}

/** Values of an attribute across all sources (`name="value"`, on one component when named). */
function attributeValues(name: string, component?: string): { id: string; path: string }[] {
  const pattern = component
    ? new RegExp(`<${component}\\b[^>]*?\\s${name}="([^"]+)"`, 'g')
    : new RegExp(`\\s${name}="([^"]+)"`, 'g');
  return sources.flatMap(({ path, text }) =>
    [...text.matchAll(pattern)].map((m) => ({ id: m[1] as string, path })),
  );
}

function sourceIds(): Map<string, string> {
  const ids = new Map<string, string>();
  const add = (id: string, path: string) => ids.set(id, relative(root, path));
  for (const { path, text } of sources) {
    for (const match of text.matchAll(/data-testid=/g)) {
      const at = (match.index as number) + match[0].length;
      if (text[at] === '"') {
        add(text.slice(at + 1, text.indexOf('"', at + 1)), path);
        continue;
      }
      const expression = braced(text, at).trim();
      let found: { id: string; path: string }[];
      if (expression === 'testId') found = attributeValues('testId');
      else if (expression === 'id') found = attributeValues('id', 'Figure');
      else if (/^\w+$/.test(expression)) {
        const declared = new RegExp(`const ${expression}\\s*=([^;]+);`).exec(text);
        found = declared ? idsOf(declared[1] as string).map((id) => ({ id, path })) : [];
      } else found = idsOf(expression).map((id) => ({ id, path }));
      if (found.length === 0)
        throw new Error(`${path}: no id found in data-testid={${expression}}`);
      for (const { id, path: where } of found) add(id, where);
    }
  }
  return ids;
}

/** Ids listed in the doc: the code spans in the first cell of each table row. */
function documentedIds(doc: string): string[] {
  return doc
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)])
    .map((m) => m[1] as string);
}

/** `count-{split}-{class}` and `count-${split}-${c}` both read `count-{}-{}`. */
const normalise = (id: string) => id.replace(/\{[^}]*\}/g, '{}');

describe('docs/test-contract.md', () => {
  const doc = read(join(root, 'docs/test-contract.md'));
  const inSource = sourceIds();
  const inDoc = new Set(documentedIds(doc).map(normalise));

  it('finds the ids of the page, those passed down as props included', () => {
    expect(inSource.size).toBeGreaterThan(100);
    for (const id of ['backend', 'cm-{}-{}', 'step-{}', 'gradcam', 'auc-mean', 'segnet-status'])
      expect([...inSource.keys()]).toContain(id);
  });

  it('lists every data-testid the sources render', () => {
    const missing = [...inSource].filter(([id]) => !inDoc.has(id)).map(([id, p]) => `${id} (${p})`);
    expect(missing).toEqual([]);
  });

  it('lists no id that the sources do not render', () => {
    const known = new Set([...inSource.keys()].map(normalise));
    expect([...inDoc].filter((id) => !known.has(id))).toEqual([]);
  });
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutCode(markdown).matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = slug(match[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Markdown without fenced code blocks and inline code, where links are not links. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

describe('links in README.md and docs/', () => {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name));
  const pages = [join(root, 'README.md'), ...docs];

  it.each(pages.map((page) => [relative(root, page), page]))(
    '%s: every relative link reaches a file, and its heading where it names one',
    (_, page) => {
      const text = read(page);
      const broken: string[] = [];
      for (const match of withoutCode(text).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1] as string;
        if (/^[a-z]+:/i.test(target)) continue;
        const [file = '', anchor] = target.split('#');
        const path = file === '' ? page : resolve(dirname(page), file);
        if (!existsSync(path)) {
          broken.push(`${target}: no such file`);
          continue;
        }
        if (anchor !== undefined) {
          if (statSync(path).isDirectory() || !path.endsWith('.md')) {
            broken.push(`${target}: an anchor into something that is not a markdown file`);
          } else if (!anchorsOf(read(path)).has(anchor)) {
            broken.push(`${target}: no heading with that anchor`);
          }
        }
      }
      expect(broken).toEqual([]);
    },
  );

  it('never sends the reader to a folder outside the repository', () => {
    for (const page of pages) expect(read(page)).not.toMatch(/\.\.\/shared\b|DESIGN\.md/);
  });
});
