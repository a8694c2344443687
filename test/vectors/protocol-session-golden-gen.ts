/**
 * Regenerates the transcript fingerprints of test/vectors/protocol-session-golden.json after a
 * deliberate change to the protocol's bytes (run: npx tsx test/vectors/protocol-session-golden-gen.ts).
 * It keeps every case's options, seed, outcome, survivors, byte count and sum, and refuses to
 * write when any of those changed or a sum no longer matches the plain sum: only the transcript
 * hash may move. With `--bytes-may-change` (a change to a message's layout, or to the graph a
 * case's options give) the byte count may move too, and is printed. `--add <name> <options
 * JSON> <seed hex>` appends a new case, refusing one whose sum does not match the plain sum.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { simulateSession } from '../../src/simulate/index.js';

const file = new URL('./protocol-session-golden.json', import.meta.url);
const golden = JSON.parse(readFileSync(file, 'utf8')) as {
  provenance: string;
  cases: { name: string; options: object; seedHex: string; outcome: string; included: number[]; totalBytes: number; sumHex: string; transcriptSha256: string }[];
};
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytesMayChange = process.argv.includes('--bytes-may-change');
const add = process.argv.indexOf('--add');
if (add >= 0) {
  const [name, optionsJson, seedHex] = process.argv.slice(add + 1, add + 4) as [string, string, string];
  const options = JSON.parse(optionsJson) as object;
  const r = simulateSession({ ...options, seed: Uint8Array.from(Buffer.from(seedHex, 'hex')) } as never);
  if (r.match !== true) throw new Error(`${name}: the sum does not match the plain sum; not writing`);
  golden.cases.push({
    name, options, seedHex, outcome: r.outcome, included: [...r.included], totalBytes: r.totalBytes,
    sumHex: hex(new Uint8Array((r.sums?.['x'] as Uint32Array).buffer)), transcriptSha256: hex(r.transcriptHash as Uint8Array),
  });
  console.log(`${name}: added (${r.outcome}, ${r.included.length} included, ${r.totalBytes} bytes, graph ${r.config.graph.kind})`);
}
for (const c of golden.cases) {
  const r = simulateSession({ ...c.options, seed: Uint8Array.from(Buffer.from(c.seedHex, 'hex')) } as never);
  const sumHex = hex(new Uint8Array((r.sums?.['x'] as Uint32Array).buffer));
  if (r.outcome !== c.outcome || r.match !== true || JSON.stringify(r.included) !== JSON.stringify(c.included) || (r.totalBytes !== c.totalBytes && !bytesMayChange) || sumHex !== c.sumHex) {
    throw new Error(`${c.name}: more than the transcript changed; not writing`);
  }
  console.log(`${c.name}: ${c.transcriptSha256} -> ${hex(r.transcriptHash as Uint8Array)}, ${c.totalBytes} -> ${r.totalBytes} bytes`);
  c.totalBytes = r.totalBytes;
  c.transcriptSha256 = hex(r.transcriptHash as Uint8Array);
}
writeFileSync(file, `${JSON.stringify(golden, null, 2)}\n`);
