import type { RegisterCommand } from '../context.js';

/** Placeholder: filled in by the `log-fields` work. */
export const registerLogFields: RegisterCommand = () => undefined;
