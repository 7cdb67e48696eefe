// The REST API described as OpenAPI 3.1 (JSON Schema 2020-12), served at
// GET /api/v1/openapi.json. Written by hand beside the routes; the API tests
// validate every real answer against it (test/http/api/openapi-check.ts), so a
// route and its description cannot drift apart unnoticed.

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, ...json(ref('Error')) });

const UNAUTHORIZED = {
  description: 'No token, or one that is not valid, has expired or was revoked (`WWW-Authenticate: Bearer`).',
  ...json(ref('Error')),
};
const UNAVAILABLE = error('The database cannot be reached, or the call could not be recorded in the audit log: nothing was done.');
const INTERNAL = error('Something failed on the bot’s side (it is logged): try again; if it keeps failing, tell the bot’s admins.');
const ID = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'A request id (six characters) as POST /api/v1/requests returned.',
  schema: { type: 'string' },
};

const PROTOCOL = { enum: ['TCP', 'UDP', '*'] };

/** Azure's list of VMs (`id`, `name`, `ports`), each port as `port` says: a request's and the policy's share it. */
const vmList = (port: object) => ({
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'name', 'ports'],
    additionalProperties: false,
    properties: { id: { type: 'string' }, name: { type: 'string' }, ports: { type: 'array', items: port } },
  },
});

const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', description: 'Stable: token_missing, token_invalid, token_expired, token_revoked, invalid_request, not_found, …' },
          message: { type: 'string', description: 'What went wrong and what to do.' },
          problems: { type: 'array', items: ref('Problem') },
        },
      },
    },
  },
  Problem: {
    type: 'object',
    required: ['field', 'message'],
    additionalProperties: false,
    properties: { field: { type: 'string', description: 'Where in the body, e.g. virtualMachines[0].ports[0].endTimeUtc.' }, message: { type: 'string' } },
  },
  InitiateRequest: {
    type: 'object',
    description: "Azure's `initiate` body, plus `duration` as an alternative to `endTimeUtc`. One call is one request: every port has the same source and end.",
    required: ['virtualMachines'],
    properties: {
      virtualMachines: {
        type: 'array',
        minItems: 1,
        maxItems: 10,
        items: {
          type: 'object',
          required: ['id', 'ports'],
          properties: {
            id: { type: 'string', description: "The VM's name in the policy, or its Azure resource id." },
            ports: {
              type: 'array',
              minItems: 1,
              maxItems: 20,
              items: {
                type: 'object',
                required: ['number'],
                properties: {
                  number: { type: 'integer', minimum: 1, maximum: 65535 },
                  protocol: PROTOCOL,
                  allowedSourceAddressPrefix: { type: 'string', examples: ['198.51.100.7'] },
                  allowedSourceAddressPrefixes: { type: 'array', minItems: 1, maxItems: 1, items: { type: 'string' } },
                  endTimeUtc: { type: 'string', format: 'date-time' },
                  duration: { type: 'string', description: 'ISO 8601, e.g. PT1H (instead of endTimeUtc).' },
                },
              },
            },
          },
        },
      },
      justification: { type: 'string', maxLength: 1000 },
    },
  },
  RequestResult: {
    type: 'object',
    required: ['id', 'state', 'outcome', 'requests'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', description: 'The id to GET and revoke (a batch: its first VM’s request).' },
      state: ref('State'),
      outcome: { enum: ['approved', 'waiting_for_approval', 'denied', 'ended'] },
      requests: { type: 'array', minItems: 1, items: ref('Request') },
    },
  },
  State: { enum: ['pending', 'approved', 'active', 'closing', 'closed', 'denied', 'cancelled', 'timed_out', 'failed'] },
  Request: {
    type: 'object',
    required: ['id', 'state', 'requestor', 'justification', 'createdUtc', 'duration', 'decision', 'virtualMachines'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      state: ref('State'),
      requestor: { type: 'string', description: 'The Slack user id of the token’s owner.' },
      justification: { type: 'string' },
      createdUtc: { type: 'string', format: 'date-time' },
      duration: { type: 'string', description: 'How long access lasts once open (ISO 8601).' },
      startTimeUtc: { type: 'string', format: 'date-time' },
      endTimeUtc: { type: 'string', format: 'date-time' },
      decision: {
        type: 'object',
        required: ['effect', 'matchedRule', 'approvalsNeeded', 'approvals', 'reasons'],
        additionalProperties: false,
        properties: {
          effect: { enum: ['approve', 'deny', 'require_approval', 'break_glass'] },
          matchedRule: { type: ['string', 'null'] },
          approvalsNeeded: { type: 'integer', minimum: 0 },
          approvals: { type: 'array', items: { type: 'string' } },
          reasons: { type: 'array', items: { type: 'string' } },
        },
      },
      virtualMachines: vmList({
        type: 'object',
        required: ['number', 'protocol', 'allowedSourceAddressPrefix', 'status'],
        additionalProperties: false,
        properties: {
          number: { type: 'integer' },
          protocol: PROTOCOL,
          allowedSourceAddressPrefix: { type: 'string' },
          endTimeUtc: { type: 'string', format: 'date-time' },
          status: { enum: ['Pending', 'Initiated', 'Revoked', 'Denied', 'Cancelled', 'TimedOut', 'Failed'] },
          statusReason: { type: 'string' },
        },
      }),
    },
  },
  Policy: {
    type: 'object',
    description: "Azure's jitNetworkAccessPolicies resource, with the VMs and ports one may ask for.",
    required: ['name', 'kind', 'properties'],
    additionalProperties: false,
    properties: {
      name: { const: 'default' },
      kind: { const: 'Basic' },
      properties: {
        type: 'object',
        required: ['virtualMachines'],
        additionalProperties: false,
        properties: {
          virtualMachines: vmList({
            type: 'object',
            required: ['number', 'protocol', 'maxRequestAccessDuration'],
            additionalProperties: false,
            properties: {
              number: { type: 'integer' },
              protocol: PROTOCOL,
              allowedSourceAddressPrefix: { type: 'string' },
              allowedSourceAddressPrefixes: { type: 'array', items: { type: 'string' } },
              maxRequestAccessDuration: { type: 'string' },
            },
            oneOf: [{ required: ['allowedSourceAddressPrefix'] }, { required: ['allowedSourceAddressPrefixes'] }],
          }),
        },
      },
    },
  },
};

