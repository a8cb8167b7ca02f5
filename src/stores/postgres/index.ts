// `intentkey/stores/postgres`: a shared, durable ledger in PostgreSQL, on the application's own `pg` Pool.
export type { ClaimResumableRequest } from '../../ledger/ledger-store.js';
export {
  PostgresLedger,
  type PgQueryable,
  type PostgresLedgerEvent,
  type PostgresLedgerOptions,
} from './postgres-ledger.js';
export { DEFAULT_TABLE } from './schema.js';
