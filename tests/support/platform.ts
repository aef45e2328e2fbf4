// The platform under test, started in this process against the private stack, with settings suited to tests.
import { Redis } from 'ioredis';
import { createLogger, type Logger } from '../../core/index.ts';
import { startPlatform, type Platform, type Role } from '../../main.ts';
import { ariGet, eventually, stackConfig } from './env.ts';

export interface TestPlatform extends Platform {
  url: string;
  app: string;
}

/**
 * Empties the ACD's shared state (agent states, queues) in Redis. The suite's files run one after another
 * against one stack; an agent left available by an earlier file must not take this file's calls.
 */
export async function resetAcd(): Promise<void> {
  const redis = new Redis(stackConfig().redisUrl);
  try {
    const keys = await redis.keys('hotline:*');
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** `log`: the platform's logger (a bench reads what the controller logs); by default warnings and errors only. */
export async function startTestPlatform(
  overrides: Record<string, string> = {},
  opts: { log?: Logger } = {},
): Promise<TestPlatform> {
  const config = stackConfig({
    HOTLINE_HTTP_PORT: '0',
    HOTLINE_WRAP_UP_S: '0',
    HOTLINE_RING_TIMEOUT_S: '6',
    HOTLINE_DIGIT_TIMEOUT_MS: '4000',
    ...overrides,
  });
  await resetAcd();
  const log = opts.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', 'hotline-test');
  const platform = await startPlatform(config, { log });
  // Calls are dropped by Asterisk until the Stasis app is registered.
  await eventually(
    async () => (await ariGet(`/applications/${config.ari.app}`)).status === 200,
    'the Stasis app to be registered',
  );
  return { ...platform, url: platform.url!, app: config.ari.app };
}

/**
 * Some roles of the platform without the IVR (no Stasis app to wait for), in this process: e.g. the API alone and
 * the workers alone, so that a test can stop and start the workers while the API stays up. The ACD's state in
 * Redis is left as it is.
 */
export async function startTestRoles(
  roles: Exclude<Role, 'ivr'>[],
  overrides: Record<string, string> = {},
  opts: { log?: Logger } = {},
): Promise<Platform> {
  const config = stackConfig({ HOTLINE_HTTP_PORT: '0', ...overrides });
  const log = opts.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', 'hotline-test');
  return startPlatform(config, { roles, log });
}
