/**
 * The layering of docs/architecture.md, checked two ways: ESLint refuses imports that run back up
 * (planted here, in files that do not exist, so nothing in the tree changes), and the page's
 * import graph, followed from src/main.tsx, never reaches tfjs.
 */
import { ESLint } from 'eslint';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });
const RULE = '@typescript-eslint/no-restricted-imports';

async function refused(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('the lint refuses imports across the layers', () => {
  it.each([
    [
      'src/training/planted.ts',
      "import { runIfIdle } from '../worker/jobs.ts';",
      /worker, the page/,
    ],
    [
      'src/masking/planted.ts',
      "import type { ComputeApi } from '../worker/protocol.ts';",
      /never imports the worker/,
    ],
    ['src/loader/planted.ts', "import { useStore } from '../store/index.ts';", /the UI/],
    [
      'src/lib/planted.ts',
      "import { store } from '../storage/stores.ts';",
      /imports nothing of the app/,
    ],
    ['src/worker/planted.ts', "import { computeClient } from '../client/compute.ts';", /page code/],
    ['src/ui/shell/Planted.tsx', "import * as tf from '@tensorflow/tfjs';", /tfjs lives/],
    [
      'src/store/planted.ts',
      "import { selectBackend } from '../worker/backend.ts';",
      /runs in a worker/,
    ],
    [
      'src/ui/shell/Planted.tsx',
      "import { predictAll } from '../../training/classifierValidation.ts';",
      /runs in a worker/,
    ],
    [
      'src/ui/shell/Planted.tsx',
      "import { buildSegNet } from '../../models/segnet.ts';",
      /runs in a worker/,
    ],
    [
      'src/ui/Planted.tsx',
      "import { exportModel } from '../runs/exchange.ts';",
      /runs in a worker/,
    ],
    ['src/Planted.tsx', "import { diagnose } from './diagnose/diagnose.ts';", /runs in a worker/],
    [
      'src/ui/training/Planted.tsx',
      "import { TrainingEngine } from '../../engine/trainingEngine.ts';",
      /runs in a worker/,
    ],
    ['src/engine/planted.ts', "import { useStore } from '../store/index.ts';", /the UI/],
  ])('%s: %s', async (file, code, reason) => {
    const messages = await refused(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(reason);
  });

  it.each([
    ['src/ui/shell/Planted.tsx', "import type { BackendInfo } from '../../worker/protocol.ts';"],
    ['src/ui/classifier/Planted.tsx', "import { EpochChart } from '../training/EpochChart.tsx';"],
    ['src/ui/Planted.tsx', "import { DiagnoseStage } from './diagnose/DiagnoseStage.tsx';"],
    [
      'src/ui/shell/Planted.tsx',
      "import { DENSENET_QUICK } from '../../models/densenetConfig.ts';",
    ],
    ['src/store/planted.ts', "import { listRuns } from '../runs/runs.ts';"],
    ['src/store/planted.ts', "import { computeClient } from '../client/compute.ts';"],
    ['src/training/planted.ts', "import type { StopSignal } from '../lib/jobs.ts';"],
    ['src/worker/planted.ts', "import { trainSegNet } from '../training/segnetTraining.ts';"],
  ])('%s may: %s', async (file, code) => {
    expect(await refused(file, code)).toEqual([]);
  });
});

/** Value imports of a module (type-only imports are erased, and a worker is its own bundle). */
function valueImports(source: string): string[] {
  const found: string[] = [];
  const statement = /^\s*(?:import|export)\s+(type\s+)?(?:[\s\S]*?\sfrom\s+)?'([^']+)';/gm;
  for (const match of source.matchAll(statement)) if (!match[1]) found.push(match[2] as string);
  for (const match of source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g))
    found.push(match[1] as string);
  return found;
}

describe("the page's import graph", () => {
  it('never reaches tfjs from src/main.tsx, and is the graph it claims to be', () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of valueImports(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) packages.add(specifier);
        else if (/\.tsx?$/.test(specifier)) visit(resolve(dirname(file), specifier));
      }
    };
    visit(join(root, 'src/main.tsx'));
    const modules = [...seen].map((file) => relative(root, file));
    expect(modules).toContain('src/ui/evaluation/EvaluationStage.tsx');
    expect(modules).toContain('src/client/compute.ts');
    expect(packages).toContain('react');
    expect([...packages].filter((name) => name.startsWith('@tensorflow/'))).toEqual([]);
    expect(
      modules.filter((file) => /^src\/(worker|training|kernels|models\/(?!\w+Config))/.test(file)),
    ).toEqual([]);
  });
});
