// The private stack's settings (ops/stack.sh writes them to .stack/stack.env).
import { loadConfig, readEnv, type Config } from '../../core/index.ts';

export const env = readEnv();

export function stackConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...env, ...overrides });
}

export function ariAuthHeader(): string {
  return 'Basic ' + Buffer.from(`${env.HOTLINE_ARI_USER}:${env.HOTLINE_ARI_PASSWORD}`).toString('base64');
}

/** GET on Asterisk's REST interface; returns status and JSON body (or null). */
export async function ariGet(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${env.HOTLINE_ARI_URL}/ari${path}`, {
    headers: { authorization: ariAuthHeader() },
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
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
