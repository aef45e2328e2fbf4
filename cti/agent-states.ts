// Agent states in Redis, shared by every controller and API process. Every change that must not race is one
// Lua script, so reserving an agent for a call is atomic across processes: an agent is never offered two calls.
//
// Keys (prefix `hotline:`):
//   agent:<id>          hash  state, reason, since, callId, queue (of the call), login, name, endpoint,
//                             skills ("fees:7,general:3"), queues (",fees,general,": the queues the agent takes)
//   agents:available    zset  agent id -> the time the agent became idle (ms); the longest idle comes first
//   queue:<name>:idle   zset  the same, for the available agents who take the queue's calls: choosing the
//                             longest-idle qualified agent is one ZRANGE, however many agents there are
//   queue:<name>:serving set  the agents who take the queue and are at work on calls (available, ringing,
//                             on a call or wrapping up): what the estimated wait divides by
//   agents:wrapup       zset  agent id -> the time wrap-up ends (ms)
//   agents              set   every agent who signed in (the team leaders' overview)
import type { Redis } from 'ioredis';
import type { AgentOverview, AgentState, AgentStatus, Role } from '../core/index.ts';
import { Conflict } from '../core/index.ts';

export const PREFIX = 'hotline:';
const AVAILABLE = `${PREFIX}agents:available`;
const WRAPUP = `${PREFIX}agents:wrapup`;
/** Every state change, appended atomically with the change itself; cti/state-log-recorder.ts stores it. */
export const STATE_LOG = `${PREFIX}agent-state-log`;
const agentKey = (id: number) => `${PREFIX}agent:${id}`;
/** endpoint ("PJSIP/agent1") -> the agent signed in at that phone */
const endpointKey = (endpoint: string) => `${PREFIX}endpoint:${endpoint}`;
const idleKey = (queue: string) => `${PREFIX}queue:${queue}:idle`;

/**
 * Fields every transition writes, and its entry in the state log; an agent leaves or joins the idle sets of
 * the queues they take (`queues` is ",fees,general,").
 */
const SET_STATE = `
local function set_state(key, state, reason, since, callId)
  redis.call('HSET', key, 'state', state, 'reason', reason, 'since', since, 'callId', callId)
  local id = string.match(key, 'agent:(%d+)$')
  redis.call('XADD', '${STATE_LOG}', 'MAXLEN', '~', '1000000', '*',
    'agent', id, 'state', state, 'reason', reason, 'callId', callId, 'at', since)
end
local function leave_idle(prefix, id, queues)
  for q in string.gmatch(queues or '', '[^,]+') do redis.call('ZREM', prefix .. 'queue:' .. q .. ':idle', id) end
end
local function join_idle(prefix, id, queues, ms)
  for q in string.gmatch(queues or '', '[^,]+') do redis.call('ZADD', prefix .. 'queue:' .. q .. ':idle', ms, id) end
end
local serving_states = { available = true, ringing = true, ['on-call'] = true, ['wrap-up'] = true }
local function set_serving(prefix, id, queues, state)
  local op = serving_states[state] and 'SADD' or 'SREM'
  for q in string.gmatch(queues or '', '[^,]+') do redis.call(op, prefix .. 'queue:' .. q .. ':serving', id) end
end
`;

// KEYS: the queue's idle zset, available zset. ARGV: queue, callId, nowIso, prefix. Returns the reserved
// agent id or false; `call:<callId>:agent` names the agent (for releasing them if the call's controller dies). An entry whose agent is no longer available (cannot happen unless edited by hand) is dropped.
const RESERVE = `${SET_STATE}
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  local id = head[1]
  if not id then return false end
  local key = ARGV[4] .. 'agent:' .. id
  local fields = redis.call('HMGET', key, 'state', 'queues')
  if fields[1] == 'available' then
    set_state(key, 'ringing', '', ARGV[3], ARGV[2])
    redis.call('HSET', key, 'queue', ARGV[1])
    redis.call('SET', ARGV[4] .. 'call:' .. ARGV[2] .. ':agent', id, 'EX', 86400)
    leave_idle(ARGV[4], id, fields[2])
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    return tonumber(id)
  end
  redis.call('ZREM', KEYS[1], id)
end
`;

