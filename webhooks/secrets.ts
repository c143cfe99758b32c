/** Endpoint ids and signing secrets: random, and secrets in the Standard Webhooks form `whsec_<base64 of 32 bytes>`. */
import { randomBytes } from 'node:crypto';

export const newEndpointId = (): string => `whk_${randomBytes(12).toString('hex')}`;
export const newSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
