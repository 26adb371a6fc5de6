/**
 * Process entry point of a federated server (phase 2 turns it into `dadm federated server`):
 * `node --import tsx src/federated/server-main.ts options.json`, options as {@link RunServerOptions}
 * without the callbacks. Prints `{"listening": URL}` when it listens, then `{"result": ...}`.
 */
import { runMain } from './main-io.js';
import { runServer, type RunServerOptions } from './run.js';

runMain<RunServerOptions>('federated-server', async (options, log, signal) => {
  const summary = await runServer({ ...options, onLog: log, signal, onListening: (url) => void process.stdout.write(`${JSON.stringify({ listening: url })}\n`) });
  return summary === null ? { status: 'stopped' } : { status: summary.status, modelVersion: summary.modelVersion, modelSha256: summary.modelSha256 };
});