// KEYS: the agent hash, available zset. ARGV: id, queue, callId, nowIso, prefix. Reserves this one agent for
// the call (a transfer to a named agent) if they are available; returns 1, or false when they are not.
const RESERVE_AGENT = `${SET_STATE}
local fields = redis.call('HMGET', KEYS[1], 'state', 'queues')
if fields[1] ~= 'available' then return false end
set_state(KEYS[1], 'ringing', '', ARGV[4], ARGV[3])
redis.call('HSET', KEYS[1], 'queue', ARGV[2])
redis.call('SET', ARGV[5] .. 'call:' .. ARGV[3] .. ':agent', ARGV[1], 'EX', 86400)
leave_idle(ARGV[5], ARGV[1], fields[2])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

// KEYS: agent hash, available zset. ARGV: id, login, name, agentNumber, role, endpoint, skills, queues, nowIso,
// nowMs, prefix. A new agent starts offline; an available agent moves to the idle sets of their new queues.
const REGISTER = `${SET_STATE}
local old = redis.call('HGET', KEYS[1], 'queues')
leave_idle(ARGV[11], ARGV[1], old)
set_serving(ARGV[11], ARGV[1], old, 'offline')
redis.call('HSET', KEYS[1], 'login', ARGV[2], 'name', ARGV[3], 'agentNumber', ARGV[4], 'role', ARGV[5],
  'endpoint', ARGV[6], 'skills', ARGV[7], 'queues', ARGV[8])
redis.call('SADD', ARGV[11] .. 'agents', ARGV[1])
redis.call('HSETNX', KEYS[1], 'state', 'offline')
redis.call('HSETNX', KEYS[1], 'since', ARGV[9])
local state = redis.call('HGET', KEYS[1], 'state')
set_serving(ARGV[11], ARGV[1], ARGV[8], state)
if state == 'available' then
  join_idle(ARGV[11], ARGV[1], ARGV[8], redis.call('ZSCORE', KEYS[2], ARGV[1]) or ARGV[10])
end
`;

// KEYS: agent hash, available zset, wrapup zset. ARGV: id, toState, reason, nowIso, nowMs, allowedFrom (csv),
// expectCallId ('' = any), wrapUpEndsMs, prefix. Returns the previous state, or an error string 'ERR_STATE:<state>'.
const TRANSITION = `${SET_STATE}
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return 'ERR_STATE:missing' end
if not string.find(',' .. ARGV[6] .. ',', ',' .. current .. ',', 1, true) then
  return 'ERR_STATE:' .. current
end
if ARGV[7] ~= '' and redis.call('HGET', KEYS[1], 'callId') ~= ARGV[7] then
  return 'ERR_STATE:other-call'
end
local callId = ''
if ARGV[2] == 'ringing' or ARGV[2] == 'on-call' or ARGV[2] == 'wrap-up' then
  callId = redis.call('HGET', KEYS[1], 'callId') or ''
