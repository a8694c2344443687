import { describe, expect, it } from 'vitest';
import { Progress } from '../../cli/progress.js';

/** A stream that records what is written, and a clock the test moves. */
function setup(isTTY: boolean, columns?: number) {
  const written: string[] = [];
  let now = 0;
  const stream = { isTTY, ...(columns === undefined ? {} : { columns }), write: (t: string) => written.push(t) };
  const clock = { advance: (ms: number) => (now += ms), now: () => now };
  return { written, clock, stream };
}

describe('Progress (the CLI progress line)', () => {
  it('stays quiet for the first 2 s by default, on a terminal or not', () => {
    for (const isTTY of [true, false]) {
      const { written, clock, stream } = setup(isTTY);
      const p = new Progress(stream, { now: clock.now, inPlace: isTTY });
      clock.advance(1999);
      p.update('working');
      p.clear();
      expect(written).toEqual([]);
      clock.advance(1);
      p.update('working');
      expect(written).toHaveLength(1);
    }
  });

  it('on a terminal: rewrites one line in place, at most ten times a second, cut to the width, and clears it', () => {
    const { written, clock, stream } = setup(true, 30);
    const p = new Progress(stream, { now: clock.now, inPlace: true, afterMs: 0 });
    p.update('shareKeys: clients at work (0 done)');
    clock.advance(50);
    p.update('skipped: too soon');
    clock.advance(50);
    p.update('short');
    p.clear();
    p.clear(); // nothing left to clear
    expect(written).toEqual(['\r  [0.0 s] shareKeys: clients…\x1b[K', '\r  [0.1 s] short\x1b[K', '\r\x1b[K']);
    expect(written[0]?.replace(/\x1b\[K$/, '').length).toBe(1 + 29); // \r + columns - 1: never wraps
  });

  it('off a terminal: plain lines, at most one per plainEveryMs, and clear writes nothing', () => {
    const { written, clock, stream } = setup(false);
    const p = new Progress(stream, { now: clock.now, afterMs: 0, plainEveryMs: 1000 });
    p.update('a');
    clock.advance(999);
    p.update('b');
    clock.advance(1);
    p.update('c');
    p.clear();
    expect(written).toEqual(['  [0.0 s] a\n', '  [1.0 s] c\n']);
  });

  it('takes TERM=dumb and a pseudo-terminal with 0 columns into account', () => {
    const term = process.env['TERM'];
    process.env['TERM'] = 'dumb';
    try {
      const { written, clock, stream } = setup(true);
      new Progress(stream, { now: clock.now, afterMs: 0 }).update('x');
      expect(written).toEqual(['  [0.0 s] x\n']);
    } finally {
      if (term === undefined) delete process.env['TERM'];
      else process.env['TERM'] = term;
    }
    const { written, clock, stream } = setup(true, 0);
    new Progress(stream, { now: clock.now, inPlace: true, afterMs: 0 }).update('y'.repeat(100));
    expect(written[0]?.length).toBe(1 + 79 + 3);
  });
});
