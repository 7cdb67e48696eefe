// Reading ARM failures: which ones mean "someone else wrote first, read again
// and retry", and a one-line description for logs and for the requester.

// RestError recognised by its name, as the SDK's own isRestError does for errors
// from another copy of the package: importing @azure/core-rest-pipeline for
// this alone would load it (2.5 MB) into every bot, Azure or not.
interface RestErrorLike extends Error {
  statusCode?: number;
}

function isRestError(error: unknown): error is RestErrorLike {
  return error instanceof Error && error.name === 'RestError';
}

export function armStatus(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

/** ARM's error code (`SecurityRuleConflict`, `PreconditionFailed`, …) when the body had one. */
export function armCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function describeArmError(error: unknown): string {
  if (isRestError(error)) {
    const code = armCode(error);
    const status = error.statusCode ? `HTTP ${error.statusCode}` : 'no HTTP answer';
    return `${status}${code ? ` ${code}` : ''}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export type WriteConflict = 'stale-etag' | 'priority-taken' | 'busy';

/**
 * A write that lost a race and is safe to retry after reading the NSG again:
 * 412 (our If-Match ETag is stale), SecurityRuleConflict (another writer took
 * the priority first) and "another operation in progress" (NRP serialises
 * writes to one NSG, and to one firewall policy, whose refusals are named
 * FirewallPolicyUpdateNotAllowed…; it answers 409, or 429 when the SDK's own
 * retries ran out).
 */
export function writeConflict(error: unknown): WriteConflict | undefined {
  const status = armStatus(error);
  const code = armCode(error);
  if (status === 412 || code === 'PreconditionFailed') return 'stale-etag';
  if (code === 'SecurityRuleConflict') return 'priority-taken';
  if (code === 'AnotherOperationInProgress' || code?.startsWith('RetryableError') || code?.startsWith('FirewallPolicyUpdateNotAllowed') || status === 429)
    return 'busy';
  return undefined;
}

export function isNotFound(error: unknown): boolean {
  return armStatus(error) === 404;
}
