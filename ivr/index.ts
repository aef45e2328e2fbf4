export type * from './call-control.ts';
export { AriCallControl, type AriSettings } from './ari/adapter.ts';
export { IvrController, type ControllerSettings } from './controller.ts';
export * from './speech.ts';
export { FlowLibrary } from './flow/library.ts';
export { PromptLibrary, type PromptScan } from './prompt-library.ts';
export { promptIds } from './flow/load.ts';
export { SelfService, type SelfServicePort } from './self-service.ts';
