export {
  MAINTENANCE_QUEUE,
  purgeOldRecordings,
  startRecordingRetention,
  type RetentionSettings,
  type RetentionWorker,
} from './recording-retention.ts';
export { overdueNotice, startTicketClocks, type TicketClocksWorker } from './ticket-clocks.ts';
export {
  reviewSeverities,
  SEVERITY_QUEUE,
  SEVERITY_REVIEW_JOB,
  startSeverityReview,
  type SeverityReviewWorker,
} from './severity-review.ts';
export { startDialer, type Dialer } from './dialer.ts';
export { drawLastPeriod, QA_QUEUE, startQaSampling } from './qa-sampling.ts';
export { startCampaignScheduler, type CampaignScheduler } from './campaigns.ts';
export { DialQueues, FEED_AHEAD, Feeder, ProgressReporter, type DialJob } from './dial-queues.ts';
export {
  enqueueReportRun,
  reportFileQuery,
  reportTick,
  REPORTS_QUEUE,
  startReportJobs,
  type ReportJobs,
} from './report-jobs.ts';
