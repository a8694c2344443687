/** Client states shared by the rounds (internal): the common fields, the aborted state. */
import type { AbortCode } from '../codes.js';
import type { ClientCommon, ClientStep, Round } from '../types.js';

/** Why a server message makes the client abort: the code and a reason for the logs. */
export type Problem = readonly [AbortCode, string];

/** True for a {@link Problem} (the checks return one, or what they read). */
export function isProblem(value: object): value is Problem {
  return Array.isArray(value);
}

/** The step that aborts the client with `code`: an `aborted` state and nothing to send. */
export function aborted(state: { id: number; round: Round }, code: AbortCode, reason: string): ClientStep {
  return { state: { round: 'aborted', id: state.id, code, reason, atRound: state.round }, outbox: [] };
}

/** The fields every live client state carries from round to round. */
export function common(s: ClientCommon): ClientCommon {
  return { config: s.config, id: s.id, neighbours: s.neighbours, signingKey: s.signingKey };
}
