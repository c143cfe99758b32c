import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { loadCodecKeys, type CodecKeys } from '../config/codec';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ProtoPayload = temporal.api.common.v1.Payload;

/**
 * Encrypts every workflow payload (inputs, results, update arguments, activity inputs: payment tokens, customer ids,
 * amounts) with AES-256-GCM before it leaves the process, so Temporal's history holds ciphertext only. The whole
 * payload (metadata and data) is sealed; the outer metadata names the key, so keys can rotate: encrypt with the
 * current key, decrypt with any listed one. Payloads that were never encrypted (histories recorded before) pass through.
 */
export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {
    if (!keys.keys.has(keys.currentKeyId)) throw new Error('the current codec key is not among the keys');
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.keys.get(this.keys.currentKeyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(ProtoPayload.encode(payload).finish()), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: encoder.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: encoder.encode(this.keys.currentKeyId),
          [CIPHER_METADATA]: encoder.encode(CIPHER),
        },
        data: Buffer.concat([iv, sealed]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      const keyId = keyIdBytes ? decoder.decode(keyIdBytes) : '';
      const key = this.keys.keys.get(keyId);
      if (!key) throw new Error(`payload encrypted with codec key "${keyId}", which is not in TEMPORAL_CODEC_KEYS`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return ProtoPayload.decode(plain);
    });
  }
}

/**
 * The data converter of every client and worker: the codec when keys are configured, else Temporal's default.
 * Failure messages and stack traces go into an (encrypted) payload too, since they can name a decline reason.
 */
export function dataConverterFor(keys: CodecKeys = loadCodecKeys()): DataConverter | undefined {
  if (keys.keys.size === 0) return undefined;
  return { payloadCodecs: [new AesGcmCodec(keys)], failureConverterPath: require.resolve('./failure-converter') };
}

/** Keys from a single `id:base64key` entry (tests, scripts). */
export const codecKeysFrom = (entry: string): CodecKeys => loadCodecKeys({ TEMPORAL_CODEC_KEYS: entry });
