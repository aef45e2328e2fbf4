// The team leader's modes as pure logic: who hears the leader, which snoop each mode needs, and the steps from one
// mode to another without dialling the leader's phone again.
import { describe, expect, it } from 'vitest';
import { monitorButtons } from '../../agent-ui/src/team-overview.ts';
import { hearsLeader, monitorSteps, snoopFor } from '../../ivr/monitor-modes.ts';

const kinds = (steps: ReturnType<typeof monitorSteps>) => steps.map((s) => s.do);

describe('team leader monitoring modes', () => {
  it('listen: nobody hears the leader; whisper: only the agent; barge: both', () => {
    expect(hearsLeader('listen')).toEqual({ owner: false, agent: false });
    expect(hearsLeader('whisper')).toEqual({ owner: false, agent: true });
    expect(hearsLeader('barge')).toEqual({ owner: true, agent: true });
  });

  it('listens on the owner’s channel both ways, whispers into what the agent hears, barges without a snoop', () => {
    expect(snoopFor('listen')).toEqual({ on: 'owner', spy: 'both', whisper: 'none' });
    expect(snoopFor('whisper')).toEqual({ on: 'agent', spy: 'both', whisper: 'out' });
    expect(snoopFor('barge')).toBeNull();
  });

  it('a just-answered phone gets its snoop and the session bridge, or joins the call for a barge', () => {
    expect(kinds(monitorSteps(null, 'listen'))).toEqual(['snoop', 'join-monitor-bridge']);
    expect(kinds(monitorSteps(null, 'whisper'))).toEqual(['snoop', 'join-monitor-bridge']);
    expect(kinds(monitorSteps(null, 'barge'))).toEqual(['join-call-bridge']);
  });

  it('listen to whisper joins the new snoop before the old one goes (no gap)', () => {
    const steps = monitorSteps('listen', 'whisper');
    expect(kinds(steps)).toEqual(['snoop', 'join-monitor-bridge', 'drop-old-snoop']);
    expect(steps[0]).toMatchObject({ spec: { on: 'agent', whisper: 'out' } });
    expect(kinds(monitorSteps('whisper', 'listen'))).toEqual([
      'snoop',
      'join-monitor-bridge',
      'drop-old-snoop',
    ]);
  });

  it('into a barge the leader leaves their own bridge and drops the snoop; out of it, the call’s bridge', () => {
    expect(kinds(monitorSteps('listen', 'barge'))).toEqual([
      'leave-monitor-bridge',
      'drop-old-snoop',
      'join-call-bridge',
    ]);
    expect(kinds(monitorSteps('barge', 'whisper'))).toEqual([
      'leave-call-bridge',
      'snoop',
      'join-monitor-bridge',
    ]);
  });

  it('the same mode again changes nothing', () => {
    for (const mode of ['listen', 'whisper', 'barge'] as const) expect(monitorSteps(mode, mode)).toEqual([]);
  });
});

describe('the team overview’s monitoring buttons', () => {
  const onCall = { agentId: 7, state: 'on-call', callId: 'c1' } as const;
  const me = 42;

  it('a call nobody listens to: 监听 耳语 强插, not 结束', () => {
    expect(monitorButtons(onCall, undefined, me)).toEqual({
      listen: true,
      whisper: true,
      barge: true,
      stop: false,
    });
  });

  it('my session: the other modes once my phone answered, and 结束 at any time', () => {
    expect(monitorButtons(onCall, { leaderId: me, mode: 'listen', state: 'active' }, me)).toEqual({
      listen: false,
      whisper: true,
      barge: true,
      stop: true,
    });
    expect(monitorButtons(onCall, { leaderId: me, mode: 'listen', state: 'ringing' }, me)).toEqual({
      listen: false,
      whisper: false,
      barge: false,
      stop: true,
    });
  });

  it('none for another leader’s session, an agent not talking, or my own call', () => {
    const none = { listen: false, whisper: false, barge: false, stop: false };
    expect(monitorButtons(onCall, { leaderId: 9, mode: 'barge', state: 'active' }, me)).toEqual(none);
    expect(monitorButtons({ agentId: 7, state: 'ringing', callId: 'c1' }, undefined, me)).toEqual(none);
    expect(monitorButtons({ agentId: 7, state: 'available', callId: null }, undefined, me)).toEqual(none);
    expect(monitorButtons({ ...onCall, agentId: me }, undefined, me)).toEqual(none);
  });
});
