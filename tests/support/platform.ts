// The platform under test, started in this process against the private stack, with settings suited to tests.
import { createLogger } from '../../core/index.ts';
import { startPlatform, type Platform } from '../../main.ts';
import { ariGet, eventually, stackConfig } from './env.ts';

export interface TestPlatform extends Platform {
  url: string;
  app: string;
}

export async function startTestPlatform(overrides: Record<string, string> = {}): Promise<TestPlatform> {
  const config = stackConfig({
    HOTLINE_HTTP_PORT: '0',
    HOTLINE_WRAP_UP_S: '0',
    HOTLINE_RING_TIMEOUT_S: '6',
    HOTLINE_DIGIT_TIMEOUT_MS: '4000',
    ...overrides,
  });
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', 'hotline-test');
  const platform = await startPlatform(config, { log });
  // Calls are dropped by Asterisk until the Stasis app is registered.
  await eventually(
    async () => (await ariGet(`/applications/${config.ari.app}`)).status === 200,
    'the Stasis app to be registered',
  );
  return { ...platform, url: platform.url!, app: config.ari.app };
}
