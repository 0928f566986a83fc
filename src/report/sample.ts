/**
 * An auditor's sample of a period's population: `size` records drawn without replacement, reproducible from
 * the seed. The population is put in a fixed order first (merge time, repository, pull request), so the same
 * ledger, period and seed always give the same sample, on any machine.
 */
import { sha256Hex } from '../lib/canonical';
import type { EvidenceRecord } from '../store/records';

/** A generator of numbers in [0, 1) from a seed text: SHA-256 of the seed, then xorshift128+ steps. */
function generator(seed: string): () => number {
  const digest = sha256Hex(`attest-sample:${seed}`);
  let s0 = BigInt(`0x${digest.slice(0, 16)}`) | 1n;
  let s1 = BigInt(`0x${digest.slice(16, 32)}`) | 1n;
  const mask = (1n << 64n) - 1n;
  return () => {
    let x = s0;
    const y = s1;
    s0 = y;
    x = (x ^ (x << 23n)) & mask;
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return Number(((s1 + y) & mask) >> 11n) / 2 ** 53;
  };
}

const populationOrder = (a: EvidenceRecord, b: EvidenceRecord) =>
  a.mergedAt.localeCompare(b.mergedAt) || a.repositoryUuid.localeCompare(b.repositoryUuid) || a.pullRequestId - b.pullRequestId;

/** `size` of `population` (all of it when smaller), in population order. */
export function drawSample(population: readonly EvidenceRecord[], sample: { size: number; seed: string }): EvidenceRecord[] {
  const ordered = [...population].sort(populationOrder);
  const next = generator(sample.seed);
  const picked = ordered.map((_, index) => index);
  const size = Math.min(sample.size, ordered.length);
  // A partial Fisher–Yates shuffle: the first `size` positions are a uniform sample without replacement.
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(next() * (picked.length - i));
    [picked[i], picked[j]] = [picked[j] ?? i, picked[i] ?? j];
  }
  return picked
    .slice(0, size)
    .sort((a, b) => a - b)
    .map((index) => ordered[index])
    .filter((record): record is EvidenceRecord => record !== undefined);
}
