/**
 * Who shares keys with whom (internal to secagg; `secagg/protocol` re-exports the parameter
 * finder): the complete graph of Bonawitz et al. (CCS 2017) and the Harary graph of SecAgg+
 * (Bell et al., CCS 2020), the (k, t) finder, and the neighbourhoods the protocol's parties
 * compute from a configuration.
 *
 * graph.ts builds graphs and lists neighbours, _params.ts is the finder's arithmetic, and
 * _topology.ts the neighbourhoods of a configuration, with their caches.
 */
export {
  GRAPH_SEED_BYTES,
  MAX_FINDER_CLIENTS,
  MAX_GRAPH_CLIENTS,
  areNeighbours,
  buildCompleteGraph,
  buildGraph,
  buildHararyGraph,
  findGraphParameters,
  graphSpec,
  neighboursOf,
  type AdversaryClass,
  type GraphKind,
  type GraphParameterOptions,
  type GraphParameters,
  type GraphSpec,
  type SecAggGraph,
} from './graph.js';
export { indexOf, neighbourIds, topology, withSelf, type GraphConfig, type Topology } from './_topology.js';
