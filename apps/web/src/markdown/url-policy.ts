/**
 * What a model reply may point at. Model output is untrusted, so links keep only schemes that
 * cannot run code, and images load only from origins the caller allows.
 */

const linkProtocols = new Set(["http:", "https:", "mailto:"]);
const imageProtocols = new Set(["http:", "https:"]);

/**
 * Parses an absolute URL the way the browser will. The WHATWG parser strips leading control
 * characters and spaces and drops tabs and newlines anywhere, so `\u0001java\tscript:` is seen
 * as `javascript:` here too and the check below matches what a click would do.
 */
function parseAbsolute(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    // Relative or malformed: nothing to resolve it against, so nothing to link to.
    return null;
  }
}

/** The href to render, normalized, or null when the link must not be live. */
export function safeLinkHref(url: string | null | undefined): string | null {
  if (!url) return null;
  const parsed = parseAbsolute(url);
  if (!parsed || !linkProtocols.has(parsed.protocol)) return null;
  return parsed.href;
}

/** Normalizes an allowlist once: `https://images.example/` and `https://images.example` are one origin. */
export function normalizeOrigins(origins: readonly string[]): ReadonlySet<string> {
  const normalized = new Set<string>();
  for (const origin of origins) {
    const parsed = parseAbsolute(origin);
    if (parsed && imageProtocols.has(parsed.protocol)) normalized.add(parsed.origin);
  }
  return normalized;
}

/** The src to load, or null: an image outside the allowlist must not make a request at all. */
export function allowedImageSource(url: string | null | undefined, origins: ReadonlySet<string>): string | null {
  if (!url || origins.size === 0) return null;
  const parsed = parseAbsolute(url);
  if (!parsed || !imageProtocols.has(parsed.protocol) || !origins.has(parsed.origin)) return null;
  return parsed.href;
}
