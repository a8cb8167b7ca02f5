export {
  JITTER_STRATEGIES,
  MAX_TIMER_DELAY_MS,
  checkBackoffOptions,
  computeBackoffDelay,
  nominalBackoffDelay,
  type BackoffOptions,
  type JitterStrategy,
} from './jitter.js';
export { MAX_PARSED_RETRY_AFTER_MS, parseRetryAfter, type RetryAfterUnit } from './retry-after.js';
export {
  DEFAULT_BACKOFF,
  DEFAULT_MAX_RETRY_AFTER_MS,
  planRetry,
  resolveBackoffOptions,
  type PlanRetryInput,
  type RetryPlan,
} from './plan.js';
export { simulateContention, type ContentionInput, type ContentionResult } from './simulate.js';
