// Watches Asterisk from the outside: a second ARI WebSocket subscribed to every event (subscribeAll), so tests
// can assert what a caller really heard (PlaybackStarted/Finished with their media) and which channels existed,
// independently of the controller under test.
import { readEnv } from '../../core/index.ts';

export interface AriEvent {
  type: string;
  timestamp: string;
  channel?: { id: string; name: string; state: string; caller: { number: string } };
  playback?: { id: string; media_uri: string; target_uri: string; state: string };
  [key: string]: unknown;
}

export class AriObserver {
  readonly events: AriEvent[] = [];
  readonly #ws: WebSocket;
  readonly #waiters = new Set<() => void>();
  /** The app's name and ARI's REST base and key, to unsubscribe an observer of everything when it closes. */
  readonly #app: { name: string; rest: string; apiKey: string; all: boolean };

  private constructor(ws: WebSocket, app: { name: string; rest: string; apiKey: string; all: boolean }) {
    this.#ws = ws;
    this.#app = app;
    ws.addEventListener('message', (m) => {
      this.events.push(JSON.parse(String(m.data)) as AriEvent);
      for (const w of this.#waiters) w();
    });
  }

  /**
   * By default a fresh app subscribed to every event in Asterisk; with `app`, that app's own events only (a bench
   * placing calls into its own Stasis app). `ariUrl`: another Asterisk's ARI (the second node), same credentials.
   */
  static async connect(opts: { app?: string; ariUrl?: string } = {}): Promise<AriObserver> {
    const env = readEnv();
    const ariUrl = opts.ariUrl ?? env.HOTLINE_ARI_URL!;
    const name = opts.app ?? `observer-${process.pid}-${Date.now()}`;
    const apiKey = `${env.HOTLINE_ARI_USER}:${env.HOTLINE_ARI_PASSWORD}`;
    const url = new URL(ariUrl.replace(/^http/, 'ws') + '/ari/events');
    url.searchParams.set('app', name);
    if (opts.app === undefined) url.searchParams.set('subscribeAll', 'true');
    url.searchParams.set('api_key', apiKey);
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error('ARI observer could not connect')), { once: true });
    });
    return new AriObserver(ws, {
      name,
      rest: `${ariUrl}/ari`,
      apiKey,
      all: opts.app === undefined,
    });
  }

  /** Resolves with the first event (already seen or still to come) that matches, or rejects after timeoutMs. */
  async waitFor(match: (e: AriEvent) => boolean, timeoutMs = 20_000, what = 'ARI event'): Promise<AriEvent> {
    const [first] = await this.waitCount(0, match, 1, timeoutMs, what);
    return first!;
  }

  /** Resolves with the matching events since index `from` once there are `count`; rejects after timeoutMs. */
  async waitCount(
    from: number,
    match: (e: AriEvent) => boolean,
    count: number,
    timeoutMs: number,
    what: string,
  ): Promise<AriEvent[]> {
    const seen = () => this.events.slice(from).filter(match);
    if (seen().length >= count) return seen();
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (seen().length < count) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        const saw = count > 1 ? ` (saw ${seen().length} of ${count})` : '';
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${saw}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
    return seen();
  }

  /** A position in the event history; `callerChannel` looks only at events after it. */
  mark(): number {
    return this.events.length;
  }

  /** The channel entering (or leaving) a bridge after `mark`; the event names the bridge. */
  async bridgeMove(
    channelId: string,
    mark: number,
    move: 'entered' | 'left',
    what = `the owner to ${move === 'entered' ? 'be bridged' : 'leave the bridge'}`,
    timeoutMs = move === 'entered' ? 20_000 : 10_000,
  ): Promise<AriEvent> {
    const type = move === 'entered' ? 'ChannelEnteredBridge' : 'ChannelLeftBridge';
    return this.waitFor(
      (e) => this.events.indexOf(e) >= mark && e.type === type && e.channel?.id === channelId,
      timeoutMs,
      what,
    );
  }

  /** The channel id of the caller's leg: the first trunk channel with that caller number created after `mark`. */
  async callerChannel(callerNumber: string, mark: number, timeoutMs = 20_000): Promise<string> {
    const e = await this.waitFor(
      (ev) =>
        this.events.indexOf(ev) >= mark &&
        // a new channel: the last events of an earlier call from the same number may still arrive after `mark`
        (ev.type === 'ChannelCreated' || ev.type === 'StasisStart') &&
        ev.channel?.name.startsWith('PJSIP/trunk') === true &&
        ev.channel.caller.number === callerNumber,
      timeoutMs,
      `a call from ${callerNumber}`,
    );
    return e.channel!.id;
  }

  /**
   * The prompt ids the caller heard to the end, in order. Asterisk reports each item of a media list with
   * PlaybackContinuing when it moves to the next one, and the last with PlaybackFinished.
   */
  heardPrompts(channelId: string): string[] {
    return this.events
      .filter(
        (e) =>
          (e.type === 'PlaybackContinuing' ||
            (e.type === 'PlaybackFinished' && e.playback?.state === 'done')) &&
          e.playback?.target_uri === `channel:${channelId}`,
      )
      .map((e) => promptIdOf(e.playback?.media_uri));
  }

  /** Resolves once the caller has heard `prompt` to the end `times` times (a menu is heard again after a wrong key). */
  async heard(channelId: string, prompt: string, times = 1, timeoutMs = 30_000): Promise<void> {
    await this.waitFor(
      () => this.heardPrompts(channelId).filter((p) => p === prompt).length >= times,
      timeoutMs,
      `the caller to hear ${prompt}${times > 1 ? ` ${times} times` : ''}`,
    );
  }

  /**
   * Resolves once `prompt` has started playing to the caller `times` times: a caller who knows the menu presses
   * during it (the IVR takes a key during a menu's prompt as the choice). Asterisk 16 sends a PlaybackStarted
   * for every item of a media list (after the PlaybackContinuing of the item before).
   */
  async hearing(channelId: string, prompt: string, times = 1, timeoutMs = 30_000): Promise<void> {
    await this.waitFor(
      () => this.startedPrompts(channelId).filter((p) => p === prompt).length >= times,
      timeoutMs,
      `the caller to start hearing ${prompt}${times > 1 ? ` ${times} times` : ''}`,
    );
  }

  /** Prompt ids of every playback item started on the channel. */
  startedPrompts(channelId: string): string[] {
    return this.events
      .filter((e) => e.type === 'PlaybackStarted' && e.playback?.target_uri === `channel:${channelId}`)
      .map((e) => promptIdOf(e.playback?.media_uri));
  }

  /**
   * Closes the connection. Asterisk 16 keeps a closed subscribeAll app registered and subscribed to everything,
   * and goes on feeding it every event of every call (a load that grows with each test file); so an observer
   * of everything first unsubscribes from all four kinds of event source.
   */
  async close(): Promise<void> {
    if (this.#app.all) {
      const sources = ['channel:__AST_CHANNEL_ALL_TOPIC', 'bridge:__AST_BRIDGE_ALL_TOPIC'];
      sources.push('endpoint:__AST_ENDPOINT_ALL_TOPIC', 'deviceState:__AST_DEVICE_STATE_ALL_TOPIC');
      const url = new URL(`${this.#app.rest}/applications/${this.#app.name}/subscription`);
      url.searchParams.set('api_key', this.#app.apiKey);
      url.searchParams.set('eventSource', sources.join(','));
      await fetch(url, { method: 'DELETE' }).catch(() => undefined); // Asterisk may be gone: nothing to clean
    }
    this.#ws.close();
  }
}

/** The prompt id of a media URI: sound:<dir>/<lang>/<id> -> <id>. */
function promptIdOf(mediaUri: string | undefined): string {
  return (mediaUri ?? '').replace(/^sound:.*\/(zh|en)\//, '');
}
