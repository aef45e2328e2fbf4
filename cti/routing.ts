// cti's routing port, as the IVR controller sees it: queue a call (with its screen pop), and report what
// happened to the agent's leg.
export type { Acd, CallbackRecord, QueueEntry, OfferedAgent, OfferHandler, OfferOutcome } from './acd.ts';
export { buildPopBase, type PopBase } from './screen-pop.ts';
export {
  serveCallCommands,
  CALL_ENDED,
  type CallCommand,
  type MonitorCommand,
  type NodeCommand,
  type CallCommandRequest,
  type CallCommandResult,
} from './call-commands.ts';
export { MONITOR_CLAIM_REFRESH_MS, type LeaderClaims, type MonitorClaim } from './monitor-claims.ts';
