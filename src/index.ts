// Public entry of `intentkey`. Every export is named; nothing under internal/ leaks.

// Client
export { resolveIntent, type IntentVerdict, type ResolveOptions } from './ledger/resolve.js';
export { createIntentClient, type IntentClient } from './client/create-intent-client.js';
export type { IntentRequestMeta } from './client/axios-request.js';
export type {
  AttemptContext,
  AttemptStartedEvent,
  AttentionEntry,
  CallOptions,
  IdempotencyConflictEvent,
  IntentClientOptions,
  IntentContext,
  IntentEventBase,
  IntentEventHandlers,
  IntentEventMap,
  IntentFinishedEvent,
  IntentLogger,
  IntentParkedEvent,
  IntentResolvedEvent,
  IntentResult,
  IntentStartedEvent,
  IntentSummary,
  KeyExpiredEvent,
  KeyOptions,
  KeyStrategyOption,
  LedgerObservation,
  ListQuery,
  LookupFinishedEvent,
  LookupResponse,
  LookupStartedEvent,
  LookupVerdict,
  Operation,
  OperationDefinition,
  OutcomeEvent,
  ParkedOptions,
  RateLimitUsageEvent,
  ReconcileDefinition,
  ReconcileEvent,
  RecoveryFinishedEvent,
  RecoveryHandle,
  RecoveryOptions,
  RecoveryProgressEvent,
  RecoveryReport,
  RecoveryStartedEvent,
  RequestSummary,
  RetryOptions,
  RetryScheduledEvent,
  WarningEvent,
} from './client/types.js';
export type { HistogramSnapshot, IntentMetrics, IntentRunMetrics, IntentStatusGauges, LedgerMetrics, WaitMetrics } from './observability/metrics.js';

// Errors
export {
  AmbiguousOutcomeError,
  ConfigurationError,
  IntentBusyError,
  IntentConflictError,
  IntentError,
  KeyFormatError,
  LedgerCorruptError,
  LedgerError,
  LedgerLeaseLostError,
  LedgerLockedError,
  LedgerTransitionError,
  LedgerUnavailableError,
  RetriesExhaustedError,
  VenueRejectedError,
  isAmbiguousOutcomeError,
  isConfigurationError,
  isIntentConflictError,
  isIntentError,
  isLedgerError,
  isRetriesExhaustedError,
  isVenueRejectedError,
  type ExhaustedReason,
  type IntentErrorCode,
} from './errors/index.js';

// Ledger
export { MemoryLedger } from './stores/memory/memory-ledger.js';
export { FileLedger, type FileLedgerEvent, type FileLedgerOptions } from './stores/file/file-ledger.js';
export { DEFAULT_LEDGER_DIR, LazyFileLedger } from './stores/file/default-ledger.js';
export { INTENT_STATUSES, TERMINAL_STATUSES } from './ledger/intent.js';
export type { IntentDraft, IntentRecord, IntentStatus, IntentView, ParkedState, Resolution, StoredOutcome } from './ledger/intent.js';
export type { ClaimRequest, ClaimResult, ClaimResumableRequest, CreateInFlight, InputCodec, LedgerCapabilities, LedgerStore, ListRecordsQuery, TransitionRequest } from './ledger/ledger-store.js';
export { isAllowedTransition, RESUMABLE_STATUSES } from './ledger/transitions.js';

// Venues
export type {
  DedupeSpec,
  ErrorRule,
  HeaderMatch,
  KeyFormat,
  KeyEcho,
  KeySpec,
  LookupMatch,
  LookupSpec,
  RateLimitSpec,
  ReconcileSpec,
  RequestWindowSpec,
  ResponseSpec,
  ScanSpec,
  RuleOutcome,
  TimeUnit,
  UsageHeaderSpec,
  VenueAbout,
  VenueProfile,
} from './venues/profile.js';
export { defineVenue, extendVenue, venueProfileSchema, type VenueOverrides } from './venues/index.js';
// Shipped profiles: exchanges, payment APIs, generic.
export {
  binanceSpot,
  binanceUsdm,
  bitfinex,
  bybit,
  coinbase,
  deribit,
  gate,
  kraken,
  kucoin,
  okx,
  adyen,
  braintree,
  checkoutCom,
  paypal,
  square,
  stripe,
  GENERIC_RULES,
  genericVenue,
  ietfIdempotencyKey,
  VENUE_PROFILES,
} from './venues/index.js';

// Decisions (pure functions, usable on their own)
export { classifyResponse, classifyTransport, describeTransportError, readRateLimitUsage, readVenueError, OUTCOME_KINDS } from './classify/index.js';
export type { Outcome, OutcomeKind, RateLimitUsage, ResponseFacts, TransportFacts } from './classify/index.js';
export { computeBackoffDelay, parseRetryAfter, planRetry, type BackoffOptions, type JitterStrategy, type RetryPlan } from './backoff/index.js';
export { assertVenueKey, checkVenueKey, createKeyGenerator, deriveKey, encodeVenueKey, type KeyStrategy } from './keys/index.js';

// Injectables
export { systemClock, systemSleep, type Clock, type Sleep } from './internal/clock.js';
export { createCryptoRandom, type RandomSource } from './internal/random.js';
