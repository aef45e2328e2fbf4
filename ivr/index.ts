export type * from './call-control.ts';
export { AriCallControl, type AriSettings } from './ari/adapter.ts';
export { IvrController, type ControllerSettings } from './controller.ts';
export * from './speech.ts';
export { FlowLibrary } from './flow/library.ts';
export { catalogueIds, PromptLibrary, type PromptScan } from './prompt-library.ts';
export { readCatalogue } from './flow/load.ts';
export { SelfService, type SelfServicePort } from './self-service.ts';
