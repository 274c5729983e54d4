/** The production Notifier: delivery's `notify` (outbox, retries) and its catalog of integrations. */
import type { Backend } from '../backends/backend.js';
import type { Clock } from '../clock.js';
import { integrationExists, notify } from '../delivery/index.js';
import type { Notifier } from './incidents.js';

export function deliveryNotifier(ctx: { backend: Backend; clock: Clock }): Notifier {
  return {
    notify: (n) => notify(ctx, n),
    exists: (name) => integrationExists(ctx, name),
  };
}
