import type { RegisterCommand } from '../context.js';

/** Placeholder: filled in by the `policy` work. */
export const registerPolicy: RegisterCommand = () => undefined;
