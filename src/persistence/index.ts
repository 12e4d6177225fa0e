// Public surface of the persistence layer.
export { Storage, ENV_FILE, type StorageOptions } from './storage.js';
export { TenantStore, type ProviderMessageRef } from './tenant-store.js';
export { ArchiveDueIndex, type DueEntry } from './archive-due-index.js';
export { AnalysisDueIndex, type AnalysisDueEntry, type AnalysisDueValue } from './analysis-due-index.js';
export { FORMAT_VERSION, IncompatibleDataDirError } from './format-version.js';
export { DATABASES, keys } from './key-layout.js';
export { OutboxStore, type OutboxRecord, type OutboxState, type OutboxAttemptError } from './outbox-store.js';
export { DeliveryLedger, type DeliveryRecord, type DeliveryStatus } from './delivery-ledger.js';
export { MediaStore, type MediaRecord } from './media-store.js';
export { EmailThreadIndex } from './email-thread-index.js';
export { MediaJobQueue, type MediaJob } from './media-job-queue.js';
export { RoutingStore } from './routing-store.js';
export { DeadLetterStore, type DeadLetter } from './dead-letter-store.js';
