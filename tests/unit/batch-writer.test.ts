// Call events are written in batches: one write at a time, an event waits a moment for others, the events that
// arrive meanwhile go into the next write, in order, and every `add` resolves only once its own event is written.
import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../ivr/call-record-writer.ts';

describe('the batch writer', () => {
  it('writes what arrives while a write runs in one next write, in order', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const writer = new BatchWriter<number>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = writer.add(1);
    while (writes.length === 0) await new Promise((r) => setTimeout(r, 1)); // the first write is running
    const written: number[] = [];
    const rest = [2, 3, 4].map((n) => writer.add(n).then(() => written.push(n)));
    expect(writes).toEqual([[1]]);
    release();
    await first;
    await Promise.all(rest);
    expect(writes).toEqual([[1], [2, 3, 4]]);
    expect(written).toEqual([2, 3, 4]);
  });

  it('puts items added in the same tick into one write', async () => {
    const writes: string[][] = [];
    const writer = new BatchWriter<string>((items) => {
      writes.push(items);
      return Promise.resolve();
    });
    await Promise.all(['arrived', 'identified', 'menu'].map((e) => writer.add(e)));
    expect(writes).toEqual([['arrived', 'identified', 'menu']]);
  });

  it('goes on writing after a write failed, and tells the callers of the failed one', async () => {
    let fail = true;
    const writes: number[][] = [];
    const writer = new BatchWriter<number>((items) => {
      writes.push(items);
      return fail ? Promise.reject(new Error('database away')) : Promise.resolve();
    });
    await expect(writer.add(1)).rejects.toThrow('database away');
    fail = false;
    await writer.add(2);
    expect(writes).toEqual([[1], [2]]);
  });

  it('waits the linger time for more items, and writes at once on flush', async () => {
    const writes: { at: number; items: string[] }[] = [];
    const start = Date.now();
    const writer = new BatchWriter<string>((items) => {
      writes.push({ at: Date.now() - start, items });
      return Promise.resolve();
    }, 150);
    const first = writer.add('arrived');
    await new Promise((r) => setTimeout(r, 50));
    const second = writer.add('identified');
    await Promise.all([first, second]);
    expect(writes.map((w) => w.items)).toEqual([['arrived', 'identified']]);
    expect(writes[0]!.at).toBeGreaterThanOrEqual(140);

    const third = writer.add('ended');
    await writer.flush();
    await third;
    expect(writes.map((w) => w.items)).toEqual([['arrived', 'identified'], ['ended']]);
    expect(writes[1]!.at - writes[0]!.at).toBeLessThan(100);
  });
});
