// The Redis side of the rate limit tests: the real server named by SCIM_TEST_REDIS_URL (.ci/run sets
// it), reached through the two clients docs/rate-limits.md gives adapters for, wrapped exactly as the
// doc wraps them. Without the variable the Redis tests are skipped, except under CI, which fails.
import { createClient } from '@redis/client';
import { Redis } from 'ioredis';
import type { RedisScriptClient } from '../src/lib/limits/redis-limiter.js';

export const redisUrl = process.env.SCIM_TEST_REDIS_URL;
export const redisSkipped =
  redisUrl === undefined
    ? 'SCIM_TEST_REDIS_URL is not set (redis://127.0.0.1:6379 here)'
    : undefined;
if (redisSkipped !== undefined) {
  if (process.env.CI === 'true')
    throw new Error(`CI must test the Redis limiter, but ${redisSkipped}`);
  console.info(`[@scim/server] skipping the Redis rate limiter tests: ${redisSkipped}`);
}

/** One connection, as the limiter sees it (`client`) and as the tests inspect Redis (`admin`). */
export interface RedisConnection {
  readonly name: string;
  readonly client: RedisScriptClient;
  /** The keys under a prefix and their time to live (ms). */
  ttls(prefix: string): Promise<Map<string, number>>;
  deleteUnder(prefix: string): Promise<void>;
  flushScripts(): Promise<void>;
  close(): Promise<void>;
}

/** The adapters of docs/rate-limits.md, one per client, each with and without EVALSHA. */
export const CLIENTS = [
  { name: 'node-redis', evalsha: true, connect: connectNodeRedis },
  { name: 'node-redis (EVAL only)', evalsha: false, connect: connectNodeRedis },
  { name: 'ioredis', evalsha: true, connect: connectIoredis },
] as const;

async function connectNodeRedis(url: string, evalsha: boolean): Promise<RedisConnection> {
  const redis = await createClient({ url }).connect();
  const client: RedisScriptClient = {
    eval: (script, keys, args) => redis.eval(script, { keys: [...keys], arguments: [...args] }),
    ...(evalsha
      ? {
          evalsha: (sha1: string, keys: readonly string[], args: readonly string[]) =>
            redis.evalSha(sha1, { keys: [...keys], arguments: [...args] }),
        }
      : {}),
  };
  return {
    name: 'node-redis',
    client,
    async ttls(prefix) {
      const keys = await redis.keys(`${prefix}*`);
      return new Map(
        await Promise.all(keys.map(async (key) => [key, await redis.pTTL(key)] as const)),
      );
    },
    async deleteUnder(prefix) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(keys);
    },
    async flushScripts() {
      await redis.scriptFlush();
    },
    async close() {
      redis.destroy();
      await Promise.resolve();
    },
  };
}

async function connectIoredis(url: string, evalsha: boolean): Promise<RedisConnection> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  const client: RedisScriptClient = {
    eval: (script, keys, args) => redis.eval(script, keys.length, ...keys, ...args),
    ...(evalsha
      ? {
          evalsha: (sha1: string, keys: readonly string[], args: readonly string[]) =>
            redis.evalsha(sha1, keys.length, ...keys, ...args),
        }
      : {}),
  };
  return {
    name: 'ioredis',
    client,
    async ttls(prefix) {
      const keys = await redis.keys(`${prefix}*`);
      return new Map(
        await Promise.all(keys.map(async (key) => [key, await redis.pttl(key)] as const)),
      );
    },
    async deleteUnder(prefix) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    },
    async flushScripts() {
      await redis.script('FLUSH');
    },
    async close() {
      await redis.quit();
    },
  };
}

/** A prefix no other run or test shares, so tests can run in parallel on one Redis and clean up. */
export function uniquePrefix(): string {
  return `scim-test:rate:${process.pid}:${crypto.randomUUID()}:`;
}
