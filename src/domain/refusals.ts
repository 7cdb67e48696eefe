// Every refusal a user can be told, as data: `{ code, params }`. One catalogue
// (the parts under refusals/) maps each code to its error category and its
// sentence, so the core decides what to refuse and each surface decides how it
// looks (STYLE.md §4, §5). A refusal is plain JSON-able data: it can be logged,
// compared in a test or sent to another process as it is.

import type { JitErrorCode } from './error-codes.js';
import type { Message } from './message.js';
import { ACCESS_REFUSALS } from './refusals/access.js';
import { DECIDE_REFUSALS } from './refusals/decide.js';
import { END_REFUSALS } from './refusals/end.js';
import { EXTEND_REFUSALS } from './refusals/extend.js';

const CATALOGUE = { ...ACCESS_REFUSALS, ...DECIDE_REFUSALS, ...END_REFUSALS, ...EXTEND_REFUSALS };

type Catalogue = typeof CATALOGUE;

export type RefusalCode = keyof Catalogue;

export type ParamsOf<K extends RefusalCode> = Parameters<Catalogue[K]['message']>[0];

export type Refusal = { [K in RefusalCode]: { readonly code: K; readonly params: ParamsOf<K> } }[RefusalCode];

/** Every code, for tests and for anything that lists what can be refused. */
export const REFUSAL_CODES = Object.freeze(Object.keys(CATALOGUE) as RefusalCode[]);

/** A refusal value; the params are checked against the code. */
export function refusal<K extends RefusalCode>(code: K, params: ParamsOf<K>): Refusal {
  // Sound: ParamsOf<K> is exactly the params of the member of Refusal whose code is K.
  return { code, params } as Refusal;
}

export function refusalMessage(r: Refusal): Message {
  // Sound: the union member's params are the ones its own code's sentence takes.
  const sentence = CATALOGUE[r.code].message as (params: Refusal['params']) => Message;
  return sentence(r.params);
}

export function refusalError(r: Refusal): JitErrorCode {
  return CATALOGUE[r.code].error;
}
