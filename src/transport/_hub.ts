/**
 * Internal: the bookkeeping every server adapter shares. It opens counted connections, hands
 * them to `onConnection` (holding them, bounded, until a handler is set), tracks the open ones,
 * and closes them all with `GOING_AWAY` when the server closes.
 */
import { describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { newCounters, type ConnectionMedium, type Counters } from './_framed.js';
import { openConnection, type ConnectionController, type TransportConnection } from './connection.js';
import { CloseCode, type Connection, type ServerStats } from './types.js';

/** Default bound on connections waiting for `onConnection` (and, for ws, for `authenticate`). */
export const DEFAULT_MAX_PENDING_CONNECTIONS = 1024;

function reportLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

export class ConnectionHub {
  readonly counters: Counters = newCounters();
  accepted = 0;
  refused = 0;
  authenticationErrors = 0;
  readonly #limits: { maxFrameBytes: number; maxBufferedBytes: number };
  readonly #maxPending: number;
  readonly #open = new Map<TransportConnection, ConnectionController>();
  #pending: ConnectionController[] = [];
  #onConnection: ((connection: Connection) => void) | null = null;
  #scheduled = false;
  #closing = false;

  constructor(limits: { maxFrameBytes: number; maxBufferedBytes: number }, maxPending: number) {
    this.#limits = limits;
    this.#maxPending = maxPending;
  }

  get closing(): boolean {
    return this.#closing;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  get onConnection(): ((connection: Connection) => void) | null {
    return this.#onConnection;
  }

  set onConnection(handler: ((connection: Connection) => void) | null) {
    if (handler !== null && typeof handler !== 'function') {
      throw new SecAggError('INVALID_TYPE', `onConnection must be a function or null, got ${describeType(handler)}`);
    }
    this.#onConnection = handler;
    this.#schedule();
  }

  get stats(): ServerStats {
    return {
      ...this.counters,
      connectionsAccepted: this.accepted,
      connectionsOpen: this.#open.size,
      connectionsRefused: this.refused,
      authenticationErrors: this.authenticationErrors,
    };
  }

  /**
   * Opens a counted connection over `medium` and offers it to the session. When the server is
   * closing, or too many connections wait for `onConnection`, it is closed at once (`GOING_AWAY`
   * / `TRY_AGAIN_LATER`); the controller is returned either way, so the adapter feeds it.
   */
  open(identity: string, medium: ConnectionMedium, onEnd?: () => void): ConnectionController {
    let controller: ConnectionController | undefined;
    controller = openConnection(identity, medium, this.#limits, {
      counters: this.counters,
      onEnd: () => {
        if (controller !== undefined) this.#forget(controller);
        onEnd?.();
      },
    });
    if (this.#closing) {
      controller.end(CloseCode.GOING_AWAY, 'server closing');
      return controller;
    }
    if (this.#onConnection === null && this.#pending.length >= this.#maxPending) {
      controller.end(CloseCode.TRY_AGAIN_LATER, 'server busy');
      return controller;
    }
    this.accepted++;
    this.#open.set(controller.connection, controller);
    if (this.#onConnection !== null && this.#pending.length === 0) this.#hand(this.#onConnection, controller);
    else {
      this.#pending.push(controller);
      this.#schedule();
    }
    return controller;
  }

  /** Stops accepting and closes every connection (open or waiting) with `GOING_AWAY`. */
  closeAll(): void {
    this.#closing = true;
    const all = [...this.#open.values()];
    this.#pending = [];
    for (const controller of all) controller.end(CloseCode.GOING_AWAY, 'server closing');
  }

  #forget(controller: ConnectionController): void {
    this.#open.delete(controller.connection);
    const at = this.#pending.indexOf(controller);
    if (at >= 0) this.#pending.splice(at, 1);
  }

  #schedule(): void {
    if (this.#scheduled || this.#onConnection === null || this.#pending.length === 0) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      while (this.#onConnection !== null && this.#pending.length > 0) {
        this.#hand(this.#onConnection, this.#pending.shift() as ConnectionController);
      }
    });
  }

  #hand(handler: (connection: Connection) => void, controller: ConnectionController): void {
    try {
      handler(controller.connection);
    } catch (error) {
      controller.end(CloseCode.INTERNAL_ERROR, 'the connection handler threw');
      reportLater(error);
    }
  }
}