end
set_state(KEYS[1], ARGV[2], ARGV[3], ARGV[4], callId)
local queues = redis.call('HGET', KEYS[1], 'queues')
leave_idle(ARGV[9], ARGV[1], queues)
set_serving(ARGV[9], ARGV[1], queues, ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[2] == 'available' then
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
  join_idle(ARGV[9], ARGV[1], queues, ARGV[5])
end
if ARGV[2] == 'wrap-up' then redis.call('ZADD', KEYS[3], ARGV[8], ARGV[1]) end
return current
`;

export interface AgentProfile {
  agentId: number;
  login: string;
  name: string;
  agentNumber: string;
  role: Role;
  endpoint: string | null;
  /** Skill (the queue's name) -> level, 1 (can take the call) to 9 (the expert). */
  skills: Readonly<Record<string, number>>;
}

/**
 * The queues whose calls an agent takes: those of their skills at the queue's minimum level or above (a skill
 * with no queue settings needs level 1).
 */
export function queuesOf(
  skills: Readonly<Record<string, number>>,
  minLevels: ReadonlyMap<string, number>,
): string[] {
  return Object.entries(skills)
    .filter(([queue, level]) => level >= (minLevels.get(queue) ?? 1))
    .map(([queue]) => queue)
    .sort();
}

export interface Transition {
  to: AgentState;
  reason?: string;
  /** The states the agent may be in for this transition to apply. */
  from: readonly AgentState[];
  /** Only when the agent is busy with this call. */
  callId?: string;
  /** For wrap-up: when it ends by itself. */
  wrapUpS?: number;
}

const STATE_WORDS: Record<string, string> = {
  ringing: 'a call is ringing on your phone',
  'on-call': 'you are on a call',
  'wrap-up': 'you are wrapping up a call',
  offline: 'you are signed out',
  missing: 'you are not signed in to the hotline',
  'other-call': 'you are busy with another call',
};

export class AgentStates {
  readonly #redis: Redis;
  constructor(redis: Redis) {
    this.#redis = redis;
  }

  /**
   * Registers (or refreshes) the agent's profile and the queues they take (`minLevels`: each queue's minimum
   * skill level); a new agent starts offline.
   */
  async register(
    profile: AgentProfile,
    minLevels: ReadonlyMap<string, number>,
    now = new Date(),
  ): Promise<void> {
    const queues = queuesOf(profile.skills, minLevels);
    await this.#redis.eval(
      REGISTER,
      2,
      agentKey(profile.agentId),
      AVAILABLE,
      String(profile.agentId),
      profile.login,
      profile.name,
      profile.agentNumber,
      profile.role,
      profile.endpoint ?? '',
      Object.entries(profile.skills)
        .map(([skill, level]) => `${skill}:${level}`)
        .join(','),
      queues.length > 0 ? `,${queues.join(',')},` : '',
      now.toISOString(),
      String(now.getTime()),
      PREFIX,
    );
    if (profile.endpoint) await this.#redis.set(endpointKey(profile.endpoint), String(profile.agentId));
  }

  /** The agent who last signed in at this phone, if any. */
  async agentAt(endpoint: string): Promise<number | null> {
    const id = await this.#redis.get(endpointKey(endpoint));
    return id === null ? null : Number(id);
  }

  async get(agentId: number): Promise<
    AgentStatus & {
      endpoint: string | null;
      name: string;
      agentNumber: string;
      role: Role;
      /** The queue of the call the agent is ringing for, talking on or wrapping up. */
      queue: string | null;
    }
  > {
    const h = await this.#redis.hgetall(agentKey(agentId));
    return {
      agentId,
      login: h.login ?? '',
      name: h.name ?? '',
      agentNumber: h.agentNumber ?? '',
      role: (h.role as Role | undefined) ?? 'agent',
      endpoint: h.endpoint || null,
      state: (h.state as AgentState | undefined) ?? 'offline',
      reason: h.reason || null,
      since: h.since ?? new Date(0).toISOString(),
      callId: h.callId || null,
      queue: h.callId ? h.queue || null : null,
    };
  }

  /** Atomically picks the longest-idle agent who takes the queue's calls and marks them ringing for the call. */
  async reserve(queue: string, callId: string, now = new Date()): Promise<number | null> {
    const id = (await this.#redis.eval(
      RESERVE,
      2,
      idleKey(queue),
      AVAILABLE,
      queue,
      callId,
      now.toISOString(),
      PREFIX,
    )) as number | null;
    return id ?? null;
  }

  /** Reserves this agent for the call if they are available (ringing for it); false when they are not. */
  async reserveAgent(agentId: number, queue: string, callId: string, now = new Date()): Promise<boolean> {
    const reserved = await this.#redis.eval(
      RESERVE_AGENT,
      2,
      agentKey(agentId),
      AVAILABLE,
      String(agentId),
      queue,
      callId,
      now.toISOString(),
      PREFIX,
    );
    return reserved === 1;
  }

  /** Applies a transition if the agent is in one of `from`; otherwise throws Conflict with a readable reason. */
  async transition(agentId: number, t: Transition, now = new Date()): Promise<AgentState> {
    const result = (await this.#redis.eval(
      TRANSITION,
      3,
      agentKey(agentId),
      AVAILABLE,
      WRAPUP,
      String(agentId),
      t.to,
      t.reason ?? '',
      now.toISOString(),
      String(now.getTime()),
      t.from.join(','),
      t.callId ?? '',
      String(now.getTime() + (t.wrapUpS ?? 0) * 1000),
      PREFIX,
    )) as string;
    if (result.startsWith('ERR_STATE:')) {
      const state = result.slice('ERR_STATE:'.length);
      throw new Conflict(`The state cannot be changed now: ${STATE_WORDS[state] ?? state}.`);
    }
    return result as AgentState;
  }

  /** Agents whose wrap-up time is over. */
  async wrapUpsDue(now = new Date()): Promise<number[]> {
    return (await this.#redis.zrangebyscore(WRAPUP, '0', String(now.getTime()))).map(Number);
  }

  /** Every agent who signed in, with their state, by agent number. */
  async list(): Promise<AgentOverview[]> {
    const ids = (await this.#redis.smembers(`${PREFIX}agents`)).map(Number).sort((a, b) => a - b);
    const pipeline = this.#redis.pipeline();
    for (const id of ids) pipeline.hgetall(agentKey(id));
    const hashes = ((await pipeline.exec()) ?? []).map(([, h]) => (h ?? {}) as Record<string, string>);
    return ids
      .map((agentId, i) => ({ agentId, h: hashes[i]! }))
      .filter(({ h }) => h.login)
      .map(({ agentId, h }) => ({
        agentId,
        login: h.login!,
        name: h.name ?? '',
        agentNumber: h.agentNumber ?? '',
        state: (h.state as AgentState | undefined) ?? 'offline',
        reason: h.reason || null,
        since: h.since ?? new Date(0).toISOString(),
        callId: h.callId || null,
        queue: h.callId ? h.queue || null : null,
        queues: (h.queues ?? '').split(',').filter(Boolean),
      }))
      .sort((a, b) => a.agentNumber.localeCompare(b.agentNumber) || a.agentId - b.agentId);
  }

  /** How many agents who take the queue are at work on calls (available, ringing, talking, wrapping up). */
  async serving(queue: string): Promise<number> {
    return this.#redis.scard(`${PREFIX}queue:${queue}:serving`);
  }
}
