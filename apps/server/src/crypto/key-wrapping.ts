import { decodeBase64url, keyBytes, open, seal } from "./aes-gcm.ts";
import { MasterKeyError } from "./errors/master-key-error.ts";
import type { MasterKeys } from "./master-keys.ts";

const wrapFormatTag = "wk1";

export interface DataKeyIdentity {
  userId: string;
  version: number;
}

/** The data key sealed under a master key; the associated data binds it to its user, its version and the master version. */
export function wrapDataKey(dataKey: Buffer, identity: DataKeyIdentity, masterKeys: MasterKeys): { wrappedKey: string; masterVersion: number } {
  const masterVersion = masterKeys.currentVersion;
  const masterKey = requireMasterKey(masterKeys, masterVersion);
  const sealed = seal(masterKey, dataKey, wrapAssociatedData(identity, masterVersion));
  return { wrappedKey: `${wrapFormatTag}.${sealed.nonce.toString("base64url")}.${sealed.body.toString("base64url")}`, masterVersion };
}

export function unwrapDataKey(wrappedKey: string, identity: DataKeyIdentity, masterVersion: number, masterKeys: MasterKeys): Buffer {
  const masterKey = requireMasterKey(masterKeys, masterVersion);
  const [tag, nonceText = "", bodyText = "", ...rest] = wrappedKey.split(".");
  const nonce = decodeBase64url(nonceText);
  const body = decodeBase64url(bodyText);
  const dataKey = tag === wrapFormatTag && rest.length === 0 && nonce && body ? open(masterKey, { nonce, body }, wrapAssociatedData(identity, masterVersion)) : null;
  if (dataKey === null || dataKey.length !== keyBytes) {
    throw new MasterKeyError(
      masterVersion,
      `Data key version ${identity.version} of user ${identity.userId} does not open with master key version ${masterVersion}: ` +
        "the configured key for that version is not the one it was wrapped with (or the row was altered).",
    );
  }
  return dataKey;
}

function requireMasterKey(masterKeys: MasterKeys, masterVersion: number): Buffer {
  const key = masterKeys.keys.get(masterVersion);
  if (!key) {
    throw new MasterKeyError(
      masterVersion,
      `Master key version ${masterVersion} is not configured but data keys are wrapped with it: add it back to RECALL_ENCRYPTION_KEYS, ` +
        "run `pnpm keys:rotate`, and only then remove it.",
    );
  }
  return key;
}

function wrapAssociatedData(identity: DataKeyIdentity, masterVersion: number): Buffer {
  return Buffer.from(JSON.stringify([wrapFormatTag, identity.userId, identity.version, masterVersion]), "utf8");
}
