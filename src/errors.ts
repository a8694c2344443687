/**
 * Every error secagg throws is a {@link SecAggError} whose `code` is one of the strings below.
 * Codes are a stable API: callers branch on them, never on message text. A code, once
 * published, is never renamed or reused for another meaning; a retired code stays listed.
 *
 * Messages say what was wrong and how to fix it. They never contain secret bytes (keys, seeds,
 * shares, unmasked inputs): only names, lengths, counts and public parameters.
 */
export const ErrorCode = {
  // Generic argument checks (any module).
  /** An argument has the wrong type (e.g. a number where a Uint8Array is expected). */
  INVALID_TYPE: 'INVALID_TYPE',
  /** A byte string or vector has the wrong length. */
  INVALID_LENGTH: 'INVALID_LENGTH',
  /** A number is outside its documented range, or is not an integer where one is needed. */
  OUT_OF_RANGE: 'OUT_OF_RANGE',
  /** Two vectors or byte strings that must have equal length do not. */
  LENGTH_MISMATCH: 'LENGTH_MISMATCH',
  /** An options object names a field the function does not know (likely a typo). */
  UNKNOWN_OPTION: 'UNKNOWN_OPTION',
  /** The environment lacks something required (e.g. no CSPRNG, native backend requested off Node). */
  UNSUPPORTED_ENVIRONMENT: 'UNSUPPORTED_ENVIRONMENT',

  // src/vector
  /** `bits` is not an integer in 1..32. */
  INVALID_BITS: 'INVALID_BITS',
  /** A vector element is not below 2^bits. */
  ELEMENT_OUT_OF_RANGE: 'ELEMENT_OUT_OF_RANGE',
  /** A float input holds NaN or +/-Infinity. */
  NON_FINITE_VALUE: 'NON_FINITE_VALUE',
  /** The requested quantisation could wrap the modulus when the clients' values are summed. */
  MODULUS_TOO_SMALL: 'MODULUS_TOO_SMALL',
  /** An output buffer overlaps an input it would overwrite before reading it (pass distinct buffers). */
  OVERLAPPING_BUFFERS: 'OVERLAPPING_BUFFERS',

  // src/masking
  /** The requested mask backend cannot run here. */
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  /** A mask label is empty, longer than 255 UTF-8 bytes, or not well-formed Unicode (lone surrogate). */
  INVALID_LABEL: 'INVALID_LABEL',

  // src/shamir
  /** Threshold outside 2..holders. */
  INVALID_THRESHOLD: 'INVALID_THRESHOLD',
  /** Fewer shares than the threshold were given. */
  TOO_FEW_SHARES: 'TOO_FEW_SHARES',
  /** Two shares carry the same x-coordinate. */
  DUPLICATE_SHARE: 'DUPLICATE_SHARE',
  /** A share's x-coordinate is 0 or outside the field. */
  INVALID_SHARE_INDEX: 'INVALID_SHARE_INDEX',
  /** Shares that are combined come from sharings of different secrets or lengths. */
  MISMATCHED_SHARES: 'MISMATCHED_SHARES',
  /** An encoded share (or message) is malformed: truncated, wrong version, bad length. */
  MALFORMED_ENCODING: 'MALFORMED_ENCODING',
  /** An encoding carries a version this build does not understand. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /**
   * The robust decoder refuses: more shares are wrong than it can correct (over
   * floor((N - t) / 2) of N usable shares), or the shares are not one sharing. Nothing is returned.
   */
  TOO_MANY_ERRORS: 'TOO_MANY_ERRORS',

  // src/protocol
  /** A protocol step was called in a round where it is not allowed. */
  WRONG_ROUND: 'WRONG_ROUND',
  /** Protocol configuration is inconsistent (threshold, graph, vector specs, ids). */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** No (degree, threshold) pair meets the requested security for these parameters. */
  NO_FEASIBLE_GRAPH: 'NO_FEASIBLE_GRAPH',
  /**
   * A client or server state was stepped again after a step consumed it (every step takes
   * ownership of the state it is given; `structuredClone` a state to keep a snapshot).
   */
  STATE_CONSUMED: 'STATE_CONSUMED',
  /**
   * A threshold is below what the security rule needs for the assumed corrupt clients (active,
   * complete graph: 2t > n + corrupt; SecAgg+: 2t > k + 2 + corrupt neighbours; passive:
   * t > corrupt). The message names the smallest valid threshold.
   */
  THRESHOLD_TOO_LOW: 'THRESHOLD_TOO_LOW',
  /** An X25519 public key is small-order (all-zero shared secret) and is refused. */
  INVALID_PUBLIC_KEY: 'INVALID_PUBLIC_KEY',
  /**
   * A partial sum of masked inputs names a sender that is not a member awaiting its masked input
   * (unknown, dropped, already counted, or named twice); nothing of it was added.
   */
  INVALID_PARTIAL_SUM: 'INVALID_PARTIAL_SUM',
  /** A job runner could not complete a job: its worker crashed on it twice, failed to start, or the job threw. */
  JOB_FAILED: 'JOB_FAILED',

  // src/dp
  /** A privacy event was built with invalid parameters. */
  INVALID_EVENT: 'INVALID_EVENT',
  /** The accountant cannot account for this kind of event. */
  UNSUPPORTED_EVENT: 'UNSUPPORTED_EVENT',
  /** No noise level in the search range meets the requested budget. */
  CALIBRATION_FAILED: 'CALIBRATION_FAILED',
  /** A numerical computation could not reach a trustworthy answer (e.g. no usable RDP order). */
  NUMERICAL_FAILURE: 'NUMERICAL_FAILURE',
  /** A DP plan is malformed, tampered or inconsistent (e.g. a noise variance below what its noise multiplier needs), or lacks what the call needs. */
  INVALID_PLAN: 'INVALID_PLAN',
  /** A privacy ledger refused a round that would spend past the budget set for it (nothing recorded). */
  BUDGET_EXCEEDED: 'BUDGET_EXCEEDED',

  // src/transport
  /**
   * A wait was ended by its AbortSignal (the signal's reason is the error's `cause`), or a job
   * was cancelled: its signal fired, or the worker pool running it was closed.
   */
  ABORTED: 'ABORTED',
  /**
   * A transport could not be opened: the server refused the connection or the handshake (e.g.
   * its authentication), the peer was unreachable or closed before it opened, or the address
   * could not be listened on. The medium's error is the `cause`.
   */
  TRANSPORT_FAILED: 'TRANSPORT_FAILED',

  // src/session
  /**
   * A client session's stored record is refused, never stepped: truncated or torn (its checksum
   * fails), altered (it does not replay to the answers it stored), or not this client's (another
   * spec or registry entry). The message says which.
   */
  INVALID_RECORD: 'INVALID_RECORD',
  /** A client session's store failed to load or save (the store's error is the `cause`); nothing was sent after a failed save. */
  STORE_FAILED: 'STORE_FAILED',
} as const;

/** One of the stable error codes in {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The one error class secagg throws. Branch on `code`, not on `message`.
 *
 * @example
 * ```ts
 * try { addInto(a, b, 40); } catch (e) {
 *   if (e instanceof SecAggError && e.code === 'INVALID_BITS') { ... }
 * }
 * ```
 */
export class SecAggError extends Error {
  /** Stable machine-readable code; see {@link ErrorCode}. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecAggError';
    this.code = code;
  }
}

/** True when `error` is a {@link SecAggError}, optionally with the given code. */
export function isSecAggError(error: unknown, code?: ErrorCode): error is SecAggError {
  return error instanceof SecAggError && (code === undefined || error.code === code);
}
