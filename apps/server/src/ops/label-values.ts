/** What a label value may look like: a name, never free text. */
const safeValue = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;

/**
 * A label whose values come from outside Recall's code (model names, moderation categories):
 * values that look like names are kept up to `maxValues` distinct ones, everything else is
 * `other`, so a caller cannot put text in a label or grow the registry without bound.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly maxValues: number) {}

  valueOf(raw: string): string {
    if (this.seen.has(raw)) return raw;
    if (!safeValue.test(raw) || this.seen.size >= this.maxValues) return "other";
    this.seen.add(raw);
    return raw;
  }
}

/** `2xx`, `4xx`…: the status class, so a label never holds more than five values. */
export function statusClass(statusCode: number): string {
  return statusCode >= 100 && statusCode < 600 ? `${Math.floor(statusCode / 100)}xx` : "other";
}

const knownMethods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export function methodLabel(method: string): string {
  return knownMethods.has(method) ? method : "other";
}

/**
 * An Ollama host as a label or a report shows it: scheme, host, port and path only. A URL's
 * user and password (`http://user:secret@host`), query and fragment never leave the process.
 */
export function hostLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}`;
  } catch {
    return "invalid-url";
  }
}
