import type { RegisterCommand } from '../context.js';

/** Placeholder: filled in by the `ledger` work. */
export const registerLedger: RegisterCommand = () => undefined;
