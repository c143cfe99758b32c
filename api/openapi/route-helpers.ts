import './zod-extension';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { CATALOGUE_MAX_AGE_SECONDS } from '../catalogue-caching';
import type { ProblemCode } from '../problem-codes';

/** Pieces every part of the OpenAPI document (api/openapi/*-paths.ts) describes its operations with. */

/** Every route that reads a JSON body can refuse it like this. */
export const BODY_CODES: ProblemCode[] = ['VALIDATION_FAILED', 'MALFORMED_JSON', 'BAD_REQUEST', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_ENCODING'];
/** A POST that takes no body (cancel, rotate a secret) still refuses one it cannot read. */
export const NO_BODY_CODES: ProblemCode[] = ['UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_JSON', 'BODY_TOO_LARGE'];
/** Every route behind authentication. */
export const CALLER_CODES: ProblemCode[] = ['UNAUTHENTICATED', 'FORBIDDEN'];
/** A request line the server cannot read (e.g. a malformed percent-encoding), and failures of a backing service. */
export const SERVICE_CODES: ProblemCode[] = ['BAD_REQUEST', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE'];

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
export const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({ body: { required, content: { 'application/json': { schema } } } });
export const idParam = (schema: z.ZodType) => z.object({ id: schema });
/** What a public catalogue read answers beside its body (api/catalogue-caching.ts). */
export const cachingHeaders = {
  'Cache-Control': {
    description: `a visitor's answer (no Authorization): public, max-age=${CATALOGUE_MAX_AGE_SECONDS}, s-maxage=${CATALOGUE_MAX_AGE_SECONDS}; a signed-in caller's: private, no-cache`,
    schema: { type: 'string' as const },
  },
  ETag: { description: 'send it back as If-None-Match: 304 while the answer is unchanged', schema: { type: 'string' as const } },
  Vary: { description: 'Authorization', schema: { type: 'string' as const } },
};
export const locationHeader = { Location: { description: 'where the resource is read', schema: { type: 'string' as const } } };

/** Registers an authenticated operation, answering its own problem codes and those every authenticated route may. */
export type RegisterRoute = (config: RouteConfig, codes: ProblemCode[]) => void;
