/**
 * Process entry point of a federated client (phase 2 turns it into `dadm federated client`):
 * `node --import tsx src/federated/client-main.ts options.json`, options as {@link RunClientOptions}
 * without the callbacks. Prints `{"result": summary}` at the end.
 */
import { runMain } from './main-io.js';
import { runClient, type RunClientOptions } from './run.js';

runMain<RunClientOptions>('federated-client', (options, log) => runClient({ ...options, onLog: log }));
