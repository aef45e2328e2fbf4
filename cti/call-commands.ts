// Call control from the agent page (hold, resume, transfer) reaches the controller that owns the call: the API
// server may run in another process than the call's ARI controller, so a command goes over Redis pub/sub to the
// owning node's channel (`hotline:acd-node:<id>:commands`; the ACD records which node owns each call), and the
// answer comes back on the asking API process's own reply channel.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ConsultTarget, Logger, MonitorMode, Role, TransferTarget } from '../core/index.ts';
import { Acd } from './acd.ts';
import { PREFIX } from './agent-states.ts';

export type CallCommand =
  | { kind: 'hold' }
  | { kind: 'resume' }
  | { kind: 'transfer'; target: TransferTarget; note: string | null }
  | { kind: 'consult'; target: ConsultTarget; note: string | null }
  | { kind: 'consult-cancel' }
  | { kind: 'consult-complete' }
  | { kind: 'conference' }
  | { kind: 'hang-up' };

/** A team leader's listen, whisper or barge on the call (ivr/supervision.ts runs it, not the call's flow). */
export type MonitorCommand = {
  kind: 'monitor';
  leader: { agentId: number; name: string; endpoint: string };
} & ({ action: 'start' | 'change'; mode: MonitorMode } | { action: 'stop' });

/** Every command the owning node takes: the call's own (its flow runs them) and a team leader's. */
export type NodeCommand = CallCommand | MonitorCommand;

/** Who asked: the agent on the call, or a team leader. */
export interface CommandSender {
  agentId: number;
  role: Role;
}

export interface CallCommandRequest<C extends NodeCommand = CallCommand> {
  id: string;
  callId: string;
  by: CommandSender;
  command: C;
  replyTo: string;
}

/**
 * `error` names the HTTP answer: Conflict (409, the call is not in a state for it), BadRequest (400), Forbidden
 * (403, not this agent's to do).
 */
export type CallCommandResult =
  { ok: true; at: string } | { ok: false; error: 'Conflict' | 'BadRequest' | 'Forbidden'; message: string };

export const commandChannel = (nodeId: string) => `${PREFIX}acd-node:${nodeId}:commands`;

/** What an agent reads when the call they act on is over (or its controller is gone). */
export const CALL_ENDED = '这通电话已经结束 / The call has already ended.';

/** How long the API waits for the owning controller to answer a command. */
export const REPLY_TIMEOUT_MS = 5000;

/** The API side: sends a command to the call's controller and waits for its answer. */
export class CallCommandClient {
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #replyTo = `${PREFIX}cti:${randomUUID()}:replies`;
  readonly #pending = new Map<string, (result: CallCommandResult) => void>();

  private constructor(redis: Redis) {
    this.#redis = redis;
    this.#sub = redis.duplicate();
    this.#sub.on('error', () => undefined);
    this.#sub.on('message', (_channel: string, message: string) => {
      try {
        const { id, result } = JSON.parse(message) as { id: string; result: CallCommandResult };
        this.#pending.get(id)?.(result);
      } catch {
        // not ours
      }
    });
  }

  static async start(redis: Redis): Promise<CallCommandClient> {
    const client = new CallCommandClient(redis);
    await client.#sub.subscribe(client.#replyTo);
    return client;
  }

  /** Null when the controller did not answer in time (the API answers 503). */
  async send(callId: string, by: CommandSender, command: NodeCommand): Promise<CallCommandResult | null> {
    const node = await Acd.nodeOf(this.#redis, callId);
    if (node === null) return { ok: false, error: 'Conflict', message: CALL_ENDED };
    const request: CallCommandRequest<NodeCommand> = {
      id: randomUUID(),
      callId,
      by,
      command,
      replyTo: this.#replyTo,
    };
    const answered = new Promise<CallCommandResult | null>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(request.id);
        resolve(null);
      }, REPLY_TIMEOUT_MS);
      this.#pending.set(request.id, (result) => {
        clearTimeout(timer);
        this.#pending.delete(request.id);
        resolve(result);
      });
    });
    const listeners = await this.#redis.publish(commandChannel(node), JSON.stringify(request));
    if (listeners === 0) {
      // the controller that owned the call is gone: so is the call
      this.#pending.get(request.id)?.({ ok: false, error: 'Conflict', message: CALL_ENDED });
    }
    return answered;
  }

  close(): void {
    this.#sub.disconnect();
  }
}

/** The controller side: runs each command for this node's calls and answers on the sender's reply channel. */
export async function serveCallCommands(deps: {
  redis: Redis;
  nodeId: string;
  log: Logger;
  handle: (request: CallCommandRequest<NodeCommand>) => Promise<CallCommandResult>;
}): Promise<() => void> {
  const sub = deps.redis.duplicate();
  sub.on('error', () => undefined);
  await sub.subscribe(commandChannel(deps.nodeId));
  sub.on('message', (_channel: string, message: string) => {
    let request: CallCommandRequest<NodeCommand>;
    try {
      request = JSON.parse(message) as CallCommandRequest<NodeCommand>;
    } catch {
      return;
    }
    void deps
      .handle(request)
      .catch((err: unknown): CallCommandResult => {
        deps.log.error({ err, callId: request.callId, command: request.command.kind }, 'call command failed');
        return { ok: false, error: 'Conflict', message: CALL_ENDED };
      })
      .then((result) => deps.redis.publish(request.replyTo, JSON.stringify({ id: request.id, result })))
      .catch(() => undefined);
  });
  return () => sub.disconnect();
}
