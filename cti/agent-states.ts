// Agent states in Redis, shared by every controller and API process. Every change that must not race is one
// Lua script, so reserving an agent for a call is atomic across processes: an agent is never offered two calls.
//
// Keys (prefix `hotline:`):
//   agent:<id>          hash  state, reason, since, callId, login, name, endpoint, skills (",general,fees,")
//   agents:available    zset  agent id -> the time the agent became idle (ms); the longest idle comes first
//   agents:wrapup       zset  agent id -> the time wrap-up ends (ms)
import type { Redis } from 'ioredis';
import type { AgentState, AgentStatus, Role } from '../core/index.ts';
import { Conflict } from '../core/index.ts';

export const PREFIX = 'hotline:';
const AVAILABLE = `${PREFIX}agents:available`;
const WRAPUP = `${PREFIX}agents:wrapup`;
/** Every state change, appended atomically with the change itself; cti/state-log-recorder.ts stores it. */
export const STATE_LOG = `${PREFIX}agent-state-log`;
const agentKey = (id: number) => `${PREFIX}agent:${id}`;
/** endpoint ("PJSIP/agent1") -> the agent signed in at that phone */
const endpointKey = (endpoint: string) => `${PREFIX}endpoint:${endpoint}`;

/** Fields every transition writes, and its entry in the state log. */
const SET_STATE = `
local function set_state(key, state, reason, since, callId)
  redis.call('HSET', key, 'state', state, 'reason', reason, 'since', since, 'callId', callId)
  local id = string.match(key, 'agent:(%d+)$')
  redis.call('XADD', '${STATE_LOG}', 'MAXLEN', '~', '1000000', '*',
    'agent', id, 'state', state, 'reason', reason, 'callId', callId, 'at', since)
end
`;

// KEYS: available zset. ARGV: skill, callId, nowIso, prefix. Returns the reserved agent id or false.
const RESERVE = `${SET_STATE}
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  local key = ARGV[4] .. 'agent:' .. id
  local fields = redis.call('HMGET', key, 'state', 'skills')
  if fields[1] == 'available' and string.find(fields[2] or '', ',' .. ARGV[1] .. ',', 1, true) then
    set_state(key, 'ringing', '', ARGV[3], ARGV[2])
    redis.call('ZREM', KEYS[1], id)
    return tonumber(id)
  elseif fields[1] ~= 'available' then
    redis.call('ZREM', KEYS[1], id)
  end
end
return false
`;

// KEYS: agent hash, available zset, wrapup zset. ARGV: id, toState, reason, nowIso, nowMs, allowedFrom (csv),
// expectCallId ('' = any), wrapUpEndsMs. Returns the previous state, or an error string 'ERR_STATE:<state>'.
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
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[2] == 'available' then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1]) end
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
  skills: string[];
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

  /** Registers (or refreshes) the agent's profile; a new agent starts offline. */
  async register(profile: AgentProfile, now = new Date()): Promise<void> {
    const key = agentKey(profile.agentId);
    await this.#redis.hset(key, {
      login: profile.login,
      name: profile.name,
      agentNumber: profile.agentNumber,
      role: profile.role,
      endpoint: profile.endpoint ?? '',
      skills: `,${profile.skills.join(',')},`,
    });
    await this.#redis.hsetnx(key, 'state', 'offline');
    await this.#redis.hsetnx(key, 'since', now.toISOString());
    if (profile.endpoint) await this.#redis.set(endpointKey(profile.endpoint), String(profile.agentId));
  }

  /** The agent who last signed in at this phone, if any. */
  async agentAt(endpoint: string): Promise<number | null> {
    const id = await this.#redis.get(endpointKey(endpoint));
    return id === null ? null : Number(id);
  }

  async get(
    agentId: number,
  ): Promise<AgentStatus & { endpoint: string | null; name: string; agentNumber: string; role: Role }> {
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
    };
  }

  /** Atomically picks the longest-idle available agent with the skill and marks them ringing for the call. */
  async reserve(skill: string, callId: string, now = new Date()): Promise<number | null> {
    const id = (await this.#redis.eval(RESERVE, 1, AVAILABLE, skill, callId, now.toISOString(), PREFIX)) as
      number | null;
    return id ?? null;
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
}
