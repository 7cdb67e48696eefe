// A fake Azure Resource Manager on loopback HTTPS, serving the slice of the
// Compute and Network APIs the NSG backend calls, with ARM's rules: a bearer
// token on every request, a required api-version, ETags and If-Match (412),
// SecurityRuleConflict for two rules with one priority and direction, writes
// that complete asynchronously (Azure-AsyncOperation / Location, polled to
// Succeeded), list operations paged through `nextLink`, and scriptable
// throttling (429 + Retry-After) and server errors.
// The SDK reaches it through its `endpoint` option and trusts its certificate
// through `tlsOptions.ca`; the production code cannot tell it from Azure.

import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { makeSelfSignedCertificate } from './fake-arm-cert.js';
import { ArmError, FakeArmWorld, notFound, rgId } from './fake-arm-world.js';
import { defaultCode, header, parseJson, readBody, safeJson, throwIt } from './fake-arm-http.js';
import { nicToWire, nsgToWire, ruleToWire, subnetToWire, vmToWire, vnetsToWire } from './fake-arm-wire.js';

export { FAKE_SUBSCRIPTION, type AddedVm, type AddVmOptions } from './fake-arm-world.js';

export interface RecordedArmRequest {
  method: string;
  /** Path without the query. */
  path: string;
  apiVersion: string | null;
  ifMatch?: string;
  /** Parsed JSON body of a PUT. */
  body?: Record<string, unknown>;
  status: number;
  /** True when the answer came from failNext(), not from the fake's own rules. */
  scripted: boolean;
  at: number;
}

export interface ScriptedArmFailure {
  status: number;
  code?: string;
  message?: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  method?: string;
  /** Matched against the request path; default every path. */
  path?: RegExp;
  /** How many matching requests fail; default 1. */
  times?: number;
}

export interface FakeArmOptions {
  /** Bearer token the fake accepts; default `fake-arm-token`. */
  token?: string;
  /** Polls an async operation answers InProgress before its final status; default 1. */
  asyncPolls?: number;
  /** Items per page of a list operation; the rest follow through `nextLink`. Default 100. */
  pageSize?: number;
  /** More resource providers (firewall policies, Defender for Cloud), each in its own file. */
  providers?: FakeArmProvider[];
}

/** What a request looks like to a provider, and the fake's shared answers. */
export interface FakeArmCall {
  method: string;
  /** Path without the query, decoded. */
  path: string;
  body: Record<string, unknown>;
  record: RecordedArmRequest;
  query: URLSearchParams;
  /**
   * A write ARM took on: answered now with `status` and `payload`, finished
   * when the client polls the operation (Azure-AsyncOperation, and Location on
   * a 202) to the end; `finish` runs then, with whether it succeeded. Scripted
   * failNextOperation/stallNextOperation apply to it like to any write.
   */
  accepted(status: number, payload: unknown, subscription: string, location: string, finish: (ok: boolean) => void): FakeArmAnswer;
  /** One page of `all`, the rest through `nextLink` (ARM's list paging). */
  page(all: unknown[]): FakeArmAnswer;
}

export interface FakeArmAnswer {
  status: number;
  payload?: unknown;
  headers: Record<string, string>;
}

/**
 * A resource provider served beside Compute and Network: answers the calls it
 * owns, undefined for the rest. Throw an ArmError for ARM's error answers.
 */
export interface FakeArmProvider {
  route(call: FakeArmCall): FakeArmAnswer | undefined;
  /** For If-Match on a GET: the resource's current ETag, when this provider owns `path`. */
  etagOf?(path: string): string | undefined;
}

interface Operation {
  remaining: number;
  failure?: { code: string; message: string };
  finish(ok: boolean): void;
}

