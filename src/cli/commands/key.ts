import type { RegisterCommand } from '../context.js';

/** Placeholder: filled in by the `key` work. */
export const registerKey: RegisterCommand = () => undefined;
