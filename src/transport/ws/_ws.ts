/**
 * Internal: the `ws` package, loaded once for the Node entry of `secagg/transport/ws`. It is an
 * optional peer dependency: without it, `connectWebSocket` and `listenWebSocket` reject with a
 * coded error that names the fix (a browser bundle takes browser.ts and never loads it).
 */
import type * as WsTypes from 'ws';
import { SecAggError } from '../../errors.js';

export type WsModule = typeof WsTypes;

/** Imports `ws`, or throws `UNSUPPORTED_ENVIRONMENT` saying how to install it. */
export async function loadWs(load: () => Promise<unknown> = () => import('ws')): Promise<WsModule> {
  let module: unknown;
  try {
    module = await load();
  } catch (error) {
    throw new SecAggError(
      'UNSUPPORTED_ENVIRONMENT',
      "secagg/transport/ws needs the 'ws' package (an optional peer dependency), which could not be loaded: run `npm install ws`",
      { cause: error },
    );
  }
  const m = module as Partial<WsModule> | null;
  if (typeof m?.WebSocket !== 'function' || typeof m.WebSocketServer !== 'function') {
    throw new SecAggError('UNSUPPORTED_ENVIRONMENT', "the 'ws' package found is not ws 8 (no WebSocket or WebSocketServer export): run `npm install ws@8`");
  }
  return m as WsModule;
}

let loaded: Promise<WsModule> | null = null;

/**
 * The `ws` module, loaded on first use (by `connectWebSocket` or `listenWebSocket`), not when
 * the entry is imported: a top-level await would make `require('secagg/transport/ws')` fail on
 * Node's require of ESM, and importing the entry without `ws` installed stays harmless. A failed
 * load is not cached, so installing `ws` later works without a restart.
 */
export function wsModule(): Promise<WsModule> {
  if (loaded === null) {
    loaded = loadWs();
    loaded.catch(() => {
      loaded = null;
    });
  }
  return loaded;
}
