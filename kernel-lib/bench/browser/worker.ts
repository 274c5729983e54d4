/** Dedicated worker of the browser benchmark: runs the load job off the page's main thread. */
import { runJob } from './job.js';
import type { StartMessage, WorkerMessage } from './protocol.js';

addEventListener('message', (event: MessageEvent<StartMessage>) => {
  if (event.data?.type === 'start') void runJob(event.data, (message: WorkerMessage) => postMessage(message));
});
