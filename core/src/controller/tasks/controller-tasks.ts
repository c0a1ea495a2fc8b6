/**
 * The controller's background tasks, started by the daemon next to the satellite connections and
 * stopped before them: auto-evict, BalanceResources, and the evacuation follow-up that deletes
 * moved-away replicas once their replacements are in sync (replica-moves.ts).
 */
import type { Logger } from 'pino';
import type { Controller } from '../controller.js';
import { settleMoves } from '../services/replica-moves.js';
import { AutoEvictTask } from './auto-evict.js';
import { BalanceTask } from './balance.js';

export interface ControllerTasksOptions {
  logger: Logger;
  /** How often auto-evict looks at the nodes (ms). */
  autoEvictIntervalMs?: number;
  /** How often moves are checked for their sync (ms). */
  settleIntervalMs?: number;
}

export interface ControllerTasks {
  autoEvict: AutoEvictTask;
  balance: BalanceTask;
  stop(): void;
}

export function startControllerTasks(c: Controller, opts: ControllerTasksOptions): ControllerTasks {
  const log = opts.logger.child({ component: 'tasks' });
  const autoEvict = new AutoEvictTask(c, { log });
  const balance = new BalanceTask(c, { log });
  autoEvict.start(opts.autoEvictIntervalMs ?? 60_000);
  balance.start();
  const settle = setInterval(() => {
    try {
      const done = settleMoves(c);
      if (done.length) log.info({ entries: done.map((e) => e.message) }, 'moved replicas deleted after their replacement synced');
    } catch (err) {
      c.recordError(err, 'Evacuation follow-up task');
    }
  }, opts.settleIntervalMs ?? 5_000);
  settle.unref();
  return {
    autoEvict,
    balance,
    stop() {
      autoEvict.stop();
      balance.stop();
      clearInterval(settle);
    },
  };
}