const RG = '^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/';
const ROUTES = {
  vm: new RegExp(`${RG}Microsoft\\.Compute/virtualMachines/([^/]+)$`, 'i'),
  nic: new RegExp(`${RG}Microsoft\\.Network/networkInterfaces/([^/]+)$`, 'i'),
  subnet: new RegExp(`${RG}Microsoft\\.Network/virtualNetworks/([^/]+)/subnets/([^/]+)$`, 'i'),
  nsg: new RegExp(`${RG}Microsoft\\.Network/networkSecurityGroups/([^/]+)$`, 'i'),
  rules: new RegExp(`${RG}Microsoft\\.Network/networkSecurityGroups/([^/]+)/securityRules$`, 'i'),
  rule: new RegExp(`${RG}Microsoft\\.Network/networkSecurityGroups/([^/]+)/securityRules/([^/]+)$`, 'i'),
  /** Subscription-wide lists: VMs, NICs, virtual networks (with their subnets). */
  list: /^\/subscriptions\/([^/]+)\/providers\/(Microsoft\.Compute\/virtualMachines|Microsoft\.Network\/networkInterfaces|Microsoft\.Network\/virtualNetworks)$/i,
  operation: /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Network\/locations\/([^/]+)\/(operations|operationResults)\/([^/]+)$/i,
};

export class FakeArm {
  readonly world = new FakeArmWorld();
  readonly requests: RecordedArmRequest[] = [];
  /** A credential that hands out the token this fake accepts, recording the scopes asked for. */
  readonly credential: TokenCredential & { scopes: string[] };
  private readonly failures: (ScriptedArmFailure & { path: RegExp; times: number })[] = [];
  private readonly hooks: { method: string; path: RegExp; run: () => void }[] = [];
  private readonly operations = new Map<string, Operation>();
  private operationFailures: { code: string; message: string }[] = [];
  private stalls = 0;

  private constructor(
    private readonly server: Server,
    readonly certificate: string,
    private readonly token: string,
    private readonly asyncPolls: number,
    private readonly pageSize: number,
    private readonly providers: FakeArmProvider[],
  ) {
    const scopes: string[] = [];
    this.credential = {
      scopes,
      getToken: async (requested: string | string[]): Promise<AccessToken> => {
        scopes.push(...[requested].flat());
        return { token: this.token, expiresOnTimestamp: Date.now() + 60 * 60_000 };
      },
    };
    server.on('request', (req, res) => void this.handle(req, res));
  }

