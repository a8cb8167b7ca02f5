import type { RegisterCommand } from '../context.js';

/** Placeholder: filled in by the `explain` work. */
export const registerExplain: RegisterCommand = () => undefined;
