// Fixtures build requests field by field; the kind follows from the fields as
// it does for a stored request (`extends` makes an extension), through the
// same function the store reads with.

import { withKind } from '../../src/domain/request-kind.js';
import type { AccessRequest, ExtensionRequest, GrantRequest } from '../../src/domain/types.js';

/** Any field of either kind of request. */
export type RequestFields = Partial<Omit<GrantRequest, 'kind'> & Omit<ExtensionRequest, 'kind'>> & { kind?: AccessRequest['kind'] };

/** A request of the kind its fields make it. */
export function requestOf(fields: RequestFields): AccessRequest {
  return withKind(fields as Parameters<typeof withKind>[0]);
}

/** The request, which the test expects to be a grant (it fails otherwise), typed as one. */
export function asGrant(request: AccessRequest | undefined): GrantRequest {
  if (request?.kind !== 'grant') throw new Error(`expected a grant, got ${request === undefined ? 'nothing' : `a request of kind ${request.kind}`}`);
  return request;
}
