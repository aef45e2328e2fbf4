export {
  MAINTENANCE_QUEUE,
  purgeOldRecordings,
  startRecordingRetention,
  type RetentionSettings,
  type RetentionWorker,
} from './recording-retention.ts';
export { overdueNotice, startTicketClocks, type TicketClocksWorker } from './ticket-clocks.ts';
