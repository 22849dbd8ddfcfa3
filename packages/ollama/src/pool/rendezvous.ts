import { createHash } from "node:crypto";

/**
 * Rendezvous (highest random weight) hashing: every host gets a score for the key and the
 * highest wins. Every Recall instance computes the same order with no shared state, and a
 * host going away moves only the keys it held (each to its own runner-up), not everyone's.
 */
export function rendezvousScore(key: string, host: string): bigint {
  return createHash("sha256").update(key).update("\n").update(host).digest().readBigUInt64BE(0);
}

/** The hosts in the key's order of preference. */
export function rendezvousOrder(key: string, hosts: readonly string[]): string[] {
  return hosts
    .map((host) => ({ host, score: rendezvousScore(key, host) }))
    .sort((left, right) => (left.score === right.score ? 0 : left.score > right.score ? -1 : 1))
    .map((entry) => entry.host);
}
