// Filled in by the log-fields work.
export {};
