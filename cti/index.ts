export {
  Acd,
  wakeAcds,
  NODE_TTL_MS,
  WAKE_CHANNEL,
  POP_SEEN_CHANNEL,
  type QueueEntry,
  type OfferedAgent,
  type AcdSettings,
} from './acd.ts';
export { AgentStates, queuesOf } from './agent-states.ts';
export { QueueSettingsBook } from './queue-settings.ts';
export { Notifier } from './notifier.ts';
export { createServer, type ServerDeps } from './server.ts';
export { PhoneMonitor, type AmiSettings } from './ami/phone-monitor.ts';
export { StateLogRecorder } from './state-log-recorder.ts';
export { CallCommandClient, serveCallCommands } from './call-commands.ts';
export { MONITORS_KEY } from './notifier.ts';
export {
  RedisLeaderClaims,
  monitorClaimKey,
  parseClaim,
  MONITOR_CLAIM_TTL_MS,
  MONITOR_CLAIM_REFRESH_MS,
  type MonitorClaim,
} from './monitor-claims.ts';
