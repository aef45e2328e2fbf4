// The ARI adapter: the only module that imports ari-client. It implements the call-control port, translates
// Asterisk's events, maps ARI failures to typed errors (once, here), and supervises the connection:
// ari-client reconnects by itself for ~42 s and then gives up for good (WebSocketMaxRetries), so after that
// the adapter builds a new client, and after every reconnect it lists the live channels so the controller can
// reconcile (Asterisk does not replay the events that were missed).
import ari from 'ari-client';
import type { Logger } from '../../core/index.ts';
import { ChannelGone, OriginateFailed, PbxError, PbxUnavailable, Timeout } from '../../core/index.ts';
import type {
  CallControl,
  LiveChannel,
  OpOptions,
  OriginateRequest,
  PbxEvent,
  PbxEventListener,
  SnoopDirection,
} from '../call-control.ts';

export interface AriSettings {
  url: string;
  user: string;
  password: string;
  app: string;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** Delay between attempts to build a new client once ari-client gave up (and at the very start). */
const RECREATE_DELAY_MS = 1000;

type AriClient = Awaited<ReturnType<typeof ari.connect>>;

// The loosely typed shapes of the ARI models we read (see the ARI reference for Asterisk 16).
interface AriChannel {
  id: string;
  state: string;
  caller?: { number?: string; name?: string };
  dialplan?: { exten?: string; app_name?: string; app_data?: string };
}

/** Maps an ARI failure to the project's error types. ari-client keeps only the response body as the message. */
function mapAriError(op: string, err: unknown): Error {
  const raw = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | null)?.code;
  let detail = raw;
  try {
    const body = JSON.parse(raw) as { message?: string; error?: string };
    detail = body.message ?? body.error ?? raw;
  } catch {
    // not JSON: a network error
  }
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') {
    return new PbxUnavailable(`${op}: the PBX is not reachable (${code})`, { cause: err });
  }
  if (/not found|not in stasis/i.test(detail)) return new ChannelGone(`${op}: ${detail}`, { cause: err });
  if (op === 'originate') return new OriginateFailed(`originate: ${detail}`, { cause: err });
  return new PbxError(`${op}: ${detail}`, { cause: err });
}

/** Q.850 cause names for the causes a contact center meets most. */
function causeName(cause: number): string {
  const names: Record<number, string> = {
    0: 'unknown',
    1: 'unallocated number',
    16: 'normal clearing',
    17: 'user busy',
    18: 'no user responding',
    19: 'no answer',
    20: 'subscriber absent',
    21: 'call rejected',
    27: 'destination out of order',
    34: 'no circuit available',
    38: 'network out of order',
  };
  return names[cause] ?? `cause ${cause}`;
}

function normaliseCaller(number: string | undefined): string | null {
  const n = (number ?? '').trim();
  if (n === '' || /^(anonymous|unknown|restricted|unavailable)$/i.test(n)) return null;
  return n;
}

function appArgsOf(channel: AriChannel, app: string): string[] {
  const data =
    channel.dialplan?.app_name?.toLowerCase() === 'stasis' ? (channel.dialplan.app_data ?? '') : '';
  const parts = data.split(',').map((s) => s.trim());
  return parts[0] === app ? parts.slice(1) : [];
}

export class AriCallControl implements CallControl {
  #client: AriClient | null = null;
  #connected = false;
  #closed = false;
  #generation = 0;
  readonly #listeners = new Set<PbxEventListener>();
  /** Hang-up causes announced by ChannelHangupRequest, until the channel's end is reported. */
  readonly #causes = new Map<string, number>();
  readonly #endedChannels = new Set<string>();
  readonly #settings: AriSettings;
  readonly #log: Logger;

  private constructor(settings: AriSettings, log: Logger) {
    this.#settings = settings;
    this.#log = log.child({ component: 'ari' });
  }

  /** Connects (retrying until Asterisk answers or `signal` aborts) and registers the Stasis app. */
  static async connect(settings: AriSettings, log: Logger, signal?: AbortSignal): Promise<AriCallControl> {
    const adapter = new AriCallControl(settings, log);
    await adapter.#establish(signal);
    return adapter;
  }

  get connected(): boolean {
    return this.#connected;
  }

