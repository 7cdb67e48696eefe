// Turns grants into nft commands against the live allow elements the kernel
// reported. Pure: the caller reads the state, passes the time, runs the lines.
// Planning mutates the element list it is given, so several grants planned
// into one transaction see each other (two grants never pick the same slot).

import { parseCidr } from '../../domain/cidr.js';
import { JitError } from '../../domain/errors.js';
import type { GrantSpec, ProtectedPort } from '../../ports/firewall.js';
import {
  addElementLine,
  deleteElementLine,
  hostAddress,
  isPort,
  isRequestId,
  protocolsOf,
  KERNEL_MARGIN_MS,
  timeoutMs,
  type AllowElement,
  type Family,
  type L4,
  type Layout,
  type ProtectedKey,
  type SourceRange,
} from './ruleset.js';

/** A grant after validation: everything the script needs, nothing it must not contain. */
export interface OpenTarget {
  requestId: string;
  family: Family;
  address: string;
  source: SourceRange;
  keys: { protocol: L4; port: number }[];
  endAt: number;
}

function needsAddress(vmName: string, address: string): JitError {
  return new JitError('jit_config_invalid', `VM ${vmName} needs an IP \`address\` in the policy for the nftables backend (got \`${address.slice(0, 80)}\`)`);
}

function requirePort(port: number, vmName: string): number {
  if (!isPort(port)) throw new JitError('jit_config_invalid', `VM ${vmName}: port ${port} is not a port number (1–65535)`);
  return port;
}

export function protectedKeys(ports: ProtectedPort[]): ProtectedKey[] {
  return ports.flatMap((port) => {
    const host = hostAddress(port.address);
    if (!host) throw needsAddress(port.vmName, port.address);
    requirePort(port.port, port.vmName);
    return protocolsOf(port.protocol).map((protocol) => ({ ...host, protocol, port: port.port }));
  });
}

export function requireRequestId(requestId: string): string {
  if (!isRequestId(requestId)) {
    throw new JitError('jit_input_invalid', `request id \`${requestId.slice(0, 80)}\` cannot be stored as an nftables comment (a-z, 0-9, -)`);
  }
  return requestId;
}

export function openTarget(grant: GrantSpec): OpenTarget {
  const requestId = requireRequestId(grant.requestId);
  const host = hostAddress(grant.address);
  if (!host) throw needsAddress(grant.vmName, grant.address);
  // `*` means the whole family of the VM's address: 0.0.0.0/0 can never reach an IPv6 VM anyway.
  const parsed = parseCidr(grant.source === '*' ? (host.family === 4 ? '0.0.0.0/0' : '::/0') : grant.source);
  if (!parsed.ok) throw new JitError('jit_input_invalid', `grant #${requestId}: ${parsed.error}`);
  const { text, family, start, end } = parsed.cidr;
  if (family !== host.family) {
    throw new JitError(
      'jit_input_invalid',
      `grant #${requestId}: source ${text} is IPv${family} but VM ${grant.vmName} (${host.address}) is IPv${host.family}`,
    );
  }
  const keys = grant.ports.flatMap((port) => {
    requirePort(port.number, grant.vmName);
    return protocolsOf(port.protocol).map((protocol) => ({ protocol, port: port.number }));
  });
  return { requestId, family, address: host.address, source: { text, family, start, end }, keys, endAt: grant.endAt };
}

function sameKey(a: ProtectedKey, b: ProtectedKey): boolean {
  return a.family === b.family && a.address === b.address && a.protocol === b.protocol && a.port === b.port;
}

function overlaps(a: SourceRange, b: SourceRange): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

/**
 * Adds the grant's missing elements. An element this request already holds is
 * left alone (re-adding would restart its timeout: the kernel refreshes the
 * timeout of an existing element on `add element`), except that one outliving
 * the grant is shortened to it: never lengthened.
 */
