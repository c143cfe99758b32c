/**
 * The OpenAPI contract (issue 11): GET /openapi.json is a valid OpenAPI 3.1 document generated from the request
 * schemas, it describes every route with its problem codes and every webhook event, and GET /docs serves the
 * interactive docs from this server alone. (Every answer of the other API tests is checked against it: test/api/contract.ts.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SIGN_IN_OPTIONS_ROUTES } from '../../api/routes/sign-in-options';
import { ROUTE_POLICY } from '../../api/auth/policy';
import { buildOpenApiDocument } from '../../api/openapi/document';
import { PROBLEM_CODES } from '../../api/problem-codes';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/events';
import { useService } from './fixtures';

const fixture = useService({ holdMs: 60_000 });

/**
 * Validates a document with @seriousme/openapi-schema-validator (the OpenAPI 3.1 schema plus its own checks), through
 * its CLI: the package is ESM-only and jest runs CommonJS here.
 */
async function validateOpenApi(document: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  const file = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const cli = join(__dirname, '..', '..', 'node_modules', '.bin', 'validate-api');
  const { stdout } = await promisify(execFile)(cli, [file]).catch((failure: { stdout: string }) => failure);
  return JSON.parse(stdout);
}

describe('OpenAPI document', () => {
  test('GET /openapi.json answers a valid OpenAPI 3.1 document, without a token', async () => {
    const answer = await fixture.api.get('/openapi.json', { as: 'anonymous' });
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.0');
    expect(await validateOpenApi(answer.body)).toEqual({ valid: true });
  });

  test('the validator does refuse a broken document (so the check above can fail)', async () => {
    const broken = { ...buildOpenApiDocument(), paths: { '/products': { get: { responses: { 200: { content: 'not an object' } } } } } };
    expect((await validateOpenApi(broken)).valid).toBe(false);
  });

  test('documents every route the API serves (the policy table, sign-in, health), each answer with its problem codes', () => {
    const document = buildOpenApiDocument();
    const routes = [...ROUTE_POLICY, { method: 'POST', path: '/auth/local-sign-in' }, ...SIGN_IN_OPTIONS_ROUTES, { method: 'POST', path: '/payments/events' }, { method: 'GET', path: '/healthz' }, { method: 'GET', path: '/readyz' }];
    for (const { method, path } of routes) {
      const template = path.replace(/:(\w+)/g, '{$1}');
      const operation = (document.paths?.[template] as Record<string, { responses: Record<string, unknown> }> | undefined)?.[method.toLowerCase()];
      expect({ route: `${method} ${template}`, documented: operation !== undefined }).toEqual({ route: `${method} ${template}`, documented: true });
    }
    const placeOrder = document.paths?.['/orders']?.post;
    for (const code of ['OUT_OF_STOCK', 'ORDER_TOTAL_OUT_OF_RANGE', 'IDEMPOTENCY_KEY_REUSED', 'VALIDATION_FAILED'] as const) {
      const response = placeOrder?.responses?.[String(PROBLEM_CODES[code].status)] as { description: string } | undefined;
      expect(response?.description).toContain(code);
    }
    expect(JSON.stringify(placeOrder?.parameters)).toContain('Idempotency-Key');
    const deliveries = document.paths?.['/webhooks/{id}/deliveries']?.get;
    expect(deliveries?.responses?.['404']?.description).toContain('WEBHOOK_NOT_FOUND');
    expect((deliveries?.parameters as Array<{ name: string }>).map((parameter) => parameter.name).sort()).toEqual(['cursor', 'id', 'limit']);
  });

  test('documents every webhook event with its payload and the signature headers', () => {
    const events = buildOpenApiDocument().webhooks ?? {};
    expect(Object.keys(events).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    const confirmed = JSON.stringify(events['order.confirmed']);
    for (const part of ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'OrderEventData']) expect(confirmed).toContain(part);
    expect(JSON.stringify(events['product.sold_out'])).toContain('SoldOutEventData');
  });

  test('request schemas are the validating ones: the product id pattern refuses 0x1', () => {
    const parameters = buildOpenApiDocument().paths?.['/products/{id}']?.get?.parameters as Array<{ schema: { pattern: string } }>;
    expect(new RegExp(parameters[0].schema.pattern).test('0x1')).toBe(false);
    expect(new RegExp(parameters[0].schema.pattern).test('42')).toBe(true);
  });
});

describe('interactive docs', () => {
  test('GET /docs serves Swagger UI from this server only, and its assets load', async () => {
    const page = await fixture.api.get('/docs', { as: 'anonymous' });
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    const sources = [...String(page.body).matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(source.startsWith('/')).toBe(true);
      const asset = await fixture.api.get(source, { as: 'anonymous' });
      expect({ source, status: asset.status }).toEqual({ source, status: 200 });
    }
  });
});
