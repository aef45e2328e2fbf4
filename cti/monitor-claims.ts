// One monitoring session per team leader across every controller. A leader has one desk phone: a second session
// (on another call, perhaps on another Asterisk node's controller) would ring it a second time. So a session first
// claims a Redis key per leader (SET NX with a time to live); the controller running the session refreshes it
// while the session lasts and deletes it when the session ends. A controller that dies stops refreshing: its claim
// goes by itself within MONITOR_CLAIM_TTL_MS, and the leader can listen in again.
import type { Redis } from 'ioredis';
import { Timeout } from '../core/index.ts';
import { PREFIX } from './agent-states.ts';

/** How long a claim lives without a refresh: the longest a dead controller keeps its leader from listening in. */
export const MONITOR_CLAIM_TTL_MS = 15_000;
/** How often the owning controller refreshes it: two refreshes may be missed (Redis slow) before it would lapse. */
export const MONITOR_CLAIM_REFRESH_MS = 5_000;
/** How long a start waits for Redis to answer the claim before it is refused as not checkable. */
export const MONITOR_CLAIM_TIMEOUT_MS = 2_000;

export const monitorClaimKey = (leaderId: number): string => `${PREFIX}monitor:leader:${leaderId}`;

/** What the key holds: the session (only its controller refreshes or deletes the key), its call and its node. */
export interface MonitorClaim {
  session: string;
  callId: string;
  node: string;
}

export function claimValue(claim: MonitorClaim): string {
  return JSON.stringify({ session: claim.session, callId: claim.callId, node: claim.node });
}

/** The claim a key holds; null for nothing or something that is not a claim. */
export function parseClaim(value: string | null): MonitorClaim | null {
  if (value === null) return null;
  try {
    const v = JSON.parse(value) as Partial<MonitorClaim> | null;
    if (typeof v?.session !== 'string' || typeof v.callId !== 'string' || typeof v.node !== 'string')
      return null;
    return { session: v.session, callId: v.callId, node: v.node };
  } catch {
    return null;
  }
}

/** The claims as supervision (ivr/supervision.ts) uses them. */
export interface LeaderClaims {
  /**
   * Claims the leader for this session: null once it is theirs, else the claim already there (another session,
   * on this controller or any other). Rejects with Timeout when Redis does not answer in time.
   */
  claim(leaderId: number, claim: MonitorClaim): Promise<MonitorClaim | null>;
  /** Keeps the session's claim alive (claims it again if it lapsed); false when another session holds it now. */
  refresh(leaderId: number, claim: MonitorClaim): Promise<boolean>;
  /** Lets the leader go, if the claim is still this session's. */
  release(leaderId: number, claim: MonitorClaim): Promise<void>;
}

// KEYS[1] the leader's key; ARGV[1] the claim's value, ARGV[2] the time to live (ms).
/** '' when claimed, else the value there. */
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return '' end
return redis.call('GET', KEYS[1]) or ''`;
/** 1 when the claim is (again) this session's, 0 when another session has it. */
const REFRESH = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisLeaderClaims implements LeaderClaims {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async claim(leaderId: number, claim: MonitorClaim): Promise<MonitorClaim | null> {
    const key = monitorClaimKey(leaderId);
    const value = claimValue(claim);
    const asked = this.#redis.eval(CLAIM, 1, key, value, String(MONITOR_CLAIM_TTL_MS)) as Promise<string>;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>(
      (resolve) => (timer = setTimeout(() => resolve('late'), MONITOR_CLAIM_TIMEOUT_MS)),
    );
    const answer = await Promise.race([asked, late]).finally(() => clearTimeout(timer));
    if (answer === 'late') {
      // the command may still run once Redis is back: a claim made then would hold the leader for nothing
      void asked
        .then((held) => (held === '' ? this.release(leaderId, claim) : undefined))
        .catch(() => undefined);
      throw new Timeout('Redis did not answer the team leader’s monitoring claim in time');
    }
    if (answer === '') return null;
    // something that is not a claim still holds the key: say so as another session's
    return parseClaim(answer) ?? { session: '', callId: '', node: '' };
  }

  async refresh(leaderId: number, claim: MonitorClaim): Promise<boolean> {
    const kept = await this.#redis.eval(
      REFRESH,
      1,
      monitorClaimKey(leaderId),
      claimValue(claim),
      String(MONITOR_CLAIM_TTL_MS),
    );
    return kept === 1;
  }

  async release(leaderId: number, claim: MonitorClaim): Promise<void> {
    await this.#redis.eval(RELEASE, 1, monitorClaimKey(leaderId), claimValue(claim));
  }
}
