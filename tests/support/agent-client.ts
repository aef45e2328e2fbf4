// An agent's desk as a program: logs in over HTTP, holds a socket.io connection, records what it receives.
import { io, type Socket } from 'socket.io-client';
import type {
  AgentStatus,
  CallOffered,
  ClientToServerEvents,
  ScreenPop,
  ServerToClientEvents,
} from '../../core/index.ts';
import { eventually } from './env.ts';
import type { TestAgent } from './fixtures.ts';

type Received = { event: keyof ServerToClientEvents; at: number; payload: unknown };

/** Wall-clock time in ms with sub-millisecond precision. */
export const preciseNow = () => performance.timeOrigin + performance.now();

export class AgentClient {
  readonly received: Received[] = [];
  #socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  readonly baseUrl: string;
  token: string | null = null;
  /** The signed-in role (agent, department, supervisor, admin). */
  role: string | null = null;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  static async signIn(baseUrl: string, agent: TestAgent): Promise<AgentClient> {
    const client = new AgentClient(baseUrl);
    const res = await client.request('POST', '/api/auth/login', {
      login: agent.login,
      password: agent.password,
    });
    if (res.status !== 200) throw new Error(`login failed: ${JSON.stringify(res.body)}`);
    client.token = (res.body as { token: string }).token;
    client.role = (res.body as { agent: { role: string } }).agent.role;
    await client.connect();
    return client;
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  }

  async connect(): Promise<void> {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.baseUrl, {
      auth: { token: this.token },
      transports: ['websocket'],
      reconnection: false,
    });
    for (const event of [
      'call:offered',
      'call:answered',
      'call:ended',
      'agent:state',
      'call:held',
      'call:resumed',
      'call:monitored',
      'call:consulting',
      'call:conference',
      'callback:not-reached',
      'ticket:overdue',
      'ticket:escalated',
      'ticket:reopened',
    ] as const) {
      socket.on(event, (payload: unknown) => this.received.push({ event, at: preciseNow(), payload }));
    }
    // like the agent page: acknowledge a pop once it is shown
    socket.on('call:offered', (pop) => socket.emit('call:seen', pop.callId));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(err));
    });
    this.#socket = socket;
  }

  /** The live socket, for a listener of the caller's own (a bench timing an event). */
  socket(): Socket<ServerToClientEvents, ClientToServerEvents> {
    if (!this.#socket) throw new Error('not connected');
    return this.#socket;
  }

  async setState(state: 'available' | 'not-ready' | 'offline', reason?: string): Promise<AgentStatus> {
    const res = await this.request('PUT', '/api/agents/me/state', reason ? { state, reason } : { state });
    if (res.status !== 200) throw new Error(`state change failed: ${JSON.stringify(res.body)}`);
    return res.body as AgentStatus;
  }

  async status(): Promise<AgentStatus> {
    const res = await this.request('GET', '/api/me');
    return (res.body as { status: AgentStatus }).status;
  }

  /** The first screen pop received (optionally for a given caller), waiting for it if need be. */
  async nextPop(
    match: (p: ScreenPop) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<{ pop: ScreenPop; at: number }> {
    const r = await eventually(
      () => this.received.find((r) => r.event === 'call:offered' && match(popOf(r.payload))),
      'a screen pop',
      timeoutMs,
      20,
    );
    return { pop: popOf(r.payload), at: r.at };
  }

  /** The payloads received of one event, in order. */
  events<E extends keyof ServerToClientEvents>(event: E): Parameters<ServerToClientEvents[E]>[0][] {
    return this.received
      .filter((r) => r.event === event)
      .map((r) => r.payload as Parameters<ServerToClientEvents[E]>[0]);
  }

  pops(): ScreenPop[] {
    return this.received.filter((r) => r.event === 'call:offered').map((r) => popOf(r.payload));
  }

  /** Signs the agent out, waiting for a call in progress to end first, so no later test's call reaches them. */
  /** After a test's call: waits until the agent is off it, ends their wrap-up (if any) and takes a break. */
  async offCallOnBreak(): Promise<void> {
    await eventually(
      async () => !['ringing', 'on-call'].includes((await this.status()).state),
      'the agent to be off the call',
    );
    const status = await this.status();
    if (status.state === 'wrap-up' && status.callId) {
      await this.request('POST', `/api/calls/${status.callId}/wrap-up`, { disposition: 'resolved' });
    }
    await this.setState('not-ready', 'break');
  }

  /** Closes the page's socket only (for staff who never took a call, after Redis lost the agents' states). */
  disconnect(): void {
    this.#socket?.disconnect();
  }

  async close(): Promise<void> {
    // department staff never take calls: nothing to sign out of
    if (this.token && this.role !== 'department') {
      // 401: the person signed out already (on another page: every session of theirs ended)
      await eventually(
        async () =>
          [200, 401].includes(
            (await this.request('PUT', '/api/agents/me/state', { state: 'offline' })).status,
          ),
        'the agent to be signed out (a call still in progress?)',
        30_000,
        200,
      );
    }
    this.#socket?.disconnect();
  }
}

/** The pop of a `call:offered`, without the agent it was addressed to (as /api/me gives it). */
function popOf(payload: unknown): ScreenPop {
  const pop: Partial<CallOffered> = { ...(payload as CallOffered) };
  delete pop.agentId;
  return pop as ScreenPop;
}
