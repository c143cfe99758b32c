import { z } from 'zod';

/**
 * How to reach a secured Temporal (a cluster with TLS or mTLS, or Temporal Cloud): paths of PEM files, and an API
 * key. All unset: plain gRPC, as the local dev server wants.
 */
const schema = z.object({
  /** `true` for TLS with the system's CAs (Temporal Cloud with an API key needs nothing else). */
  TEMPORAL_TLS: z.enum(['', 'true', 'false']).default(''),
  /** PEM of the CA that signed the server's certificate (a private CA). */
  TEMPORAL_TLS_CA: z.string().default(''),
  /** mTLS: PEM client certificate and its key (both or neither). */
  TEMPORAL_TLS_CERT: z.string().default(''),
  TEMPORAL_TLS_KEY: z.string().default(''),
  /** The name the server's certificate is for, when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().default(''),
  /** Temporal Cloud API key (sent as a bearer token; implies TLS). */
  TEMPORAL_API_KEY: z.string().default(''),
}).refine((env) => (env.TEMPORAL_TLS_CERT === '') === (env.TEMPORAL_TLS_KEY === ''), {
  message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS)',
  path: ['TEMPORAL_TLS_CERT'],
});

export type TemporalSecurityConfig = z.infer<typeof schema>;

export function loadTemporalSecurity(env: NodeJS.ProcessEnv = process.env): TemporalSecurityConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid Temporal connection configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}
