/**
 * The package checks' output: one `ok`/`FAIL` line per check, and the closing line
 * `checks: P passed, F failed` that .ci/run reads (see .ci/steps/README.md).
 */

/** Counts checks and prints each as it is made. */
export class Checks {
  passed = 0;
  failed = 0;

  /** Records one check: `failure` says what was seen when it fails, `note` what to add when it passes. */
  check(name: string, pass: boolean, failure = '', note = ''): boolean {
    if (pass) this.passed++;
    else this.failed++;
    if (pass) console.log(`ok   ${name}${note === '' ? '' : ` (${note})`}`);
    else console.log(`FAIL ${name}${failure === '' ? '' : `\n${indent(failure)}`}`);
    return pass;
  }

  /** Prints the closing line and sets the exit code. */
  finish(): void {
    console.log(`checks: ${this.passed} passed, ${this.failed} failed`);
    process.exitCode = this.failed === 0 && this.passed > 0 ? 0 : 1;
  }
}

function indent(text: string): string {
  const lines = text.trimEnd().split('\n');
  const shown = lines.length > 30 ? [...lines.slice(0, 30), `... (${lines.length - 30} more lines)`] : lines;
  return shown.map((l) => `       ${l}`).join('\n');
}
