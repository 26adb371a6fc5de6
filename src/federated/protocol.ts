/**
 * The federated protocol's messages and routes (docs/federated.md has the full description). JSON
 * keys are snake_case on the wire. Routes:
 *
 * - `GET /v1/round?client=ID&round=R&phase=P&wait=S` → a {@link RoundView} signed by the server;
 *   waits up to S seconds (long poll) while the server is still at round R, phase P.
 * - `GET /v1/model?sha256=H` → the global model file with that hash (safetensors).
 * - `POST /v1/upload` (`application/octet-stream`) → an envelope (envelope.ts); 200 `{accepted}` or
 *   4xx `{error, reason}`.
 * - `GET /v1/health` → `{status, round, phase}`.
 */

/**
 * The server's phase within a round. Plain rounds stay in 'train' until they close; after the last
 * committed round, one calibration round collects the sums of the kind's fitted statistic
 * ('statistics', only for a kind that has one) and then score histograms for the threshold
 * ('calibrate'); then 'done'.
 */
export type Phase = 'train' | 'share' | 'mask' | 'unmask' | 'statistics' | 'calibrate' | 'done';

/** Settings the client needs, covered by the view's signature. */
export interface ClientSettings {
  local_epochs: number;
  /** FedProx μ of local training (0 = none). */
  proximal_mu: number;
  /** SCAFFOLD correction weight (0 = none); the global model then carries the control variate. */
  scaffold_scale: number;
  clip_norm: number;
  max_samples: number;
  secure_aggregation: boolean;
  clipping_range: number;
  quantization_range: number;
}

/** A client's signed secure-aggregation keys for one round. */
export interface Advertisement {
  round: number;
  client: string;
  /** Hex SHA-256 of the round's global model. */
  model: string;
  /** Ephemeral X25519 public key for pairwise masks (its private key is secret-shared). */
  mask_pk: string;
  /** Ephemeral X25519 public key for encrypting shares (never shared). */
  share_pk: string;
  signature: string;
}

/** A neighbour as the share phase presents it: its enrolled keys (vouched by the server) and its advertisement. */
export interface Neighbour {
  client: string;
  /** 1-based position in the round's ring: the Shamir evaluation point of shares it holds. */
  x: number;
  ed25519: string;
  x25519: string;
  advertisement: Advertisement;
}

/** Secure-aggregation data for one client in one phase. */
export interface SecAggView {
  /** share phase: this client's neighbours (itself included) and the reconstruction threshold. */
  neighbours?: Neighbour[];
  threshold?: number;
  /** mask phase: neighbours that sent shares, and the encrypted shares addressed to this client. */
  alive?: string[];
  inbox?: { from: string; nonce: string; ciphertext: string }[];
  /** unmask phase: neighbours whose masked input arrived, and those that dropped after sharing. */
  survivors?: string[];
  dropped?: string[];
}

/** What `GET /v1/round` answers. */
export interface RoundView {
  protocol: string;
  round: number;
  phase: Phase;
  model: { version: number; sha256: string; kind: string };
  /** Aggregations the server will commit in all, and committed so far. */
  rounds: number;
  committed: number;
  /** Whether the asking client takes part in this round. */
  selected: boolean;
  /** Whether the asking client's upload for this phase has been accepted already. */
  uploaded: boolean;
  settings: ClientSettings;
  /** Milliseconds left in this phase. */
  deadline_ms: number;
  secagg?: SecAggView;
  signature?: string;
}

/** A request as the server core sees it (transport-independent). */
export interface FlRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: Uint8Array;
}

/** A response from the server core. */
export interface FlResponse {
  status: number;
  contentType: string;
  body: Uint8Array;
}

/** Purposes of signed JSON (see signed-json.ts). */
export const SIGNED = { view: 'round-view', advertisement: 'advertisement' } as const;

/** A JSON response. */
export function jsonResponse(status: number, value: unknown): FlResponse {
  return { status, contentType: 'application/json', body: new TextEncoder().encode(JSON.stringify(value)) };
}
