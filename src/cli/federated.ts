/**
 * `dadm federated keygen|enroll|server|client|simulate`: federated training as a command group.
 * The server and the client run until the training ends and log one line per event on stderr;
 * `--json` turns their stdout into JSON lines (`{"listening": URL}`, then `{"result": …}`), which
 * is how `simulate` drives them as child processes.
 */
import { UsageError } from '../errors.js';
import { federated, loadConfig } from '../pipeline/index.js';
import type { CliIo, Command, OptionValues } from './command.js';
import { federatedSimulateCommand } from './federated-simulate.js';
import { JSON_OPTION, QUIET_OPTION, intOption, requiredString, stringOption } from './options.js';
import { fmt, printResult } from './output.js';

const CONFIG_OPTION = { name: 'config', type: 'string', value: 'FILE', description: 'config.yaml: the model, local training and its federated: section', default: './config.yaml if present' } as const;
const LINES_OPTION = { name: 'json', type: 'boolean', description: 'JSON lines on stdout: {"listening": URL} (server), then {"result": …}' } as const;

/** Server and client log lines on stderr, unless --quiet. */
function logger(values: OptionValues, io: CliIo): (line: string) => void {
  return values.quiet === true ? () => {} : (line) => void io.stderr.write(`${line}\n`);
}

