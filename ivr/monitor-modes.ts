// Supervision of a live agent call by a team leader, as pure logic: who hears whom in each mode, and the steps
// that take the leader's phone from one mode to another without dialling it again. `ivr/supervision.ts` carries
// the steps out through the call-control port.
//
//   listen   a snoop on the owner's channel hearing both directions (the owner and, in what the owner hears,
//            the agent), bridged with the leader's phone; nothing the leader says reaches anyone.
//   whisper  a snoop on the agent's channel hearing both directions and whispering into what the agent hears;
//            the owner's audio does not carry the leader's voice.
//   barge    the leader's phone joins the call's own bridge: all three hear each other (and the recording has
//            the leader too).
import type { MonitorMode } from '../core/index.ts';
import type { SnoopDirection } from './call-control.ts';

export { MONITOR_MODES, type MonitorMode } from '../core/index.ts';

export interface SnoopSpec {
  /** Whose channel the snoop is on. */
  on: 'owner' | 'agent';
  spy: SnoopDirection;
  whisper: SnoopDirection;
}

/** The snoop a mode needs; null for barge, which joins the call's bridge instead. */
export function snoopFor(mode: MonitorMode): SnoopSpec | null {
  switch (mode) {
    case 'listen':
      return { on: 'owner', spy: 'both', whisper: 'none' };
    case 'whisper':
      return { on: 'agent', spy: 'both', whisper: 'out' };
    case 'barge':
      return null;
  }
}

/** Who hears the leader in a mode (the leader hears both parties in every mode). */
export function hearsLeader(mode: MonitorMode): { owner: boolean; agent: boolean } {
  return { owner: mode === 'barge', agent: mode !== 'listen' };
}

/**
 * One step of putting the leader's answered phone in a mode. The session keeps at most one snoop: a new one is
 * made and joined before the old one goes, so a switch between listen and whisper has no gap.
 */
export type MonitorStep =
  | { do: 'snoop'; spec: SnoopSpec }
  /** The new snoop and the leader's phone into the session's own bridge (made on first use). */
  | { do: 'join-monitor-bridge' }
  | { do: 'leave-monitor-bridge' }
  /** Hang up the snoop the session had before this change. */
  | { do: 'drop-old-snoop' }
  | { do: 'join-call-bridge' }
  | { do: 'leave-call-bridge' };

/**
 * The steps from `from` (null: the leader's phone was just answered and is in no bridge) to `to`; none when the
 * mode does not change.
 */
export function monitorSteps(from: MonitorMode | null, to: MonitorMode): MonitorStep[] {
  if (from === to) return [];
  const steps: MonitorStep[] = [];
  if (from === 'barge') steps.push({ do: 'leave-call-bridge' });
  const spec = snoopFor(to);
  if (spec) {
    steps.push({ do: 'snoop', spec }, { do: 'join-monitor-bridge' });
    if (from !== null && from !== 'barge') steps.push({ do: 'drop-old-snoop' });
  } else {
    if (from !== null) steps.push({ do: 'leave-monitor-bridge' }, { do: 'drop-old-snoop' });
    steps.push({ do: 'join-call-bridge' });
  }
  return steps;
}

/** The call's phases (the flow interpreter's) in which a leader can listen in: an agent is on the call. */
export const SUPERVISABLE_PHASES: ReadonlySet<string> = new Set(['connected', 'held']);