export function planOpen(elements: AllowElement[], target: OpenTarget, layout: Layout, now: number): string[] {
  const timeout = timeoutMs(target.endAt, now);
  const lines: string[] = [];
  const added: AllowElement[] = [];
  const shortened: AllowElement[] = [];
  for (const { protocol, port } of target.keys) {
    const wanted = { family: target.family, address: target.address, protocol, port };
    const held = elements.find(
      (e) => e.comment === target.requestId && sameKey(e, wanted) && e.source.start === target.source.start && e.source.end === target.source.end,
    );
    if (held) {
      if (held.expiresMs === undefined || held.expiresMs > timeout) {
        lines.push(deleteElementLine(layout, held), addElementLine(layout, held, timeout));
        shortened.push(held);
      }
      continue;
    }
    const slot = freeSlot([...elements, ...added], wanted, target.source, layout);
    if (slot === undefined) {
      throw new JitError(
        'jit_backend_failed',
        `${layout.slots} grants overlapping ${target.source.text} on ${target.address} ${protocol}/${port} are already open; the nftables backend holds at most ${layout.slots} (option \`slots\`)`,
      );
    }
    const element: AllowElement = { ...wanted, slot, source: target.source, comment: target.requestId, expiresMs: timeout };
    added.push(element);
    lines.push(addElementLine(layout, element, timeout));
  }
  // Only a grant planned in full changes the picture the next grant in the batch sees.
  for (const element of shortened) element.expiresMs = timeout;
  elements.push(...added);
  return lines;
}

/**
 * Sets the kernel timeout of every element the grant holds to the time left
 * until its new end: a delete and an add of the same element in the caller's
 * one transaction, so the port never closes in between (a plain `add element`
 * of an existing element does not reset the timeout on every kernel). Throws
 * when an element is missing: extending never opens what expired or closed.
 */
export function planExtend(elements: AllowElement[], target: OpenTarget, layout: Layout, now: number): string[] {
  const timeout = timeoutMs(target.endAt, now);
  const held: AllowElement[] = [];
  for (const { protocol, port } of target.keys) {
    const wanted = { family: target.family, address: target.address, protocol, port };
    const element = elements.find(
      (e) => e.comment === target.requestId && sameKey(e, wanted) && e.source.start === target.source.start && e.source.end === target.source.end,
    );
    if (!element) {
      throw new JitError(
        'jit_backend_failed',
        `grant #${target.requestId} is not open on ${target.address} ${protocol}/${port} (it expired or was closed), so there is nothing to extend`,
      );
    }
    held.push(element);
  }
  const lines = held.flatMap((element) => [deleteElementLine(layout, element), addElementLine(layout, element, timeout)]);
  for (const element of held) element.expiresMs = timeout;
  return lines;
}

function freeSlot(elements: AllowElement[], key: ProtectedKey, source: SourceRange, layout: Layout): number | undefined {
  for (let slot = 0; slot < layout.slots; slot++) {
    if (!elements.some((e) => e.slot === slot && sameKey(e, key) && overlaps(e.source, source))) return slot;
  }
  return undefined;
}

/** Deletes every element carrying the request's id, whatever port or source it has. */
export function planClose(elements: AllowElement[], requestId: string, layout: Layout): string[] {
  const lines: string[] = [];
  for (let i = elements.length - 1; i >= 0; i--) {
    const element = elements[i]!;
    if (element.comment !== requestId) continue;
    lines.push(deleteElementLine(layout, element));
    elements.splice(i, 1);
  }
  return lines.reverse();
}

/**
 * An element whose kernel timeout is this close when we read it may expire
 * before our `delete element` runs (nft reports whole seconds; a read and a
 * write of a large table take a second or more on a busy host).
 */
export const EXPIRY_RACE_MS = 60_000;

