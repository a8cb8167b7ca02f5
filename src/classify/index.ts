export {
  OUTCOME_KINDS,
  type ConflictOutcome,
  type FatalOutcome,
  type Outcome,
  type OutcomeKind,
  type RateLimitedOutcome,
  type ResignOutcome,
  type RetryOutcome,
  type SuccessOutcome,
  type UnknownOutcome,
} from './outcome.js';
export { classifyTransport, isPreWriteFailure, type TransportFacts } from './classify-transport.js';
export { classifyResponse, matchErrorRule, readVenueError, type MatchedRule, type ResponseFacts, type VenueError } from './classify-response.js';
export { readRateLimitUsage, type RateLimitUsage } from './rate-limit-usage.js';
