// Checks the REST API against its own OpenAPI document, independently of the
// code that wrote it: every answer a test receives is validated with ajv
// (JSON Schema 2020-12, as OpenAPI 3.1 uses) against the schema the document
// gives for that path, method and status; an undocumented status fails. At
// the end a test asks which documented operations no answer exercised.

import { Ajv2020 } from 'ajv/dist/2020.js';
import * as formats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

type AddFormats = (ajv: Ajv2020) => unknown;
// ajv-formats is CommonJS: under ESM its function is the default export, or that export's own default.
const imported = (formats as unknown as { default: AddFormats | { default: AddFormats } }).default;
const addFormats: AddFormats = typeof imported === 'function' ? imported : imported.default;

type Operation = { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> };
export type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, Operation>> };

const BASE = 'https://jit.test/openapi.json';

export class OpenApiCheck {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly exercised = new Set<string>();
  private readonly templates: { template: string; pattern: RegExp }[];

  constructor(readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema({ ...document, $id: BASE });
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** The documented operations, as `GET /api/v1/policy`. */
  operations(): string[] {
    return Object.entries(this.document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
  }

  /** Documented operations no checked answer exercised. */
  unexercised(): string[] {
    return this.operations().filter((operation) => !this.exercised.has(operation));
  }

  /** The problems with one real answer; empty when it is what the document says. */
  check(method: string, url: string, status: number, body: unknown): string[] {
    const path = new URL(url, 'http://x').pathname;
    const template = this.templates.find((t) => t.pattern.test(path))?.template;
    if (template === undefined) return [`${method} ${path}: no such path in the document`];
    const operation = this.document.paths[template]?.[method.toLowerCase()];
    if (operation === undefined) return [`${method} ${template}: not documented`];
    const response = operation.responses[String(status)];
    if (response === undefined) return [`${method} ${template}: status ${status} is not documented`];
    this.exercised.add(`${method.toUpperCase()} ${template}`);
    const schema = response.content?.['application/json']?.schema;
    if (schema === undefined) return [];
    const validate = this.validator(schema);
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${method} ${template} ${status}: ${e.instancePath} ${e.message}`);
  }

  private validator(schema: Record<string, unknown>): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      const ref = schema.$ref;
      validate = this.ajv.compile(typeof ref === 'string' && ref.startsWith('#/') ? { $ref: `${BASE}${ref}` } : schema);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}
