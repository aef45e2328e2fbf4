export type * from './call-control.ts';
export { AriCallControl, type AriSettings } from './ari/adapter.ts';
export { IvrController, type ControllerSettings } from './controller.ts';
export * from './speech.ts';
export {
  step,
  newInboundCall,
  feesSpeech,
  type InboundCall,
  type CallEvent,
  type Effect,
} from './inbound-call.ts';
