import { describe, expect, it } from 'vitest';
import { serialQueue } from './jobs.ts';

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('serialQueue', () => {
  it('runs tasks one after another in the order they came, a failed one included', async () => {
    const enqueue = serialQueue();
    const events: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        events.push(`${name} start`);
        await later(ms);
        events.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const first = enqueue(task('a', 20, true));
    const second = enqueue(task('b', 1));
    const third = enqueue(task('c', 5));
    await expect(first).rejects.toThrow('a');
    await expect(second).resolves.toBe('b');
    await expect(third).resolves.toBe('c');
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('keeps separate queues apart', async () => {
    const one = serialQueue();
    const two = serialQueue();
    const events: string[] = [];
    const slow = one(async () => {
      await later(20);
      events.push('slow');
    });
    await two(async () => {
      events.push('fast');
    });
    await slow;
    expect(events).toEqual(['fast', 'slow']);
  });
});
