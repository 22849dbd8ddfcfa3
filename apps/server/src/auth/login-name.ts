/**
 * One login field for a username or an email: NFKC, trimmed, lower case, so "Alice",
 * "alice " and "ＡＬＩＣＥ" are one account. Letters, digits and `. _ - @ +` only: no spaces
 * or look-alike punctuation to confuse a reader.
 */
export function normalizeLogin(raw: string): string {
  return raw.normalize("NFKC").trim().toLowerCase();
}

export const loginPattern = /^[\p{L}\p{N}._@+-]{3,254}$/u;

/** A message a person can act on, or null when the (normalized) login is acceptable. */
export function loginProblem(login: string): string | null {
  if (login.length < 3) return "A username needs at least 3 characters.";
  if (login.length > 254) return "That username is too long (254 characters at most).";
  if (!loginPattern.test(login)) return "Use letters, digits and . _ - @ + only (no spaces).";
  return null;
}

/** `RECALL_ADMIN_USERS`: logins, normalized like any other. */
export function parseAdminLogins(value: string): string[] {
  return value.split(",").map(normalizeLogin).filter(Boolean);
}
