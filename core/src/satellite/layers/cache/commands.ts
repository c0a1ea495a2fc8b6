/**
 * dmsetup argv builders (pure). A table is ONE argv element (`--table "0 2048 cache ..."`): no shell.
 */

export const DMSETUP = 'dmsetup';

export function createArgs(name: string, table: string): string[] {
  return ['create', name, '--table', table];
}

/** Loads an inactive table; it goes live on the next resume. */
export function reloadArgs(name: string, table: string): string[] {
  return ['reload', name, '--table', table];
}

export function suspendArgs(name: string): string[] {
  return ['suspend', name];
}

export function resumeArgs(name: string): string[] {
  return ['resume', name];
}

/** `--retry`: udev may still hold the device for a moment after the last close. */
export function removeArgs(name: string): string[] {
  return ['remove', '--retry', name];
}

export function statusArgs(name: string): string[] {
  return ['status', name];
}

export function tableArgs(name: string): string[] {
  return ['table', name];
}

/** Devices using a target type ("cache", "writecache"). */
export function lsTargetArgs(target: string): string[] {
  return ['ls', '--target', target];
}

export function messageArgs(name: string, ...message: string[]): string[] {
  return ['message', name, '0', ...message];
}
