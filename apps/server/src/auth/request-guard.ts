import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export interface RequestGuardOptions {
  /** Host header values served: a name alone allows any port, `name:port` that port only. */
  allowedHosts: readonly string[];
}

/** Probes and scrapers address the instance by IP; they learn nothing a page could use (`/metrics` needs its token). */
const hostCheckExempt = new Set(["/livez", "/readyz", "/metrics"]);
const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);
/** The cookies that carry an identity: a request holding one is a browser's, whatever else it says. */
const identityCookie = /(?:^|;\s*)recall_(?:access|refresh|identity)=/;

function splitHost(host: string): { name: string; port: string | null } {
  const lower = host.toLowerCase();
  if (lower.startsWith("[")) {
    const end = lower.indexOf("]");
    return { name: lower.slice(0, end + 1), port: lower[end + 1] === ":" ? lower.slice(end + 2) : null };
  }
  const colon = lower.lastIndexOf(":");
  return colon > 0 && lower.indexOf(":") === colon ? { name: lower.slice(0, colon), port: lower.slice(colon + 1) } : { name: lower, port: null };
}

export function isAllowedHost(host: string | undefined, allowed: readonly string[]): boolean {
  if (!host) return false;
  const { name, port } = splitHost(host);
  return allowed.some((entry) => {
    const rule = splitHost(entry);
    return rule.name === name && (rule.port === null || rule.port === port);
  });
}

/**
 * Why a state-changing request must be refused as cross-site, or null when it may go on.
 * Browsers say where a request comes from (`Sec-Fetch-Site`, else `Origin`); a request that
 * says neither is a program's, accepted with a bearer token, or with no identity at all (it
 * can only start a new one), but never on cookies alone.
 */
export function crossSiteProblem(request: Pick<FastifyRequest, "headers" | "protocol" | "host">): string | null {
  const fetchSite = request.headers["sec-fetch-site"];
  if (typeof fetchSite === "string") {
    return fetchSite === "same-origin" || fetchSite === "none" ? null : "Cross-site request refused: Recall only accepts changes from its own pages.";
  }
  const origin = request.headers.origin;
  if (typeof origin === "string") {
    return origin === `${request.protocol}://${request.host}` ? null : "Cross-origin request refused: the Origin header is not this server's.";
  }
  if (request.headers.authorization?.startsWith("Bearer ")) return null;
  if (identityCookie.test(request.headers.cookie ?? "")) {
    return "Request refused: a change sent with cookies must come from Recall's own pages (an Origin header), or use `Authorization: Bearer <token>`.";
  }
  return null;
}

/**
 * The Host allowlist (a DNS-rebinding page names its own host, not ours) and same-origin
 * state changes (no cross-site form or fetch can act with the browser's cookies). Runs on
 * `onRequest`, before any body is read. Registered with `skip-override` so it covers every
 * route, tRPC's included.
 */
async function registerRequestGuard(app: FastifyInstance, { allowedHosts }: RequestGuardOptions): Promise<void> {
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split("?")[0] ?? "";
    if (!hostCheckExempt.has(path) && !isAllowedHost(request.host, allowedHosts)) {
      return reply
        .status(421)
        .send({ error: "This server does not answer to that host name. Its operator can allow it in RECALL_ALLOWED_HOSTS." });
    }
    if (!safeMethods.has(request.method)) {
      const problem = crossSiteProblem(request);
      if (problem) return reply.status(403).send({ error: problem });
    }
  });
}

export const requestGuardPlugin = Object.assign(registerRequestGuard, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "recall-request-guard",
});
