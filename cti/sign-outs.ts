// Sign-out on the server. A session token is a JWT valid for 12 hours; signing out (POST /api/auth/logout) notes
// the moment in Redis, and from then on every token of that person issued before it is refused: on the API, on the
// socket, and for the queue board's pass. The note lives as long as a token can, then goes by itself.
//
// Redis away: the check gives up after CHECK_WAIT_MS and lets the token through (it is still signed and unexpired),
// so that ticket work, which needs only PostgreSQL, goes on while Redis restarts.
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.ts';

/** How long a session token lives (cti/server.ts signs them so); a sign-out is kept as long. */
export const SESSION_TTL_MS = 12 * 3_600_000;
const CHECK_WAIT_MS = 500;

const key = (agentId: number): string => `hotline:signed-out:${agentId}`;

export class SignOuts {
  readonly #redis: Redis;
  readonly #log: Logger;

  constructor(redis: Redis, log: Logger) {
    this.#redis = redis;
    this.#log = log;
  }

  /** Every token of the agent issued before this second stops working. */
  async signOut(agentId: number): Promise<void> {
    await this.#redis.set(key(agentId), String(Math.floor(Date.now() / 1000)), 'EX', SESSION_TTL_MS / 1000);
  }

  /** Whether a token of the agent issued at `issuedAtS` (its `iat`) was signed out of since. */
  async signedOut(agentId: number, issuedAtS: number | undefined): Promise<boolean> {
    const at = await Promise.race([
      this.#redis.get(key(agentId)).catch((err: Error) => {
        this.#log.warn({ err: err.message }, 'could not check the sign-outs; the token is let through');
        return null;
      }),
      delay(CHECK_WAIT_MS, null, { ref: false }),
    ]);
    return at !== null && (issuedAtS ?? 0) < Number(at);
  }
}
