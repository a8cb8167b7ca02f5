// Public entry of `intentkey`: the client, its operations and events, errors (one guard
// per class), the stores, venue profiles, and the pure decision helpers users call on
// their own. Every export is named; nothing under internal/ is exported. Store authors
// find the store contract's request shapes and status tables in `intentkey/ledger`; the
// tools behind the `intentkey` command are in `intentkey/tools`.

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
  RequestHeldEvent,
  BreakerStateChangedEvent,
  WarningEvent,
} from './client/types.js';
export type { ProtectionOptions, ProtectionSnapshot } from './client/protection.js';
export type { HistogramSnapshot, IntentMetrics, IntentRunMetrics, IntentStatusGauges, LedgerMetrics, ProtectionMetrics, BreakerPositionMetrics, BreakerPositionName, HoldCause, HoldActions, WaitMetrics } from './observability/metrics.js';

// Errors
export {
  AmbiguousOutcomeError,
  CircuitOpenError,
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
  isCircuitOpenError,
  isConfigurationError,
  isIntentBusyError,
  isIntentConflictError,
  isIntentError,
  isKeyFormatError,
  isLedgerCorruptError,
  isLedgerError,
  isLedgerLeaseLostError,
  isLedgerLockedError,
  isLedgerTransitionError,
  isLedgerUnavailableError,
  isRetriesExhaustedError,
  isVenueRejectedError,
  type ExhaustedReason,
  type IntentErrorCode,
} from './errors/index.js';

// Protection: retry budget, circuit breaker, client-side rate limiter (docs/protection.md)
export { RetryBudget, type BudgetConfig, type BudgetDeposit, type BudgetSpend, type RetryBudgetOptions, type RetryBudgetSnapshot } from './protection/retry-budget.js';
export {
  CircuitBreaker,
  type Admission,
  type BreakerChange,
  type BreakerConfig,
  type BreakerPosition,
  type BreakerResult,
  type BreakerSnapshot,
  type BreakerTicket,
  type CircuitBreakerOptions,
} from './protection/circuit-breaker.js';
export {
  LocalRateLimiter,
  type LimiterPermit,
  type LimiterRequestKind,
  type LimitState,
  type LocalRateLimiterOptions,
  type RateLimiter,
} from './protection/rate-limiter.js';

// Stores (PostgreSQL and Redis: `intentkey/stores/postgres`, `intentkey/stores/redis`)
export { MemoryLedger } from './stores/memory/memory-ledger.js';
export { FileLedger, type FileLedgerEvent, type FileLedgerOptions } from './stores/file/file-ledger.js';
export type { IntentDraft, IntentRecord, IntentStatus, IntentView, ParkedState, Resolution, StoredOutcome } from './ledger/intent.js';
export type { InputCodec, LedgerStore } from './ledger/ledger-store.js';

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
  PublishedLimit,
  VenueAbout,
  VenueProfile,
} from './venues/profile.js';
export { defineVenue, extendVenue, type VenueOverrides } from './venues/index.js';
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
export { classifyResponse, classifyTransport, readRateLimitUsage } from './classify/index.js';
export type { Outcome, OutcomeKind, RateLimitUsage, ResponseFacts, TransportFacts } from './classify/index.js';
export { computeBackoffDelay, parseRetryAfter, planRetry, type BackoffOptions, type JitterStrategy, type RetryPlan } from './backoff/index.js';
export { checkVenueKey, createKeyGenerator, deriveKey, encodeVenueKey, type KeyStrategy } from './keys/index.js';

// Injectables (types only: the defaults are built in)
export type { Clock, RandomSource, Sleep } from './injectables.js';
