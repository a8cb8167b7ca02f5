#!/usr/bin/env node
// The `intentkey` command (package.json "bin"). All logic is in program.ts.
import { runCli } from './program.js';

// `intentkey ledger ls | head`: the reader closing the pipe early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  now: () => Date.now(),
}).then((code) => {
  process.exitCode = code;
});
