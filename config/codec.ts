import { z } from 'zod';

/**
 * Keys of the workflow payload codec (AES-256-GCM). TEMPORAL_CODEC_KEYS lists every key that may have encrypted a
 * payload still in history, as `id:base64key` (32 bytes) separated by commas; TEMPORAL_CODEC_KEY_ID names the one
 * new payloads are encrypted with. Rotation: add a key, make it current, keep the old one listed while histories
 * encrypted with it are retained. Unset: payloads are written in clear (`npm start` always sets a local key).
 */
const schema = z
  .object({
    TEMPORAL_CODEC_KEYS: z.string().default(''),
    TEMPORAL_CODEC_KEY_ID: z.string().default(''),
  })
  .transform((env, ctx) => {
    const keys = new Map<string, Buffer>();
    for (const entry of env.TEMPORAL_CODEC_KEYS.split(',').map((text) => text.trim()).filter(Boolean)) {
      const colon = entry.indexOf(':');
      const id = entry.slice(0, colon);
      const key = Buffer.from(entry.slice(colon + 1), 'base64');
      if (colon < 1 || key.length !== 32) {
        ctx.addIssue({ code: 'custom', path: ['TEMPORAL_CODEC_KEYS'], message: 'each entry must be id:<32 bytes in base64>' });
        return z.NEVER;
      }
      keys.set(id, key);
    }
    const currentKeyId = env.TEMPORAL_CODEC_KEY_ID || (keys.size === 1 ? [...keys.keys()][0] : '');
    if (keys.size > 0 && !keys.has(currentKeyId)) {
      ctx.addIssue({ code: 'custom', path: ['TEMPORAL_CODEC_KEY_ID'], message: 'must name one of the keys in TEMPORAL_CODEC_KEYS' });
      return z.NEVER;
    }
    return { keys, currentKeyId };
  });

export type CodecKeys = z.infer<typeof schema>;

export function loadCodecKeys(env: NodeJS.ProcessEnv = process.env): CodecKeys {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid codec configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}
