// The private stack's settings (ops/stack.sh writes them to .stack/stack.env).
import { loadConfig, readEnv, type Config } from '../../core/index.ts';

export const env = readEnv();

/** The agents' desk phones listen on this port + their seat (ops/stack.sh, pjsip.conf). */
export const PHONE_BASE_PORT = Number(env.HOTLINE_PHONE_BASE_PORT ?? 5170);

/**
 * How far this stack's ports are from the defaults (HOTLINE_PHONE_BASE_PORT - 5170): the sipp phones of the
 * tests move by as much (their media ports by five times as much), so two stacks on one machine (two Asterisk
 * instances, or two checkouts testing at once) never share a port.
 */
export const PORT_SHIFT = PHONE_BASE_PORT - 5170;

export function stackConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...env, ...overrides });
}

export function ariAuthHeader(): string {
  return 'Basic ' + Buffer.from(`${env.HOTLINE_ARI_USER}:${env.HOTLINE_ARI_PASSWORD}`).toString('base64');
}

/** GET on Asterisk's REST interface (the first Asterisk's unless `ariUrl`); returns status and JSON body (or null). */
export async function ariGet(
  path: string,
  ariUrl = env.HOTLINE_ARI_URL,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${ariUrl}/ari${path}`, {
    headers: { authorization: ariAuthHeader() },
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** DELETE on Asterisk's REST interface (hang up a channel); returns the status. */
export async function ariDelete(path: string, ariUrl = env.HOTLINE_ARI_URL): Promise<number> {
  const res = await fetch(`${ariUrl}/ari${path}`, {
    method: 'DELETE',
    headers: { authorization: ariAuthHeader() },
  });
  return res.status;
}

/** Polls until `check` returns a value other than undefined/false, or fails after timeoutMs. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Runs a test's body, then every clean-up step, each even when an earlier one failed (a desk that cannot sign out
 * must not leave its sipp phone running into the next test). When the body failed, clean-up failures are only
 * printed, so they do not hide the body's error; otherwise the first one fails the test.
 */
export async function withCleanUp(
  body: () => Promise<void>,
  ...steps: (() => Promise<unknown> | void)[]
): Promise<void> {
  const cleanUp = async (): Promise<unknown[]> => {
    const errors: unknown[] = [];
    for (const step of steps)
      await Promise.resolve()
        .then(step)
        .catch((err: unknown) => errors.push(err));
    return errors;
  };
  try {
    await body();
  } catch (err) {
    for (const e of await cleanUp()) console.warn('clean-up after a failed test also failed:', e);
    throw err;
  }
  const [first] = await cleanUp();
  if (first !== undefined)
    throw first instanceof Error ? first : new Error(`clean-up failed: ${JSON.stringify(first)}`);
}
