import { ConfigurationError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';
import { settlesByResend } from './decide.js';
import type { IntentEvents } from './events.js';
import type { ResolvedClientOptions } from './options.js';
import type { OperationDefinition, ReconcileDefinition } from './types.js';

/** An operation as the runner needs it (input and result types erased). */
export interface RegisteredOperation {
  readonly name: string;
  readonly definition: OperationDefinition<unknown, unknown>;
  /** How an unknown outcome is looked up: the operation's own, `{}` for the profile's lookup, `undefined` for none. */
  readonly reconcile: ReconcileDefinition<unknown, unknown> | undefined;
}

const OPERATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/**
 * The operations of one client, by their stable names: checks each definition once, at
 * registration, and settles how an unknown outcome of it is looked up.
 */
export class OperationRegistry {
  readonly #operations = new Map<string, RegisteredOperation>();
  readonly #options: ResolvedClientOptions;
  readonly #events: IntentEvents;

  constructor(options: ResolvedClientOptions, events: IntentEvents) {
    this.#options = options;
    this.#events = events;
  }

  /**
   * Registers `definition` under `name`. Warns (`UNRESOLVABLE_UNKNOWN`) when an unknown
   * outcome of it could only be settled by a person.
   * @throws ConfigurationError when the name is malformed or taken, or the definition is malformed.
   */
  register(name: string, definition: OperationDefinition<unknown, unknown>): RegisteredOperation {
    const { venue } = this.#options;
    if (typeof name !== 'string' || !OPERATION_NAME.test(name)) {
      throw new ConfigurationError({
        path: 'operation.name',
        expected: `a name matching ${OPERATION_NAME.source}`,
        received: describeValue(name),
      });
    }
    if (this.#operations.has(name)) {
      throw new ConfigurationError({
        code: 'ERR_CONFIG_DUPLICATE_OPERATION',
        path: `operations.${name}`,
        expected: 'a name not registered yet on this client',
        received: 'a name already registered',
      });
    }
    checkDefinition(name, definition);
    const given =
      definition.reconcile === undefined
        ? undefined
        : typeof definition.reconcile === 'function'
          ? { request: definition.reconcile }
          : definition.reconcile;
    // Without a request builder of its own the operation uses the profile's lookup by key,
    // or its scan (which needs the key echoed into the created object).
    const profileLookup = venue.reconcile.lookup ?? (venue.key.echo === undefined ? undefined : venue.reconcile.scan);
    if (given !== undefined && given.request === undefined && profileLookup === undefined) {
      throw new ConfigurationError({
        path: `operations.${name}.reconcile.request`,
        expected: `a function (${venue.name} has no lookup by key to build one from)`,
        received: 'undefined',
      });
    }
    const reconcile = given ?? (profileLookup === undefined ? undefined : {});
    const registered: RegisteredOperation = { name, definition, reconcile };
    this.#operations.set(name, registered);
    if (!reconcile && !settlesByResend(venue.dedupe)) {
      this.#events.emit('warning', {
        code: 'UNRESOLVABLE_UNKNOWN',
        message: `Operation ${name} has no reconcile lookup and ${venue.name} keeps no key store that replays every answer: an unknown outcome will need a person.`,
      });
    }
    return registered;
  }

  /** The operation registered under `name`, if any. */
  get(name: string): RegisteredOperation | undefined {
    return this.#operations.get(name);
  }

  /**
   * The registered operation `operation` names: its name, or the function `operation()`
   * returned. `path` names the argument in the error.
   * @throws ConfigurationError when it names no registered operation.
   */
  find(operation: unknown, path: string): RegisteredOperation {
    const name = typeof operation === 'string' ? operation : (operation as { operationName?: unknown } | null)?.operationName;
    const op = typeof name === 'string' ? this.#operations.get(name) : undefined;
    if (op === undefined) {
      throw new ConfigurationError({ path, expected: 'a registered operation (its name or the function operation() returned)', received: describeValue(operation) });
    }
    return op;
  }
}

function checkDefinition(name: string, definition: OperationDefinition<unknown, unknown>): void {
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new ConfigurationError({ path: `operations.${name}.${field}`, expected, received: describeValue(value) });
  };
  if (typeof definition !== 'object' || definition === null) fail('', 'an operation definition object', definition);
  if (typeof definition.request !== 'function') fail('request', 'a function (input, ctx) => axios request config', definition.request);
  const r = definition.reconcile;
  if (r !== undefined && typeof r !== 'function') {
    if (typeof r !== 'object' || r === null) fail('reconcile', 'a function, or { request?, params?, interpret? }', r);
    for (const field of ['request', 'params', 'interpret'] as const) {
      if (r[field] !== undefined && typeof r[field] !== 'function') fail(`reconcile.${field}`, 'a function', r[field]);
    }
  }
  if (definition.fingerprint !== undefined && typeof definition.fingerprint !== 'function') fail('fingerprint', 'a function', definition.fingerprint);
  if (definition.result !== undefined && typeof definition.result !== 'function') fail('result', 'a function', definition.result);
}
