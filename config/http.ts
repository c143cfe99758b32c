import { z } from 'zod';

const schema = z.object({
  /**
   * Origins (scheme://host:port, comma-separated) whose pages may call the API from a browser. Empty (the default):
   * no cross-origin browser calls; same-origin pages and non-browser clients are unaffected.
   */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((origin) => origin.trim()).filter(Boolean)),
});

export type HttpConfig = z.infer<typeof schema>;

export function loadHttpConfig(env: NodeJS.ProcessEnv = process.env): HttpConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid HTTP configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}
