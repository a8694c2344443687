/**
 * A progress line for long work, on a stream of its own (stderr): nothing during the first
 * `afterMs` (a short run prints no progress at all), then, on a terminal, one line rewritten in
 * place (`\r` and erase-to-end-of-line, cut to the terminal's width so that it never wraps),
 * and elsewhere (a pipe, a file, `TERM=dumb`) a plain line at most every `plainEveryMs`.
 */

/** Where progress goes: a writable stream, a terminal or not. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Quiet for this long after the start (default 2000 ms). */
  readonly afterMs?: number;
  /** Off a terminal, at most one line per this many ms (default 2000 ms). */
  readonly plainEveryMs?: number;
  /** Whether the stream is a terminal that can rewrite a line (default: `isTTY` and not `TERM=dumb`). */
  readonly inPlace?: boolean;
  /** Clock, in ms (default `performance.now`). */
  readonly now?: () => number;
}

/** Reports progress on one stream; see the module comment. */
export class Progress {
  private readonly stream: ProgressStream;
  private readonly start: number;
  private readonly afterMs: number;
  private readonly plainEveryMs: number;
  private readonly inPlace: boolean;
  private readonly now: () => number;
  /** When the last line was written (ms), or -Infinity. */
  private last = Number.NEGATIVE_INFINITY;
  /** A line is on screen (in place only). */
  private shown = false;

  constructor(stream: ProgressStream, options: ProgressOptions = {}) {
    this.stream = stream;
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
    this.afterMs = options.afterMs ?? 2000;
    this.plainEveryMs = options.plainEveryMs ?? 2000;
    this.inPlace = options.inPlace ?? (stream.isTTY === true && process.env['TERM'] !== 'dumb');
  }

  /** Seconds since the start. */
  elapsed(): number {
    return (this.now() - this.start) / 1000;
  }

  /** Shows `text` (prefixed with the elapsed time) if the run is long enough and it is time. */
  update(text: string): void {
    const now = this.now();
    if (now - this.start < this.afterMs) return;
    const line = `  [${this.elapsed().toFixed(1)} s] ${text}`;
    if (this.inPlace) {
      if (now - this.last < 100) return; // a terminal needs no more than ten frames a second
      // A pseudo-terminal may report 0 columns: take 80 then.
      const width = Math.max(20, (this.stream.columns || 80) - 1);
      this.stream.write(`\r${line.length > width ? `${line.slice(0, width - 1)}…` : line}\x1b[K`);
      this.shown = true;
    } else {
      if (now - this.last < this.plainEveryMs) return;
      this.stream.write(`${line}\n`);
    }
    this.last = now;
  }

  /** Erases the in-place line, if one is shown, so that other output starts on a clean line. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
