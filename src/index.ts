// Placeholder: the public surface is assembled as modules land.
export { IntentError, isIntentError } from './errors/index.js';