  onEvent(listener: PbxEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: PbxEvent): void {
    this.#log.debug({ event }, 'pbx event');
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#log.error({ err, event: event.type }, 'PBX event listener failed');
      }
    }
  }

  async #establish(signal?: AbortSignal): Promise<void> {
    for (let attempt = 1; !this.#closed; attempt++) {
      signal?.throwIfAborted();
      try {
        const client = await ari.connect(this.#settings.url, this.#settings.user, this.#settings.password);
        this.#attach(client);
        await client.start(this.#settings.app);
        this.#client = client;
        this.#connected = true;
        this.#log.info({ attempt }, 'connected to ARI');
        return;
      } catch (err) {
        if (attempt === 1 || attempt % 30 === 0) {
          this.#log.warn({ attempt, err: (err as Error).message }, 'ARI not reachable yet, retrying');
        }
        await new Promise((r) => setTimeout(r, RECREATE_DELAY_MS));
      }
    }
  }

  #attach(client: AriClient): void {
    const generation = ++this.#generation;
    const current = () => generation === this.#generation && !this.#closed;
    const on = (name: string, handler: (event: Record<string, unknown>, resource: unknown) => void) =>
      (client as unknown as { on(n: string, h: (e: Record<string, unknown>, r: unknown) => void): void }).on(
        name,
        (e, r) => {
          if (current()) handler(e, r);
        },
      );

    on('StasisStart', (event) => {
      const channel = event.channel as AriChannel;
      const args = (event.args as string[] | undefined) ?? [];
      const at = new Date(event.timestamp as string);
      if (args[0] === 'inbound') {
        this.#emit({
          type: 'inbound',
          channelId: channel.id,
          callerNumber: normaliseCaller(channel.caller?.number),
          callerName: channel.caller?.name || null,
          dialled: args[1] ?? channel.dialplan?.exten ?? '',
          at,
        });
      } else if (args[0] === 'leg') {
        this.#emit({ type: 'leg-answered', channelId: channel.id, purpose: args.slice(1).join(','), at });
      } else {
        this.#log.warn(
          { channelId: channel.id, args },
          'channel entered the app with unknown arguments; hanging up',
        );
        void this.hangup(channel.id).catch(() => undefined);
      }
    });
    on('ChannelStateChange', (event) => {
      const channel = event.channel as AriChannel;
      if (channel.state === 'Ringing') {
        this.#emit({ type: 'leg-ringing', channelId: channel.id, at: new Date(event.timestamp as string) });
      }
    });
    on('ChannelDtmfReceived', (event) => {
      const channel = event.channel as AriChannel;
      this.#emit({
        type: 'dtmf',
        channelId: channel.id,
        digit: event.digit as string,
        at: new Date(event.timestamp as string),
      });
    });
    on('PlaybackFinished', (event) => {
      const playback = event.playback as { id: string; target_uri: string; state?: string };
      const channelId = playback.target_uri.replace(/^channel:/, '');
      this.#emit({
        type: 'playback-finished',
        channelId,
        playbackId: playback.id,
        // Asterisk 16: 'done' when played out (or stopped), 'failed' when the channel hung up during it
        complete: playback.state !== 'failed',
        at: new Date(event.timestamp as string),
      });
    });
    const recordingEvent = (event: Record<string, unknown>) => {
      const recording = event.recording as { name: string; target_uri: string; duration?: number };
      return {
        channelId: recording.target_uri.replace(/^channel:/, ''),
        name: recording.name,
        durationS: typeof recording.duration === 'number' ? recording.duration : null,
        at: new Date(event.timestamp as string),
      };
    };
    on('RecordingFinished', (event) => {
      if (!(event.recording as { target_uri: string }).target_uri.startsWith('channel:')) return;
      this.#emit({ type: 'recording-finished', ...recordingEvent(event) });
    });
    on('RecordingFailed', (event) => {
      if (!(event.recording as { target_uri: string }).target_uri.startsWith('channel:')) return;
      const { durationS: _unused, ...failed } = recordingEvent(event);
      this.#emit({ type: 'recording-failed', ...failed });
    });
    // A channel in the app reports its end with StasisEnd (Asterisk 16 stops sending it events after that); an
    // originated leg that never answered reports ChannelDestroyed. ChannelHangupRequest carries the cause.
    on('ChannelHangupRequest', (event) => {
      const channel = event.channel as AriChannel;
      if (event.cause !== undefined) this.#causes.set(channel.id, Number(event.cause));
    });
    on('StasisEnd', (event) => {
      const channel = event.channel as AriChannel;
      this.#ended(channel.id, this.#causes.get(channel.id) ?? 16, '', event.timestamp as string);
    });
    on('ChannelDestroyed', (event) => {
      const channel = event.channel as AriChannel;
      this.#ended(
        channel.id,
        Number(event.cause ?? 0),
        typeof event.cause_txt === 'string' ? event.cause_txt : '',
        event.timestamp as string,
      );
    });

    const raw = client as unknown as { on(n: string, h: (e?: unknown) => void): void };
    raw.on('WebSocketReconnecting', () => {
      if (!current() || !this.#connected) return;
      this.#connected = false;
      this.#log.warn('lost the ARI connection; reconnecting');
      this.#emit({ type: 'disconnected', at: new Date() });
    });
    raw.on('WebSocketConnected', () => {
      // The first connection is announced by #establish; this is for reconnections of the same client.
      if (!current() || this.#connected || this.#client !== client) return;
      this.#connected = true;
      this.#log.info('ARI connection is back');
      void this.#reconcile();
    });
    raw.on('WebSocketMaxRetries', () => {
      if (!current()) return;
      this.#log.error('ari-client gave up reconnecting; building a new client');
      this.#connected = false;
      this.#client = null;
      void this.#establish().then(() => this.#reconcile());
    });
  }

  /** Reports the end of a channel once, however many of StasisEnd / ChannelDestroyed arrive. */
  #ended(channelId: string, cause: number, causeText: string, timestamp: string): void {
    this.#causes.delete(channelId);
    if (this.#endedChannels.has(channelId)) return;
    this.#endedChannels.add(channelId);
    setTimeout(() => this.#endedChannels.delete(channelId), 60_000).unref();
    this.#emit({
      type: 'hangup',
      channelId,
      cause,
      causeText: causeText || causeName(cause),
      at: new Date(timestamp),
    });
  }

  async #reconcile(): Promise<void> {
    try {
      const channels = await this.listChannels();
      this.#emit({ type: 'reconnected', channels, at: new Date() });
    } catch (err) {
      this.#log.error({ err }, 'could not list channels after reconnecting');
      this.#emit({ type: 'reconnected', channels: [], at: new Date() });
    }
  }

  async #call<T>(op: string, work: (client: AriClient) => Promise<T>, opts: OpOptions = {}): Promise<T> {
    const client = this.#client;
    if (!client || !this.#connected) throw new PbxUnavailable(`${op}: not connected to the PBX`);
    opts.signal?.throwIfAborted();
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Timeout(`${op}: no answer from the PBX in ${timeoutMs} ms`)),
        timeoutMs,
      );
      onAbort = () => reject(new Timeout(`${op}: cancelled`, { cause: opts.signal?.reason }));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([
        work(client).catch((err: unknown) => {
          throw mapAriError(op, err);
        }),
        limit,
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async answer(channelId: string, opts?: OpOptions): Promise<void> {
    await this.#call('answer', (c) => c.channels.answer({ channelId }), opts);
  }

  async play(channelId: string, playbackId: string, media: string[], opts?: OpOptions): Promise<void> {
    await this.#call(
      'play',
      (c) =>
        c.channels.playWithId({ channelId, playbackId, media } as unknown as Parameters<
          typeof c.channels.playWithId
        >[0]),
      opts,
    );
  }

  async stopPlayback(playbackId: string, opts?: OpOptions): Promise<void> {
    await this.#call('stop playback', (c) => c.playbacks.stop({ playbackId }), opts).catch((err: unknown) => {
      if (!(err instanceof ChannelGone)) throw err;
    });
  }

  async startMusicOnHold(channelId: string, opts?: OpOptions): Promise<void> {
    await this.#call('start music on hold', (c) => c.channels.startMoh({ channelId }), opts);
  }

  async stopMusicOnHold(channelId: string, opts?: OpOptions): Promise<void> {
    await this.#call('stop music on hold', (c) => c.channels.stopMoh({ channelId }), opts);
  }

  async originate(request: OriginateRequest, opts?: OpOptions): Promise<string> {
    const channel = await this.#call(
      'originate',
      (c) =>
        c.channels.originate({
          endpoint: request.endpoint,
          app: this.#settings.app,
          appArgs: `leg,${request.purpose}`,
          callerId: request.callerId,
          timeout: request.ringTimeoutS,
          variables: request.variables ?? {},
        } as unknown as Parameters<typeof c.channels.originate>[0]),
      opts,
    );
    return (channel as unknown as AriChannel).id;
  }

  async bridge(channelIds: string[], opts?: OpOptions): Promise<string> {
    const bridge = await this.#call('create bridge', (c) => c.bridges.create({ type: 'mixing' }), opts);
    const bridgeId = (bridge as unknown as { id: string }).id;
    await this.addToBridge(bridgeId, channelIds, opts);
    return bridgeId;
  }

  async addToBridge(bridgeId: string, channelIds: string[], opts?: OpOptions): Promise<void> {
    await this.#call('add to bridge', (c) => c.bridges.addChannel({ bridgeId, channel: channelIds }), opts);
  }

  async removeFromBridge(bridgeId: string, channelId: string, opts?: OpOptions): Promise<void> {
    await this.#call(
      'remove from bridge',
      (c) => c.bridges.removeChannel({ bridgeId, channel: channelId }),
      opts,
    );
  }

  async recordBridge(bridgeId: string, name: string, opts?: OpOptions): Promise<void> {
    await this.#call(
      'record bridge',
      (c) =>
        c.bridges.record({
          bridgeId,
          name,
          format: 'wav',
          ifExists: 'overwrite',
          beep: false,
          maxDurationSeconds: 0,
        }),
      opts,
    );
  }

  async recordChannel(
    channelId: string,
    name: string,
    limits: { maxS: number; beep: boolean },
    opts?: OpOptions,
  ): Promise<void> {
    await this.#call(
      'record channel',
      (c) =>
        c.channels.record({
          channelId,
          name,
          format: 'wav',
          ifExists: 'overwrite',
          beep: limits.beep,
          maxDurationSeconds: limits.maxS,
          terminateOn: '#',
        }),
      opts,
    );
  }

  async destroyBridge(bridgeId: string, opts?: OpOptions): Promise<void> {
    await this.#call('destroy bridge', (c) => c.bridges.destroy({ bridgeId }), opts).catch((err: unknown) => {
      if (!(err instanceof ChannelGone)) throw err;
    });
  }

  async hangup(channelId: string, reason = 'normal', opts?: OpOptions): Promise<void> {
    await this.#call('hangup', (c) => c.channels.hangup({ channelId, reason }), opts).catch(
      (err: unknown) => {
        if (!(err instanceof ChannelGone)) throw err;
      },
    );
  }

  async snoop(
    channelId: string,
    directions: { spy: SnoopDirection; whisper: SnoopDirection },
    purpose: string,
    opts?: OpOptions,
  ): Promise<string> {
    const channel = await this.#call(
      'snoop',
      (c) =>
        c.channels.snoopChannel({
          channelId,
          spy: directions.spy,
          whisper: directions.whisper,
          app: this.#settings.app,
          appArgs: `leg,${purpose}`,
        }),
      opts,
    );
    return (channel as unknown as AriChannel).id;
  }

  async nodeName(opts?: OpOptions): Promise<string> {
    const info = await this.#call('asterisk info', (c) => c.asterisk.getInfo({ only: 'config' }), opts);
    return (info as { config?: { name?: string } }).config?.name ?? '';
  }

  async listChannels(opts?: OpOptions): Promise<LiveChannel[]> {
    const channels = (await this.#call(
      'list channels',
      (c) => c.channels.list(),
      opts,
    )) as unknown as AriChannel[];
    return channels
      .map((ch) => ({
        channelId: ch.id,
        state: ch.state,
        callerNumber: normaliseCaller(ch.caller?.number),
        dialled: ch.dialplan?.exten ?? '',
        appArgs: appArgsOf(ch, this.#settings.app),
        // Asterisk 16 shows an originate that has not been answered yet as running AppDial2
        originating: ch.dialplan?.app_name === 'AppDial2',
      }))
      .filter((ch) => ch.appArgs.length > 0 || !ch.channelId.startsWith('Local/'));
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#connected = false;
    const client = this.#client;
    this.#client = null;
    this.#generation++;
    if (client) {
      try {
        client.stop();
      } catch {
        // already closed
      }
    }
    return Promise.resolve();
  }
}
