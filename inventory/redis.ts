import { Redis } from 'ioredis';

export class RedisUnreachableError extends Error {}

const START_REDIS = `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no`;

/** Connects and pings once, so a service that cannot reach Redis says so at start, in one line. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, connectTimeout: 2_000, retryStrategy: (times) => Math.min(times * 100, 2_000) });
  // Connection errors surface through the commands that fail; the event itself only keeps the latest cause.
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    const cause = (lastError ?? (error as Error)).message;
    throw new RedisUnreachableError(`Redis is not reachable at ${url}: ${cause}. Start it with: ${START_REDIS}`);
  }
}
