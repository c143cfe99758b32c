import { loadQueueConfig } from '../../config/queue';

const JWT_SECRET = 'j'.repeat(32);
const ORDER_ID_SECRET = 'o'.repeat(32);

describe('the waiting room ticket keys', () => {
  it('are derived from AUTH_JWT_SECRET when none are set', () => {
    expect(loadQueueConfig({ AUTH_JWT_SECRET: JWT_SECRET }, {}).keys.map((key) => key.kid)).toEqual(['auth']);
  });

  it('are derived from ORDER_ID_SECRET where tokens are verified through AUTH_JWKS_URL alone', () => {
    const [key] = loadQueueConfig({ ORDER_ID_SECRET }, {}).keys;
    expect(key.kid).toBe('order-ids');
    expect(key.secret.toString()).not.toContain(ORDER_ID_SECRET);
  });

  it('are QUEUE_TICKET_KEYS when set, the first signing', () => {
    const keys = loadQueueConfig({ AUTH_JWT_SECRET: JWT_SECRET }, { QUEUE_TICKET_KEYS: `new:${'n'.repeat(32)},old:${'p'.repeat(32)}` }).keys;
    expect(keys.map((key) => key.kid)).toEqual(['new', 'old']);
  });

  it('refuse to start without any service secret to sign with', () => {
    expect(() => loadQueueConfig({}, {})).toThrow(/QUEUE_TICKET_KEYS/);
  });

  it('refuse a short secret, naming the variable', () => {
    expect(() => loadQueueConfig({ AUTH_JWT_SECRET: JWT_SECRET }, { QUEUE_TICKET_KEYS: 'k1:short' })).toThrow(/QUEUE_TICKET_KEYS must be kid:secret pairs/);
  });
});
