/**
 * spawnStream: LocalRunner runs a long-lived command (no shell) and hands its stdout over line by line;
 * aborting ends it; a command that cannot start is a CommandError. ScriptedStreamRunner, its test
 * double, plays lines and then exits or runs until aborted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalRunner } from '../src/exec/local.js';
import { CommandError } from '../src/exec/runner.js';
import { ScriptedStreamRunner } from '../src/exec/scripted-stream.js';

const node = process.execPath;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

test('LocalRunner.spawnStream delivers every stdout line in order (also split across writes), with exit code and stderr tail', async () => {
  const lines: string[] = [];
  const code = `
    process.stdout.write('exists resource name:r0 role:Secondary\\nexists dev');
    setTimeout(() => { process.stdout.write('ice name:r0 volume:0 disk:UpToDate\\n\\nlast without newline'); process.stderr.write('drbdsetup: gone\\n'); process.exitCode = 20; }, 30);
  `;
  const exit = await new LocalRunner().spawnStream(node, ['-e', code], { onLine: (l) => lines.push(l) });
  assert.deepEqual(lines, ['exists resource name:r0 role:Secondary', 'exists device name:r0 volume:0 disk:UpToDate', '', 'last without newline']);
  assert.deepEqual(exit, { exitCode: 20, signal: undefined, canceled: false, stderr: 'drbdsetup: gone\n' });
});

test('LocalRunner.spawnStream: aborting the signal ends the command and says so', async () => {
  const ac = new AbortController();
  const lines: string[] = [];
  let pid = 0;
  const code = `console.log('pid ' + process.pid); setInterval(() => {}, 1 << 30);`;
  const exit = await new LocalRunner().spawnStream(node, ['-e', code], {
    signal: ac.signal,
    onLine: (l) => {
      lines.push(l);
      pid = Number(l.split(' ')[1]);
      ac.abort();
    },
  });
  assert.equal(lines.length, 1);
  assert.equal(exit.canceled, true);
  assert.equal(exit.exitCode, undefined);
  assert.equal(exit.signal, 'SIGTERM');
  assert.equal(alive(pid), false, 'the process is gone');
});

test('LocalRunner.spawnStream: a missing program is a CommandError (notFound); a throwing consumer ends the command', async () => {
  await assert.rejects(
    new LocalRunner().spawnStream('/nonexistent/drbdsetup', ['events2'], { onLine: () => undefined }),
    (err: unknown) => err instanceof CommandError && err.notFound && err.argv.join(' ') === '/nonexistent/drbdsetup events2',
  );
  let pid = 0;
  await assert.rejects(
    new LocalRunner().spawnStream(node, ['-e', `console.log(process.pid); setInterval(() => {}, 1 << 30);`], {
      onLine: (l) => {
        pid = Number(l);
        throw new Error('consumer broke');
      },
    }),
    /consumer broke/,
  );
  assert.equal(alive(pid), false);
});

test('ScriptedStreamRunner plays lines, then exits or runs until aborted, and records every argv', async () => {
  const r = new ScriptedStreamRunner([
    { argv: ['drbdsetup', 'events2', 'once'], lines: ['a', 'b'], exitCode: 1, stderr: 'boom', times: 1 },
    { argv: /^drbdsetup events2 /, lines: ['c'] },
  ]);
  const got: string[] = [];
  assert.deepEqual(await r.spawnStream('drbdsetup', ['events2', 'once'], { onLine: (l) => got.push(l) }),
    { exitCode: 1, signal: undefined, canceled: false, stderr: 'boom' });
  const ac = new AbortController();
  const running = r.spawnStream('drbdsetup', ['events2', 'once'], { signal: ac.signal, onLine: (l) => got.push(l) });
  await new Promise((res) => setTimeout(res, 20));
  ac.abort();
  assert.equal((await running).canceled, true);
  assert.deepEqual(got, ['a', 'b', 'c']);
  await assert.rejects(r.spawnStream('other', [], { onLine: () => undefined }), (err: unknown) => err instanceof CommandError && err.notFound);
  assert.deepEqual(r.streamCalls, [['drbdsetup', 'events2', 'once'], ['drbdsetup', 'events2', 'once'], ['other']]);
});