  static async start(options: FakeArmOptions = {}): Promise<FakeArm> {
    const { cert, key } = makeSelfSignedCertificate();
    const server = createServer({ cert, key });
    const fake = new FakeArm(server, cert, options.token ?? 'fake-arm-token', options.asyncPolls ?? 1, options.pageSize ?? 100, options.providers ?? []);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get endpoint(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` requests matching `method`/`path` get this error instead of an answer. */
  failNext(failure: ScriptedArmFailure): void {
    this.failures.push({ ...failure, times: failure.times ?? 1, path: failure.path ?? /.*/ });
  }

  /** The next asynchronous write is accepted, then its operation ends Failed with this error. */
  failNextOperation(code = 'InternalServerError', message = 'An error occurred.'): void {
    this.operationFailures.push({ code, message });
  }

  /** The next asynchronous write is accepted, and its operation stays InProgress for ever. */
  stallNextOperation(): void {
    this.stalls += 1;
  }

  /** Serves one more resource provider from now on (one that needs `world` is made after the fake). */
  addProvider(provider: FakeArmProvider): void {
    this.providers.push(provider);
  }

  /** Runs `run` right after the next matching request has been answered (e.g. a concurrent edit). */
  after(method: string, path: RegExp, run: () => void): void {
    this.hooks.push({ method, path, run });
  }

  /** Writes (PUT/DELETE) recorded so far, optionally only those whose path matches. */
  writes(path?: RegExp): RecordedArmRequest[] {
    return this.requests.filter((r) => (r.method === 'PUT' || r.method === 'DELETE') && (!path || path.test(r.path)));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.endpoint);
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(url.pathname);
    const record: RecordedArmRequest = {
      method,
      path,
      apiVersion: url.searchParams.get('api-version'),
      ifMatch: header(req, 'if-match'),
      status: 0,
      scripted: false,
      at: Date.now(),
    };
    this.requests.push(record);
    const body = await readBody(req);
    if (method === 'PUT') record.body = safeJson(body);
    let status = 500;
    let payload: unknown;
    let headers: Record<string, string> = {};
    try {
      const scripted = this.takeFailure(method, path);
      if (scripted) {
        record.scripted = true;
        if (scripted.retryAfter !== undefined) headers['Retry-After'] = String(scripted.retryAfter);
        throw new ArmError(scripted.status, scripted.code ?? defaultCode(scripted.status), scripted.message ?? `Scripted ${scripted.status}.`);
      }
      this.authenticate(header(req, 'authorization'));
      if (!record.apiVersion)
        throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
      ({ status, payload, headers } = this.route(method, path, parseJson(body), record, url.searchParams));
    } catch (error) {
      if (!(error instanceof ArmError)) throw error;
      status = error.status;
      payload = error.body();
    }
    record.status = status;
    const text = payload === undefined ? '' : JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': randomUUID(), ...headers });
    res.end(text);
    const hook = this.hooks.findIndex((h) => h.method === method && h.path.test(path));
    if (hook >= 0) this.hooks.splice(hook, 1)[0]!.run();
  }

  private takeFailure(method: string, path: string): ScriptedArmFailure | undefined {
    const index = this.failures.findIndex((f) => (!f.method || f.method === method) && f.path.test(path));
    if (index < 0) return undefined;
    const failure = this.failures[index]!;
    failure.times -= 1;
    if (failure.times <= 0) this.failures.splice(index, 1);
    return failure;
  }

  private authenticate(authorization: string | undefined): void {
    if (!authorization) throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    if (authorization !== `Bearer ${this.token}`) throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  }

  private route(
    method: string,
    path: string,
    body: Record<string, unknown>,
    record: RecordedArmRequest,
    query: URLSearchParams,
  ): { status: number; payload?: unknown; headers: Record<string, string> } {
    const ok = (payload: unknown) => ({ status: 200, payload, headers: {} });
    let m: RegExpMatchArray | null;
    // Strict HTTP: a conditional GET whose ETag does not match fails, so a client
    // that leaks a write's If-Match onto its polls finds out here, not in Azure.
    if (method === 'GET' && record.ifMatch !== undefined && record.ifMatch !== '*' && this.etagOf(path) !== record.ifMatch) {
      throw new ArmError(412, 'PreconditionFailed', `If-Match ${record.ifMatch} does not match the current ETag of ${path}.`);
    }
    if (method === 'GET' && (m = path.match(ROUTES.operation))) return this.pollOperation(m[3]!.toLowerCase(), m[4]!, path);
    if (method === 'GET' && (m = path.match(ROUTES.list))) return ok(this.page(path, m[1]!, m[2]!.toLowerCase(), record.apiVersion!, query.get('$skiptoken')));
    if (method === 'GET' && (m = path.match(ROUTES.vm))) return ok(vmToWire(this.world, path) ?? throwIt(notFound('Microsoft.Compute/virtualMachines', path)));
    if (method === 'GET' && (m = path.match(ROUTES.nic)))
      return ok(nicToWire(this.world, path) ?? throwIt(notFound('Microsoft.Network/networkInterfaces', path)));
    if (method === 'GET' && (m = path.match(ROUTES.subnet)))
      return ok(subnetToWire(this.world, path) ?? throwIt(notFound('Microsoft.Network/virtualNetworks/subnets', path)));
    if ((m = path.match(ROUTES.nsg))) {
      if (method === 'GET') return ok(nsgToWire(this.world.requireNsg(path)));
      if (method === 'PUT') {
        const { created, nsg } = this.world.putNsg(path, body, record.ifMatch);
        return this.accepted(
          created ? 201 : 200,
          nsgToWire(nsg),
          m[1]!,
          nsg.location,
          record.apiVersion!,
          (ok) => (nsg.provisioningState = ok ? 'Succeeded' : 'Failed'),
        );
      }
    }
    if (method === 'GET' && (m = path.match(ROUTES.rules))) {
      const nsg = this.world.requireNsg(path.replace(/\/securityRules$/i, ''));
      return ok({ value: nsg.rules.map((rule) => ruleToWire(nsg, rule)) });
    }
    if ((m = path.match(ROUTES.rule))) {
      const nsgId = `${rgId(m[1]!, m[2]!)}/providers/Microsoft.Network/networkSecurityGroups/${m[3]!}`;
      const name = m[4]!;
      const nsg = this.world.requireNsg(nsgId);
      if (method === 'GET') {
        const rule = nsg.rules.find((r) => r.name.toLowerCase() === name.toLowerCase());
        return ok(rule ? ruleToWire(nsg, rule) : throwIt(notFound('Microsoft.Network/networkSecurityGroups/securityRules', path)));
      }
      const finish = (ok: boolean) => (nsg.provisioningState = ok ? 'Succeeded' : 'Failed');
      if (method === 'PUT') {
        const { created, rule } = this.world.putRule(nsgId, name, body, record.ifMatch);
        return this.accepted(created ? 201 : 200, ruleToWire(nsg, rule), m[1]!, nsg.location, record.apiVersion!, finish);
      }
      if (method === 'DELETE') {
        if (!this.world.deleteRule(nsgId, name, record.ifMatch)) return { status: 204, headers: {} };
        return this.accepted(202, undefined, m[1]!, nsg.location, record.apiVersion!, finish);
      }
    }
    const call: FakeArmCall = {
      method,
      path,
      body,
      record,
      query,
      accepted: (status, payload, subscription, location, finish) => this.accepted(status, payload, subscription, location, record.apiVersion!, finish),
      page: (all) => ok(this.slice(path, all, record.apiVersion!, query.get('$skiptoken'))),
    };
    for (const provider of this.providers) {
      const answer = provider.route(call);
      if (answer) return answer;
    }
    throw new ArmError(404, 'NoRegisteredProviderFound', `The fake ARM does not serve ${method} ${path}.`);
  }

  private etagOf(path: string): string | undefined {
    return this.world.nsg(path)?.etag ?? this.providers.map((provider) => provider.etagOf?.(path)).find((etag) => etag !== undefined);
  }

  /** One page of a subscription-wide list; `nextLink` carries the api-version, as ARM's does. */
  private page(path: string, subscription: string, type: string, apiVersion: string, skipToken: string | null): { value: unknown[]; nextLink?: string } {
    const all =
      type === 'microsoft.compute/virtualmachines'
        ? this.world.vmsIn(subscription).map((vm) => vmToWire(this.world, vm.id))
        : type === 'microsoft.network/networkinterfaces'
          ? this.world.nicsIn(subscription).map((nic) => nicToWire(this.world, nic.id))
          : vnetsToWire(this.world, subscription);
    return this.slice(path, all, apiVersion, skipToken);
  }

  private slice(path: string, all: unknown[], apiVersion: string, skipToken: string | null): { value: unknown[]; nextLink?: string } {
    const start = skipToken === null ? 0 : Number(skipToken);
    if (!Number.isInteger(start) || start < 0) throw new ArmError(400, 'InvalidSkipToken', `The skip token ${skipToken} is invalid.`);
    const end = start + this.pageSize;
    const nextLink = end < all.length ? `${this.endpoint}${path}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${end}` : undefined;
    return { value: all.slice(start, end), ...(nextLink ? { nextLink } : {}) };
  }

  /** A write ARM took on: answered now, finished by polling the operation it names. */
  private accepted(status: number, payload: unknown, subscription: string, location: string, apiVersion: string, finish: (ok: boolean) => void) {
    const id = randomUUID();
    const failure = this.operationFailures.shift();
    const stalled = this.stalls > 0;
    if (stalled) this.stalls -= 1;
    this.operations.set(id, { remaining: stalled ? Infinity : this.asyncPolls, failure, finish });
    const base = `${this.endpoint}/subscriptions/${subscription}/providers/Microsoft.Network/locations/${location}`;
    const headers: Record<string, string> = { 'Azure-AsyncOperation': `${base}/operations/${id}?api-version=${apiVersion}` };
    if (status === 202) headers.Location = `${base}/operationResults/${id}?api-version=${apiVersion}`;
    return { status, payload, headers };
  }

  private pollOperation(kind: string, id: string, path: string) {
    const operation = this.operations.get(id);
    if (!operation) throw notFound('Microsoft.Network/locations/operations', path);
    if (operation.remaining > 0) {
      operation.remaining -= 1;
      return kind === 'operations' ? { status: 200, payload: { status: 'InProgress' }, headers: {} } : { status: 202, headers: {} };
    }
    operation.finish(!operation.failure);
    if (operation.failure) {
      return { status: 200, payload: { status: 'Failed', error: operation.failure }, headers: {} };
    }
    return kind === 'operations' ? { status: 200, payload: { status: 'Succeeded' }, headers: {} } : { status: 204, headers: {} };
  }
}
