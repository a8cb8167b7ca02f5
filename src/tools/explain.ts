// Filled in by the explain work.
export {};
