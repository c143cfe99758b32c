import './zod-extension';
import { invariantCheckBodySchema, summaryQuerySchema } from '../validation';
import { BODY_CODES, json, jsonBody, type RegisterRoute } from './route-helpers';
import { consoleSettingsResponse, consoleSummaryResponse, invariantCheckResponse } from './console-schemas';

/** The operator console's read-only routes (api/routes/console.ts): staff only, running a check is the operator's. */
export function registerConsolePaths(route: RegisterRoute): void {
  const tags = ['console'];
  route({ method: 'get', path: '/console/settings', summary: 'What the console page links to (operator, admin)', tags, responses: { 200: json(consoleSettingsResponse, 'the settings') } }, []);
  route(
    {
      method: 'get',
      path: '/console/summary',
      summary: 'Sales figures over a window, units left, sagas in flight and the latest invariant check (operator, admin)',
      tags,
      request: { query: summaryQuerySchema },
      responses: { 200: json(consoleSummaryResponse, 'one console frame (cached for a second per window)') },
    },
    ['VALIDATION_FAILED'],
  );
  route(
    {
      method: 'post',
      path: '/console/invariant-checks',
      summary: 'Run the invariant checker now; a second request while one runs gets that run (operator)',
      tags,
      request: jsonBody(invariantCheckBodySchema, false),
      responses: { 200: json(invariantCheckResponse, 'the check, also kept as the latest') },
    },
    BODY_CODES,
  );
  route(
    { method: 'get', path: '/console/invariant-checks/latest', summary: 'The latest invariant check (operator, admin)', tags, responses: { 200: json(invariantCheckResponse, 'the latest check') } },
    ['NO_INVARIANT_CHECK'],
  );
}
