#!/usr/bin/env node
/** Bin entry of `storhub`. */
import { runCli } from './program.js';

// `storhub n l | head -1`: the reader went away; stop quietly like other command-line tools.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  // Only commands that take a secret read it; a terminal is never read (no prompt, no echo).
  readStdin: async () => {
    if (process.stdin.isTTY) return undefined;
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text;
  },
});
