// The call-control port: everything the IVR and the ACD ask of the PBX, and the events it reports.
// ivr/ari/ implements it over ARI; nothing else in the project talks to Asterisk's REST interface.
// Every operation has a time limit and may take an AbortSignal; failures are the typed errors of core/errors.ts.

export interface OpOptions {
  signal?: AbortSignal;
  /** Milliseconds; the adapter applies a default when absent. */
  timeoutMs?: number;
}

export interface OriginateRequest {
  /** The channel to dial, e.g. "PJSIP/agent1". */
  endpoint: string;
  /** Caller ID shown on the phone being dialled. */
  callerId: string;
  /** Seconds to ring before giving up. */
  ringTimeoutS: number;
  /** Handed back in the `leg-answered` event so the controller knows what the leg is for. */
  purpose: string;
  /** Channel variables set on the new channel. */
  variables?: Record<string, string>;
}

export interface LiveChannel {
  channelId: string;
  state: string;
  callerNumber: string | null;
  dialled: string;
  /** Arguments the channel entered the Stasis app with (inbound or the leg's purpose); empty if unknown. */
  appArgs: string[];
  /** An originated leg still ringing (not in any app yet): an agent's phone, an outside number, a campaign call. */
  originating?: boolean;
}

/** Events from the PBX, already translated from Asterisk's vocabulary. */
export type PbxEvent =
  | {
      type: 'inbound';
      channelId: string;
      /** As presented by the network; null when withheld. */
      callerNumber: string | null;
      callerName: string | null;
      dialled: string;
      at: Date;
    }
  | { type: 'leg-answered'; channelId: string; purpose: string; at: Date }
  | { type: 'leg-ringing'; channelId: string; at: Date }
  | { type: 'dtmf'; channelId: string; digit: string; at: Date }
  /** `complete`: played to its end (false: it failed, or the channel hung up during it). */
  | { type: 'playback-finished'; channelId: string; playbackId: string; complete: boolean; at: Date }
  /** A recording of one channel (`recordChannel`) ended: by #, by its time limit or by the hang-up. */
  | { type: 'recording-finished'; channelId: string; name: string; durationS: number | null; at: Date }
  | { type: 'recording-failed'; channelId: string; name: string; at: Date }
  | { type: 'hangup'; channelId: string; cause: number; causeText: string; at: Date }
  /** The connection to the PBX came back; `channels` are the ones in our app right now (for reconciliation). */
  | { type: 'reconnected'; channels: LiveChannel[]; at: Date }
  | { type: 'disconnected'; at: Date };

/** Which audio a snoop channel hears (`spy`) and where what is said into it goes (`whisper`): `in` is what the
 * snooped channel's party says, `out` what they hear. */
export type SnoopDirection = 'none' | 'in' | 'out' | 'both';

export type PbxEventListener = (event: PbxEvent) => void;

export interface CallControl {
  /** Subscribe to PBX events. Returns an unsubscribe function. */
  onEvent(listener: PbxEventListener): () => void;
  answer(channelId: string, opts?: OpOptions): Promise<void>;
  /**
   * Start playing a list of media URIs in order (sound:, number:, digits:, tone:) under the caller's chosen
   * playback id. Resolves once Asterisk accepted it; `playback-finished` reports the end.
   */
  play(channelId: string, playbackId: string, media: string[], opts?: OpOptions): Promise<void>;
  stopPlayback(playbackId: string, opts?: OpOptions): Promise<void>;
  startMusicOnHold(channelId: string, opts?: OpOptions): Promise<void>;
  stopMusicOnHold(channelId: string, opts?: OpOptions): Promise<void>;
  /** Dial a new leg; resolves with its channel id once Asterisk created it (it is then ringing or trying). */
  originate(request: OriginateRequest, opts?: OpOptions): Promise<string>;
  /** Put channels into a new mixing bridge; returns the bridge id. */
  bridge(channelIds: string[], opts?: OpOptions): Promise<string>;
  destroyBridge(bridgeId: string, opts?: OpOptions): Promise<void>;
  /** Put channels into an existing bridge (a caller back from hold, the next party after a transfer). */
  addToBridge(bridgeId: string, channelIds: string[], opts?: OpOptions): Promise<void>;
  /** Take a channel out of a bridge (hold, transfer); it stays in the app. ChannelGone if it already left. */
  removeFromBridge(bridgeId: string, channelId: string, opts?: OpOptions): Promise<void>;
  /**
   * Records everything in the bridge (all parties mixed) as `<name>.wav` in the PBX's recording folder, until the
   * bridge is destroyed.
   */
  recordBridge(bridgeId: string, name: string, opts?: OpOptions): Promise<void>;
  /**
   * Records what the caller says as `<name>.wav` in the PBX's recording folder, after a beep if asked, until #,
   * `maxS` seconds or the hang-up; `recording-finished` reports the end (also after a hang-up).
   */
  recordChannel(
    channelId: string,
    name: string,
    limits: { maxS: number; beep: boolean },
    opts?: OpOptions,
  ): Promise<void>;
  /** Hang up; `reason` is an ARI reason such as "normal", "busy", "no_answer". A gone channel is not an error. */
  hangup(channelId: string, reason?: string, opts?: OpOptions): Promise<void>;
  /**
   * A snoop channel on `channelId` (a team leader's listen or whisper), in our app with the given purpose; its
   * `leg-answered` arrives once it can be bridged. Resolves with its channel id. ChannelGone if the call is gone.
   */
  snoop(
    channelId: string,
    directions: { spy: SnoopDirection; whisper: SnoopDirection },
    purpose: string,
    opts?: OpOptions,
  ): Promise<string>;
  /**
   * The PBX's system name (asterisk.conf `systemname`), the prefix of its channel ids; '' when it has none (then
   * it must be the only node).
   */
  nodeName(opts?: OpOptions): Promise<string>;
  /** The channels in our Stasis app now. */
  listChannels(opts?: OpOptions): Promise<LiveChannel[]>;
  /** Is the PBX connection up? */
  readonly connected: boolean;
  close(): Promise<void>;
}
