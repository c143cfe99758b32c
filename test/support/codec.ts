/** The tests' payload codec key: public, for test histories only (the replay histories are encrypted with it). */
import { codecKeysFrom } from '../../temporal/codec';

export const TEST_CODEC_KEY_ENTRY = 'test1:dGVzdC1vbmx5LWtleS1mb3Itb3JkZXItc2FnYS0wMDA=';
export const TEST_CODEC_KEYS = codecKeysFrom(TEST_CODEC_KEY_ENTRY);
