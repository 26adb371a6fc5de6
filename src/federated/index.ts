/**
 * Federated training: a server and clients that train a model together without moving raw rows.
 * Updates are clipped, encrypted to the server and signed; optional secure aggregation (the server
 * learns only the sum), robust aggregation and central differential privacy. See docs/federated.md.
 */
export { keygen, enroll, readEnrollment, writeEnrollment, clientIds, type KeygenOptions, type KeygenResult } from './enrollment.js';
export { generateKeyPairs, readKeyFile, readPublicKeyFile, parsePublicKeys, fingerprint, checkClientId, type KeyPairs, type PublicKeys, type Role } from './keys.js';
export { defaultFederatedConfig, checkFederatedConfig, type FederatedConfig, type Aggregation } from './config.js';
export { FederatedServer, type FederatedServerOptions, type ServerSummary } from './server.js';
export { FederatedClient, type FederatedClientOptions, type ClientSummary, type DropPoint } from './client.js';
export { InProcessTransport, HttpTransport, type Transport, type TransportRequest, type TransportResponse, type HttpTransportOptions } from './transport.js';
export { serveHttp, type HttpServeOptions, type HttpServerHandle } from './http-server.js';
export { federatedKind, type FederatedModelKind, type LocalTrainOptions, type LocalTrainResult, type CheckpointCalibration } from './model-kind.js';
export { openLocalData, memoryLocalData, type LocalData, type LocalDataOptions } from './local-data.js';
export { encodeStatistic, decodeStatistic, StatisticMerge } from './statistic-sums.js';
export { sketchScores, sketchQuantile, encodeSketch, decodeSketch, SKETCH_BINS, SKETCH_BINS_PER_DECADE, type Sketch } from './score-sketch.js';
export { encodeModel, decodeModel, layoutOf, flatten, unflatten, MODEL_FORMAT, type GlobalModel, type ModelLayout } from './model-file.js';
export { sealEnvelope, parseEnvelope, openEnvelope, verifyEnvelope, type EnvelopeHeader, type UploadKind } from './envelope.js';
export { privacySpent, rdpCurve, epsilonFromRdp, rdpSampledGaussian, DEFAULT_RDP_ORDERS, type PrivacyOptions } from './rdp.js';
export { splitSecret, combineShares, type Share } from './shamir.js';
export { coordinateMedian, trimmedMean } from './robust.js';
export { ServerOptimizer } from './server-optimizer.js';
export { ExactWeightedSum } from './exact-sum.js';
export { ControlVariateStep, withControlVariates, splitControlVariates, CONTROL_PREFIX } from './control-variates.js';
export { CHECKPOINT_FILE, roundJournalPath, type RoundRecord, type ClientOutcome } from './server-store.js';
export type { RoundView, Phase, FlRequest, FlResponse } from './protocol.js';
export { runServer, runClient, parseListen, type RunServerOptions, type RunClientOptions } from './run.js';
export { loadSimData, readRowVector, type SimData, type SimDataOptions } from './sim-data.js';
export { utf8 } from './bytes.js';
export { splitClients, splitHostsByProfile, type SplitKind } from './split.js';
