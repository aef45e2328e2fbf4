// One monitoring session per team leader across every controller, as pure logic: the key each leader is claimed
// under, what a claim holds, and how long a claim lives. The claims themselves (Redis, SET NX and its time to
// live) are tested on the stack, in tests/stack/supervision.test.ts.
import { describe, expect, it } from 'vitest';
import { REPLY_TIMEOUT_MS } from '../../cti/call-commands.ts';
import {
  claimValue,
  MONITOR_CLAIM_REFRESH_MS,
  MONITOR_CLAIM_TIMEOUT_MS,
  MONITOR_CLAIM_TTL_MS,
  monitorClaimKey,
  parseClaim,
} from '../../cti/monitor-claims.ts';

describe('a team leader’s monitoring claim', () => {
  it('is one key per leader, whichever call and controller the session is on', () => {
    expect(monitorClaimKey(7)).toBe('hotline:monitor:leader:7');
    expect(monitorClaimKey(7)).not.toBe(monitorClaimKey(70));
  });

  it('names its session, call and controller, and reads back; anything else in the key is no claim', () => {
    const claim = { session: 's-1', callId: 'c-1', node: 'hotline2-4242' };
    expect(parseClaim(claimValue(claim))).toEqual(claim);
    expect(parseClaim(JSON.stringify({ ...claim, extra: 1 }))).toEqual(claim);
    for (const other of [null, '', 'OK', 'null', '[]', '{"session":1,"callId":"c","node":"n"}']) {
      expect(parseClaim(other)).toBeNull();
    }
  });

  it('lapses within 15 s of its controller dying, but outlives two missed refreshes of a live one', () => {
    expect(MONITOR_CLAIM_TTL_MS).toBeLessThanOrEqual(15_000);
    expect(MONITOR_CLAIM_TTL_MS).toBeGreaterThan(2 * MONITOR_CLAIM_REFRESH_MS);
  });

  it('is answered (or refused as not checkable) before the API stops waiting for the controller', () => {
    expect(MONITOR_CLAIM_TIMEOUT_MS).toBeLessThan(REPLY_TIMEOUT_MS);
  });
});
