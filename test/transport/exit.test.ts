/**
 * Nothing keeps the process alive after close(): a child process opens every transport (a ws
 * server with its heartbeat, clients, a server that never answers a close, an attached server,
 * memory links with delays, a port to a worker thread), closes them and returns. It must exit
 * by itself, quickly; it is killed (and the test fails) otherwise.
 */
import { describe, expect, it } from 'vitest';
import { fixture, runChild } from './_helpers.js';

describe('closing releases everything', () => {
  it('a child process that opens and closes every transport exits on its own', async () => {
    const out = await runChild(fixture('open-close.ts'), { timeoutMs: 20_000 });
    expect(out.signal, `killed: still alive after 20 s\n${out.stdout}\n${out.stderr}`).toBe(null);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim().split('\n').filter((line) => !line.startsWith('{"workerClose"'))).toEqual([
      'refused TRANSPORT_FAILED',
      'aborted ABORTED',
      'ws server closed; client b saw 1001',
      'silent server: client closed with 1000',
      'attached transport closed',
      'memory closed',
      'worker exited with 0',
      'done',
    ]);
  }, 25_000);
});
