#!/usr/bin/env node
/** Bin entry of `storhub`. */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
});
