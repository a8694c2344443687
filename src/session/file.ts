/**
 * secagg/session/file: a durable {@link ClientStore} in one file, for Node clients. A
 * `ClientSession` saves its record before each answer leaves (security model 9), which holds
 * only if a resolved `save` survives a crash and a crash mid-write leaves the old record or the
 * new one, never a mix: this store writes a temporary file beside the record, flushes it
 * (`fsync`), renames it over the record and flushes the folder, so the rename itself is on disk.
 * Node only (`node:fs`); in a browser an IndexedDB transaction with `durability: 'strict'` plays
 * the same part (docs/session.md, "The store and the record").
 *
 * What no store can check: one process per member at a time (two processes on one record race),
 * and no rollback (a record restored from a backup or snapshot is older than what the client
 * sent). The record holds the round's secrets: give its folder the permissions of a private key.
 * @module
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import type { ClientStore } from './client.js';

/** A {@link ClientStore} in one file, and the way to clear it. */
export interface FileStore extends ClientStore {
  /** The record's path, as given. */
  readonly path: string;
  /**
   * Deletes the record (nothing happens when there is none): after `INVALID_RECORD` for a stale
   * spec, or once the round a damaged record described is over (docs/session.md says what
   * clearing gives up).
   */
  clear(): Promise<void>;
}

const isMissing = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ENOENT';

/**
 * Flushes a folder, so that a rename in it is on disk. Windows cannot open a folder as a file,
 * and NTFS journals the rename itself.
 */
async function syncFolder(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A durable store for a `ClientSession`'s record at `path` (its folder must exist). `load`
 * returns null only when there is no record; any other failure rejects, which the session
 * reports as `STORE_FAILED` (a disk that fails is never taken for "no record"). `save` resolves
 * once the new record, and its name, are on disk; the temporary file is `<path>.<pid>.tmp`.
 *
 * @param path - The record's file, e.g. `alice.secagg` (a non-empty string).
 * @throws {SecAggError} `INVALID_TYPE` when `path` is not a non-empty string.
 * @example
 * ```ts
 * import { ClientSession } from 'secagg/session';
 * import { fileStore } from 'secagg/session/file';
 *
 * const client = new ClientSession({ spec, member: 0, transport, store: fileStore('alice.secagg') });
 * ```
 */
export function fileStore(path: string): FileStore {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw new SecAggError('INVALID_TYPE', `fileStore(path): path must be a non-empty file path, got ${describeType(path)}`);
  }
  const folder = dirname(path);
  const temporary = join(folder, `${basename(path)}.${process.pid}.tmp`);
  return {
    path,
    async load() {
      try {
        const bytes = await readFile(path);
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async save(record) {
      const handle = await open(temporary, 'w', 0o600);
      try {
        await handle.writeFile(record);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
      await syncFolder(folder);
    },
    async clear() {
      try {
        await unlink(path);
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
      await syncFolder(folder);
    },
  };
}
