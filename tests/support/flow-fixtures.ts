// What the flow unit tests share: the prompt catalogue flows are checked against, loading a flow that must be
// valid, the interpreter's settings, and owners as the database hands them over (findOwnerByPhone).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { PopOwner } from '../../core/index.ts';
import type { FlowCallSettings } from '../../ivr/flow/interpreter.ts';
import { sayAmount, sayDate, sayRoom, type Language, type PromptId } from '../../ivr/speech.ts';
import { loadFlow, promptCatalogue } from '../../ivr/flow/load.ts';
import type { Flow } from '../../ivr/flow/types.ts';

export const ZH = promptCatalogue(
  readFileSync(new URL('../../ivr/prompts/catalogue.tsv', import.meta.url), 'utf8'),
);

/** A flow that must load without errors. */
export function load(file: string, text: string): Flow {
  const result = loadFlow(file, text, ZH);
  expect(result.errors).toEqual([]);
  return result.flow!;
}

/** The text of a shipped flow file, ivr/flows/<name>.yaml. */
export function shippedText(name: string): string {
  return readFileSync(new URL(`../../ivr/flows/${name}.yaml`, import.meta.url), 'utf8');
}

export const SETTINGS: FlowCallSettings = {
  digitTimeoutMs: 6000,
  menuRetries: 3,
  holdAnnounceS: 20,
  queue: 'property',
};

export const ZHANG: PopOwner = {
  id: 1,
  name: '张伟',
  vip: false,
  language: 'zh',
  units: [{ unitId: 11, roomCode: 'B3-1502', building: '3号楼', estate: '翠湖花园', estateId: 1 }],
};

/** A VIP with two units. */
export const LI: PopOwner = {
  id: 2,
  name: '李娜',
  vip: true,
  language: 'zh',
  units: [
    { unitId: 21, roomCode: 'B1-0801', building: '1号楼', estate: '翠湖花园', estateId: 1 },
    { unitId: 22, roomCode: 'B2-1203', building: '2号楼', estate: '翠湖花园', estateId: 1 },
  ],
};

/** Registered as an English speaker. */
export const SMITH: PopOwner = {
  id: 4,
  name: 'John Smith',
  vip: false,
  language: 'en',
  units: [{ unitId: 41, roomCode: 'B5-0302', building: '5号楼', estate: '翠湖花园', estateId: 1 }],
};

/** What the fee reminder (ivr/flows/outbound-fee-reminder.yaml) says before offering the choices. */
export function reminderMessage(room: string, owedFen: number, due: string, lang: Language): PromptId[] {
  return [
    'outbound-hello',
    'fees-unit',
    ...sayRoom(room, lang),
    'reminder-owed',
    ...sayAmount(owedFen, lang),
    'reminder-due',
    ...sayDate(due, lang),
    'reminder-due-end',
  ];
}
