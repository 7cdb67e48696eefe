// What every part of the refusal catalogue is made of, and the sentence pieces
// several refusals share, so a shared phrase is written once.

import type { JitErrorCode } from '../error-codes.js';
import { msg, type Message, type Value } from '../message.js';
import type { RequestState } from '../types.js';

/** One refusal: the error category it is filed under and the sentence the user is told. */
export interface Entry<P> {
  readonly error: JitErrorCode;
  readonly message: (params: P) => Message;
}

/** What each catalogue part `satisfies`: any params type fits `never`, and the literal types stay. */
export type Entries = Record<string, Entry<never>>;

/** Refusals about one request name it. */
export interface OfRequest {
  id: string;
}

/** `timed_out` reads `timed out`. */
export function spaced(state: RequestState): string {
  return state.replace('_', ' ');
}

/** "Request #id was not changed: <why>.": every refused Approve, and a Deny that came too late. */
export function notChanged(id: string, why: Value): Message {
  return msg`Request #${id} was not changed: ${why}.`;
}

/** "Request #id was not extended: <why>.": an extension the policy or the directory rules out. */
export function notExtended(id: string, why: Value): Message {
  return msg`Request #${id} was not extended: ${why}.`;
}
