// Filled in by the key-designer work.
export {};
