import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EvalSplit, EvaluationRecord } from '../evaluation/record.ts';
import type { RunRecord } from '../runs/runs.ts';
import type { ClassifierConfig } from '../training/classifierConfig.ts';

/** Stored predictions, faked: each read waits until the test answers it. */
const reads: { runId: string; split: EvalSplit; answer: () => void }[] = [];
vi.mock('../evaluation/record.ts', () => ({
  loadEvaluation: (runId: string, split: EvalSplit) =>
    new Promise<EvaluationRecord>((resolve) =>
      reads.push({ runId, split, answer: () => resolve(record(runId, split)) }),
    ),
}));

function record(runId: string, split: EvalSplit): EvaluationRecord {
  return { runId, split } as EvaluationRecord;
}

const { useAppStore } = await import('./index.ts');
const store = () => useAppStore.getState();

/** Answers the read of `runId` on `split` and lets its caller go on. */
async function answer(runId: string, split: EvalSplit): Promise<void> {
  await vi.waitFor(() =>
    expect(reads.some((r) => r.runId === runId && r.split === split)).toBe(true),
  );
  reads.find((r) => r.runId === runId && r.split === split)?.answer();
}

describe('showEvaluation keeps only the latest choice', () => {
  beforeEach(() => {
    reads.length = 0;
    const runs = ['run-1', 'run-2', 'run-3'].map(
      (id) => ({ id, kind: 'classifier', bestEpoch: 0 }) as RunRecord<ClassifierConfig>,
    );
    useAppStore.setState((s) => ({
      training: { ...s.training, classifier: { ...s.training.classifier, runs } },
      evaluation: { ...s.evaluation, runId: null, split: 'val', record: null, compareRunId: null },
    }));
  });

  it('a slower earlier run does not overwrite the later one', async () => {
    const first = store().showEvaluation('run-1');
    const second = store().showEvaluation('run-2');
    await answer('run-2', 'val');
    await second;
    await answer('run-1', 'val');
    await first;
    expect(store().evaluation).toMatchObject({ runId: 'run-2', status: 'done' });
    expect(store().evaluation.record).toEqual(record('run-2', 'val'));
  });

  it('a slower earlier split does not overwrite the later one', async () => {
    const first = store().showEvaluation('run-1', 'val');
    const second = store().showEvaluation('run-1', 'test');
    await answer('run-1', 'test');
    await second;
    await answer('run-1', 'val');
    await first;
    expect(store().evaluation).toMatchObject({ runId: 'run-1', split: 'test' });
    expect(store().evaluation.record).toEqual(record('run-1', 'test'));
  });

  it('a slower earlier comparison does not overwrite the later one', async () => {
    const first = store().compareWith('run-2');
    const second = store().compareWith('run-3');
    await answer('run-3', 'val');
    await second;
    await answer('run-2', 'val');
    await first;
    expect(store().evaluation.compareRunId).toBe('run-3');
    expect(store().evaluation.compare).toEqual(record('run-3', 'val'));
  });
});
