import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSecret } from "./identity.ts";

/**
 * RECALL_SECRET when set (required once several instances share users); otherwise a
 * secret generated once and kept in the data directory, so identities survive restarts.
 */
export function resolveSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const path = join(dataDir, "identity-secret");
  try {
    const existing = readFileSync(path, "utf8").trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = generateSecret();
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}