const keygenCommand: Command = {
  name: 'federated keygen',
  summary: 'create the server key pair and/or client key pairs (private keys 0600) and an enrollment list',
  description:
    'Writes DIR/server.key (private: X25519 for update encryption, Ed25519 for signing models) and\n' +
    'DIR/server.pub.json (public: give it to every client), and for each client DIR/<id>.key and\n' +
    'DIR/<id>.pub.json (Ed25519 identity, X25519 for secure aggregation) plus DIR/enrollment.json\n' +
    'listing the new clients. Run it on each client host for its own key and send only the .pub.json\n' +
    'to the server operator, who adds it with `dadm federated enroll`. Existing key files are refused\n' +
    'unless --force. Prints fingerprints, never private keys.',
  options: [
    { name: 'out-dir', type: 'string', value: 'DIR', description: 'directory for the key files (created if missing)', required: true },
    { name: 'server', type: 'boolean', description: 'create the server key pair' },
    { name: 'clients', type: 'string', value: 'N|ID,ID…', description: 'client key pairs: a count (client-001 …) or a comma-separated list of ids' },
    { name: 'no-enrollment', type: 'boolean', description: 'do not write enrollment.json for the new clients' },
    { name: 'force', type: 'boolean', description: 'replace existing key files' },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: ['federated keygen --out-dir keys --server --clients 10', 'federated keygen --out-dir host-keys --clients host-042 --no-enrollment'],
  run(values, io) {
    const clients = stringOption(values, 'clients');
    const count = clients !== undefined && /^\d+$/.test(clients) ? intOption(values, 'clients', 1, 100_000) : undefined;
    const result = federated.keygen({
      outDir: requiredString(values, 'out-dir'),
      server: values.server === true,
      ...(clients !== undefined ? { clients: count ?? clients.split(',').map((s) => s.trim()) } : {}),
      ...(values['no-enrollment'] === true ? { enrollment: false } : {}),
      force: values.force === true,
    });
    const lines = [
      ...(result.server ? [`server   ${result.server.key} (private, 0600), ${result.server.publicKey}, fingerprint ${result.server.fingerprint}`] : []),
      ...result.clients.map((c) => `${c.id.padEnd(8)} ${c.key} (private, 0600), ${c.publicKey}, fingerprint ${c.fingerprint}`),
      ...(result.enrollment ? [`enrolled ${result.clients.length} clients in ${result.enrollment}`] : []),
    ];
    printResult(io, values, result, lines);
    return 0;
  },
};

const enrollCommand: Command = {
  name: 'federated enroll',
  summary: "add client public keys (<id>.pub.json) to the server's enrollment list",
  description:
    'Adds each client public key file to the enrollment list (created if missing). Only enrolled\n' +
    'clients may take part; an id already enrolled with the same keys is kept, with other keys it is\n' +
    'an error. The server reads the list when it starts.',
  options: [
    { name: 'enrollment', type: 'string', value: 'FILE', description: 'enrollment.json to update', required: true },
    { name: 'public-keys', type: 'string', value: 'FILE,FILE…', description: 'comma-separated client .pub.json files', required: true },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: ['federated enroll --enrollment keys/enrollment.json --public-keys host-042.pub.json,host-043.pub.json'],
  run(values, io) {
    const enrollment = requiredString(values, 'enrollment');
    const files = requiredString(values, 'public-keys').split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (files.length === 0) throw new UsageError('--public-keys must name at least one file, got none');
    const added = federated.enroll(enrollment, files);
    printResult(io, values, { enrollment, added }, [`${enrollment}: added ${added.length} client(s)${added.length > 0 ? `: ${added.join(', ')}` : ''}`]);
    return 0;
  },
};

const serverCommand: Command = {
  name: 'federated server',
  summary: 'run the federated server: publish signed global models, aggregate updates, write the final checkpoint',
  description:
    'Serves HTTP (HTTPS with federated.tls.cert/key) until federated.rounds aggregations are committed,\n' +
    'then collects score histograms from the clients, fixes the threshold (threshold.quantile of their\n' +
    'rows) and writes STATE_DIR/model.safetensors, a normal dadm checkpoint. Every round is committed\n' +
    'atomically to --state-dir: a server killed at any moment resumes there with nothing lost. One log\n' +
    'line per round on stderr (clients in/missing/rejected and why, aggregate norm, loss, epsilon).\n' +
    'Exit 0 when training completed, 1 when the server gave up (too many aborted rounds), 130/143 when\n' +
    'stopped by SIGINT/SIGTERM (run it again with the same --state-dir to resume).',
  options: [
    { name: 'state-dir', type: 'string', value: 'DIR', description: 'round records, global models, journal (created if missing; resumed if not empty)', required: true },
    { name: 'key', type: 'string', value: 'FILE', description: 'server.key from dadm federated keygen', required: true },
    { name: 'enrollment', type: 'string', value: 'FILE', description: 'enrollment.json: the clients allowed in', required: true },
    { name: 'listen', type: 'string', value: 'HOST:PORT', description: 'address to serve on (port 0: any free port)', default: '127.0.0.1:8443' },
    CONFIG_OPTION,
    { name: 'width', type: 'string', value: 'N', description: 'row width of the clients\' data (needed with schema: none only)' },
    QUIET_OPTION,
    LINES_OPTION,
  ],
  examples: ['federated server --state-dir fl-state --key keys/server.key --enrollment keys/enrollment.json --listen 0.0.0.0:8443 --config config.yaml'],
  async run(values, io) {
    const controller = new AbortController();
    let signal: NodeJS.Signals | null = null;
    const stop = (s: NodeJS.Signals): void => {
      signal = s;
      controller.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const json = values.json === true;
    const width = intOption(values, 'width', 1);
    try {
      const summary = await federated.runServer({
        stateDir: requiredString(values, 'state-dir'),
        serverKey: requiredString(values, 'key'),
        enrollment: requiredString(values, 'enrollment'),
        listen: stringOption(values, 'listen') ?? '127.0.0.1:8443',
        config: loadConfig(stringOption(values, 'config')),
        ...(width !== undefined ? { width } : {}),
        onLog: logger(values, io),
        onListening: (url) => void (json && io.stdout.write(`${JSON.stringify({ listening: url })}\n`)),
        signal: controller.signal,
      });
      if (summary === null) {
        io.stderr.write(`dadm federated server: stopped by ${signal}; run it again with the same --state-dir to resume\n`);
        return signal === 'SIGINT' ? 130 : 143;
      }
      const result = { status: summary.status, modelVersion: summary.modelVersion, modelSha256: summary.modelSha256, rounds: summary.rounds.length, checkpoint: summary.checkpoint };
      if (json) io.stdout.write(`${JSON.stringify({ result })}\n`);
      if (summary.status === 'gave-up') {
        io.stderr.write(`dadm federated server: gave up after federated.max_aborted_rounds aborted rounds in a row; the global model stays v${summary.modelVersion}\n`);
        return 1;
      }
      const c = summary.checkpoint;
      if (!json && values.quiet !== true) {
        io.stdout.write(`federated training completed: model v${summary.modelVersion} (sha256 ${summary.modelSha256.slice(0, 12)})\n`);
        io.stdout.write(c === null ? 'no checkpoint: too few clients sent score histograms for the threshold\n' : `checkpoint ${c.path}, threshold ${fmt(c.threshold)}: dadm score, export-onnx, explain and drift take it\n`);
      }
      return 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};

const clientCommand: Command = {
  name: 'federated client',
  summary: 'take part in federated training with local rows that never leave this host',
  description:
    'Each round: fetches the global model and checks the server signature and hash, trains it on the\n' +
    'local rows with the same code as dadm train (training.* settings, federated.local_epochs epochs),\n' +
    'clips the weight update to federated.clip_norm, encrypts it to the server and signs it. After the\n' +
    'last round it sends a histogram of its rows\' scores for the threshold. Only updates, sample counts\n' +
    'and that histogram are sent; the log says what and how many bytes. Retries with backoff while the\n' +
    'server is unreachable (federated.retry); a client that misses a round joins the next one.',
  options: [
    { name: 'server', type: 'string', value: 'URL', description: 'server URL, http(s)://host:port', required: true },
    { name: 'key', type: 'string', value: 'FILE', description: "this client's <id>.key", required: true },
    { name: 'server-key', type: 'string', value: 'FILE', description: "the server's server.pub.json (pinned: views and models must be signed by it)", required: true },
    { name: 'data', type: 'string', value: 'FILE', description: 'local rows .npy [rows, features]', required: true },
    { name: 'hosts', type: 'string', value: 'FILE', description: 'host id of every data row, .npy [rows] integers, a host\'s rows in time order (model: transformer trains on each host\'s windows)' },
    CONFIG_OPTION,
    { name: 'seed', type: 'string', value: 'N', description: 'seed of the local shuffling (each round derives its own)', default: '0' },
    { name: 'ca', type: 'string', value: 'FILE', description: 'PEM CA certificate to trust for an https server' },
    { name: 'crash-at', type: 'string', value: 'ROUND:STEP', description: 'simulations: stop as a crashed host would, in ROUND after fetch|advertise|shares|masked' },
    QUIET_OPTION,
    LINES_OPTION,
  ],
  examples: ['federated client --server https://fl.example:8443 --key host-042.key --server-key server.pub.json --data local.npy --ca ca.pem'],
  async run(values, io) {
    const crash = stringOption(values, 'crash-at');
    const dropAt = crash === undefined ? undefined : parseCrashAt(crash);
    const ca = stringOption(values, 'ca');
    const hosts = stringOption(values, 'hosts');
    const summary = await federated.runClient({
      server: requiredString(values, 'server'),
      key: requiredString(values, 'key'),
      serverPublicKey: requiredString(values, 'server-key'),
      data: requiredString(values, 'data'),
      config: loadConfig(stringOption(values, 'config')),
      seed: intOption(values, 'seed', 0) ?? 0,
      ...(hosts !== undefined ? { hosts } : {}),
      ...(ca !== undefined ? { ca } : {}),
      ...(dropAt !== undefined ? { dropAt } : {}),
      onLog: logger(values, io),
    });
    if (values.json === true) io.stdout.write(`${JSON.stringify({ result: summary })}\n`);
    if (summary.status === 'dropped') {
      io.stderr.write(`dadm federated client: stopped in round ${dropAt!.round} after ${dropAt!.after}, as --crash-at asked\n`);
      return 1;
    }
    if (values.json !== true && values.quiet !== true) {
      io.stdout.write(`took part in ${summary.rounds.length} round(s) (${summary.rounds.join(', ') || 'none'}), sent ${summary.bytesSent} bytes; final model sha256 ${summary.modelSha256.slice(0, 12)}\n`);
    }
    return 0;
  },
};

/** `ROUND:STEP` of --crash-at. @throws UsageError for anything else */
function parseCrashAt(text: string): federated.DropPoint {
  const m = /^(\d{1,9}):(fetch|advertise|shares|masked)$/.exec(text);
  if (m === null) throw new UsageError(`--crash-at must be ROUND:STEP with STEP fetch, advertise, shares or masked, got '${text}'`);
  return { round: Number(m[1]), after: m[2] as federated.DropPoint['after'] };
}

export const federatedCommand: Command = {
  name: 'federated',
  summary: 'federated training: keys, server, clients and a one-machine simulation',
  description:
    'Trains the configured model (autoencoder, or transformer on rows + --hosts) across hosts whose rows\n' +
    'never leave them: a server publishes signed global models, clients train locally and send clipped,\n' +
    'encrypted, signed updates (optionally under secure aggregation and differential privacy), FedAvg\n' +
    'combines them, and the end result is a dadm checkpoint with a threshold. Settings: the federated:\n' +
    'section of config.yaml (dadm init-config). docs/federated.md has the protocol and what each mode\n' +
    'protects against.',
  options: [],
  examples: [
    'federated keygen --out-dir keys --server --clients 3',
    'federated server --state-dir state --key keys/server.key --enrollment keys/enrollment.json',
    'federated client --server http://127.0.0.1:8443 --key keys/client-001.key --server-key keys/server.pub.json --data part1.npy',
    'federated simulate --clients 10 --rounds 5 --split by-profile',
  ],
  subcommands: [keygenCommand, enrollCommand, serverCommand, clientCommand, federatedSimulateCommand],
  run() {
    throw new UsageError('a subcommand must be given; run dadm federated --help');
  },
};

