/**
 * secagg/session/file on a real file system (a scratch folder): records round-trip byte for
 * byte, a missing record is null and any other failure rejects, a save replaces the record in
 * one rename and leaves no temporary file, clear() forgets it, and a ClientSession resumes from
 * it (the crash-resume property itself is in store.test.ts; the SIGKILLs in 62-session-ws.sh
 * land on this store).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileStore } from '../../src/session/file.js';
import { expectSecAggError } from '../_hostile.js';
import { network, smallSpec } from './_helpers.js';

let folder = '';
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'secagg-file-store-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('fileStore', () => {
  it('a missing record loads as null; a saved one loads byte for byte, replaced by the next save', async () => {
    const store = fileStore(join(folder, 'alice.secagg'));
    expect(await store.load()).toBeNull();
    await store.save(Uint8Array.of(1, 2, 3));
    expect(await store.load()).toEqual(Uint8Array.of(1, 2, 3));
    const big = new Uint8Array(1 << 16).map((_, i) => i * 7);
    await store.save(big);
    expect(await store.load()).toEqual(big);
    expect(await readdir(folder)).toEqual(['alice.secagg']); // no temporary file left behind
  });

  it('a stale temporary file from a process killed mid-save is never read, and the next save replaces it', async () => {
    const path = join(folder, 'bob.secagg');
    const store = fileStore(path);
    await store.save(Uint8Array.of(9));
    await writeFile(`${path}.${process.pid}.tmp`, Uint8Array.of(1, 2)); // torn: written, never renamed
    expect(await store.load()).toEqual(Uint8Array.of(9));
    await store.save(Uint8Array.of(4, 5));
    expect(await readFile(path)).toEqual(Buffer.from([4, 5]));
    expect(await readdir(folder)).toEqual(['bob.secagg']);
  });

  it('a failure other than a missing file rejects (a session reports STORE_FAILED, never "no record")', async () => {
    await mkdir(join(folder, 'a-folder'));
    await expect(fileStore(join(folder, 'a-folder')).load()).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(fileStore(join(folder, 'missing', 'x.secagg')).save(Uint8Array.of(1))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('clear() deletes the record, and is quiet when there is none', async () => {
    const store = fileStore(join(folder, 'carol.secagg'));
    await store.clear();
    await store.save(Uint8Array.of(1));
    await store.clear();
    expect(await store.load()).toBeNull();
    expect(await readdir(folder)).toEqual([]);
  });

  it('refuses a path that is not a non-empty string', () => {
    for (const bad of ['', 42, null, undefined, 'a\0b']) expectSecAggError(() => fileStore(bad as string), 'INVALID_TYPE');
  });

  it('a client session saves its record there before it answers, and a new session resumes from it', async () => {
    const spec = smallSpec(3, { aggregation: { kind: 'sum', clip: 4, bits: 16 } });
    const stores = [0, 1, 2].map((i) => fileStore(join(folder, `client-${i}.secagg`)));
    const net = network(spec, 3, { server: { cohort: { min: 3 } }, client: (i) => ({ store: stores[i] }) });
    try {
      const round = net.server.runRound();
      const outcomes = await Promise.all(net.clients.map((c) => c.submit(Uint32Array.from({ length: 8 }, (_, k) => k))));
      expect((await round).outcome).toBe('completed');
      expect(outcomes.map((o) => o.outcome)).toEqual(['completed', 'completed', 'completed']);
      for (const store of stores) expect((await store.load())?.length ?? 0).toBeGreaterThan(0);
    } finally {
      await net.close();
    }
    expect((await readdir(folder)).sort()).toEqual(['client-0.secagg', 'client-1.secagg', 'client-2.secagg']);
  });
});
