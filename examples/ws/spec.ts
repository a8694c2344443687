import { createSessionSpec } from 'secagg/session';

// What the server and every client hold from a trusted source (shipped with the app), never from the server.
export const identities = ['alice', 'bob', 'carol', 'dave'];
export const spec = createSessionSpec({
  policy: { registry: { size: identities.length }, corruptFraction: 0, dropoutFraction: 0.25, minClients: 3 },
  model: [{ name: 'weights', length: 1000 }, { name: 'bias', length: 10 }],
  aggregation: { kind: 'mean', clip: 1, bits: 24 },
});