/**
 * planClose for many requests at once: one pass over the elements, where a
 * close each would scan them all (10,000 grants ending together: 10^8 steps).
 *
 * Grants ending together are closed as the kernel expires them: an element
 * that expired between our read and our write would fail the whole
 * transaction (`delete element` of a missing element is ENOENT; nft 1.0.6 has
 * no `destroy`), and every retry races the next ones to expire. So an element
 * near its timeout is first added back (a no-op when it is still there; with
 * a 1 s timeout when it had expired) and then deleted, in the same
 * transaction: the kernel applies a transaction atomically, so the element is
 * absent after it either way and was never visible in between.
 */
export function planCloses(elements: AllowElement[], requestIds: ReadonlySet<string>, layout: Layout): string[] {
  const lines: string[] = [];
  const kept: AllowElement[] = [];
  for (const element of elements) {
    if (element.comment !== undefined && requestIds.has(element.comment)) {
      if (element.expiresMs !== undefined && element.expiresMs <= EXPIRY_RACE_MS) lines.push(addElementLine(layout, element, 1000));
      lines.push(deleteElementLine(layout, element));
    } else kept.push(element);
  }
  elements.length = 0;
  for (const element of kept) elements.push(element);
  return lines;
}

/**
 * An element nft -j reports with less than this left (it reports whole
 * seconds, truncated: `expires 0`) is gone within it without our delete.
 */
export const SELF_EXPIRY_MS = 1000;

/**
 * How far past its expected expiry a close waits before it looks again: the
 * kernel starts an element's timeout when it applies the `add element`, a few
 * ms after the planner read the clock, and checks it at jiffy resolution.
 */
export const SELF_EXPIRY_SLACK_MS = 40;

/**
 * How long a close told its grant's end waits before its first read: until
 * the kernel's timeout of the elements the bot wrote for that end
 * (KERNEL_MARGIN_MS after it) has run out, plus the slack, so that one read
 * confirms the close by their absence (or finds what outlived it, which the
 * close then deletes). Undefined when that instant has passed (read now) or is
 * more than SELF_EXPIRY_MS away (a revoke: delete now). Decided from the end
 * alone: a read before the wait (selfExpiryWaits) would cost as much as the
 * one after it, on a table that has not yet shed the grants ending with it.
 */
export function selfExpiryWait(endAt: number, now: number): number | undefined {
  const wait = endAt + KERNEL_MARGIN_MS + SELF_EXPIRY_SLACK_MS - now;
  return wait > 0 && wait <= SELF_EXPIRY_MS ? wait : undefined;
}

/**
 * Closes whose elements the kernel is about to remove by itself: for each such
 * request (`closes` maps request ids to their grants' ends), how many ms from
 * `now` (the time of the read that reported `elements`) its close should wait
 * before reading again; a request left out is deleted now. Only a request whose
 * every element reports `expires 0` waits: the kernel removes each within a
 * second of the read, and by KERNEL_MARGIN_MS after `endAt` when the bot set its
 * timeout (an older or hand-made timeout may run longer: the close deletes
 * whatever is still there after the wait, so the wait never decides a close).
 * A request with no element left is not waited for: it is confirmed closed.
 * One pass over the elements, however many closes (see planCloses).
 */
export function selfExpiryWaits(elements: AllowElement[], closes: ReadonlyMap<string, number>, now: number): Map<string, number> {
  const expiring = new Set<string>();
  const refused = new Set<string>();
  for (const element of elements) {
    const id = element.comment;
    if (id === undefined || !closes.has(id)) continue;
    if (element.expiresMs === undefined || element.expiresMs >= SELF_EXPIRY_MS) refused.add(id);
    else expiring.add(id);
  }
  const waits = new Map<string, number>();
  for (const id of expiring) {
    if (refused.has(id)) continue;
    waits.set(id, Math.min(SELF_EXPIRY_MS, Math.max(0, closes.get(id)! + KERNEL_MARGIN_MS - now)) + SELF_EXPIRY_SLACK_MS);
  }
  return waits;
}
