import type { RegisterCommand } from '../context.js';

/** Placeholder: filled in by the `audit` work. */
export const registerAudit: RegisterCommand = () => undefined;