const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'jit-access-bot REST API',
    version: '1',
    description:
      'Just-in-time VM access for scripts. Authenticate with a token from `/jit token create` in Slack (`Authorization: Bearer jit_…`); a call acts as the token’s owner, goes through the same rules and approvals as Slack, and is recorded in the audit log before it acts.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'jit_<id>_<secret>' } },
    schemas,
  },
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document.',
        security: [],
        responses: { '200': { description: 'The OpenAPI document.', ...json({ type: 'object', required: ['openapi', 'paths'] }) } },
      },
    },
    '/api/v1/policy': {
      get: {
        operationId: 'getPolicy',
        summary: 'The VMs and ports one may ask for, in Azure’s jitNetworkAccessPolicies shape.',
        responses: { '200': { description: 'The running policy.', ...json(ref('Policy')) }, '401': UNAUTHORIZED, '500': INTERNAL, '503': UNAVAILABLE },
      },
    },
    '/api/v1/requests': {
      post: {
        operationId: 'createRequest',
        summary: 'Ask for access (Azure’s initiate), as the token’s owner.',
        requestBody: { required: true, ...json(ref('InitiateRequest')) },
        responses: {
          '201': { description: 'Created and decided: approved (access opens), or denied.', ...json(ref('RequestResult')) },
          '202': { description: 'Created; waiting for approvers in Slack. Poll GET /api/v1/requests/{id}.', ...json(ref('RequestResult')) },
          '400': error('The body does not have the shape described (the problems say where).'),
          '401': UNAUTHORIZED,
          '413': error('The body is larger than 64 KB.'),
          '415': error('The body is not sent as application/json.'),
          '422': error('The policy does not allow it as asked (unknown VM, port, source, duration, justification): the problems say what to change.'),
          '429': error('Too many requests in the last minute (`Retry-After` says when to try again).'),
          '500': INTERNAL,
          '503': UNAVAILABLE,
        },
      },
    },
    '/api/v1/requests/{id}': {
      get: {
        operationId: 'getRequest',
        summary: 'One request (a batch: every VM’s), for its requester, its approvers, admins and audit readers.',
        parameters: [ID],
        responses: {
          '200': { description: 'The request as it is now.', ...json(ref('RequestResult')) },
          '401': UNAUTHORIZED,
          '404': error('No such request, or not one you may see.'),
          '500': INTERNAL,
          '503': UNAVAILABLE,
        },
      },
    },
    '/api/v1/requests/{id}/revoke': {
      post: {
        operationId: 'revokeRequest',
        summary: 'End a request: withdraw it while it waits for approval, close access once open.',
        parameters: [ID],
        responses: {
          '200': { description: 'The request after it ended.', ...json(ref('RequestResult')) },
          '401': UNAUTHORIZED,
          '403': error('Not yours to end (an approver may revoke open access, only the requester may withdraw a waiting request).'),
          '404': error('No such request, or not one you may see.'),
          '409': error('Nothing to end: it has ended already.'),
          '500': INTERNAL,
          '503': UNAVAILABLE,
        },
      },
    },
  },
} as const;

export function openApiDocument(): typeof DOCUMENT {
  return DOCUMENT;
}
