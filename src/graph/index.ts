/**
 * Who shares keys with whom (internal to secagg; `secagg/protocol` re-exports the parameter
 * finder): the complete graph of Bonawitz et al. (CCS 2017) and the Harary graph of SecAgg+
 * (Bell et al., CCS 2020), the rules that pick the graph and threshold of a session, the
 * derivation of a Harary graph's seed (beacon or nonce), and the neighbourhoods the protocol's
 * parties compute from a configuration.
 *
 * graph.ts builds graphs and lists neighbours; params.ts applies the threshold rules over
 * _params.ts, the search arithmetic; beacon.ts is the seed's provenance; _topology.ts the
 * neighbourhoods of a configuration, with their caches.
 */
export {
  GRAPH_SEED_BYTES,
  MAX_GRAPH_CLIENTS,
  areNeighbours,
  buildCompleteGraph,
  buildGraph,
  buildHararyGraph,
  graphSpec,
  neighboursOf,
  type GraphKind,
  type GraphSpec,
  type SecAggGraph,
} from './graph.js';
export {
  MAX_FINDER_CLIENTS,
  countAtFraction,
  deriveGraph,
  findGraphParameters,
  minimumThreshold,
  type AdversaryClass,
  type DeriveGraphOptions,
  type GraphParameterOptions,
  type GraphParameters,
  type GraphPolicy,
  type MinimumThresholdOptions,
} from './params.js';
export {
  GRAPH_SEED_INFO,
  MAX_BEACON_ROUND,
  MAX_BEACON_TIME,
  MAX_BEACON_VALUE_BYTES,
  MIN_BEACON_VALUE_BYTES,
  beaconRoundIsFresh,
  beaconRoundTime,
  createBeaconSource,
  graphSeedFromBeacon,
  graphSeedFromNonce,
  type BeaconSource,
} from './beacon.js';
export { directoryPositions, indexOf, neighbourIds, topology, withSelf, type GraphConfig, type Topology } from './_topology.js';
