import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

/**
 * argon2id with OWASP's first recommended set (19 MiB, 2 passes, 1 lane). `2` is
 * `Algorithm.Argon2id`: the package declares it as a `const enum`, which isolated modules
 * cannot import.
 */
const argon2idOptions = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const passwordMinLength = 8;
/** argon2 reads the whole password: an upper bound keeps one request from costing much more than another. */
export const passwordMaxLength = 256;

export class PasswordHasher {
  private dummy: Promise<string> | null = null;

  hash(password: string): Promise<string> {
    return hash(password, argon2idOptions);
  }

  /** Compares in constant time (argon2's own check); false for a hash that does not parse. */
  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /** For an unknown login: the same work as a real check, so timing does not tell which logins exist. */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= this.hash(randomBytes(16).toString("base64url"));
    await this.verify(await this.dummy, password);
    return false;
  }
}
