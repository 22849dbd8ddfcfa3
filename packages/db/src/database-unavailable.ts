/**
 * Whether an error means the database could not be reached or dropped the connection
 * (stopped, restarting, unreachable, out of connections), as opposed to a bad query. The
 * server answers these with "try again shortly" instead of a 500: the pool opens new
 * connections on the next query, so service comes back by itself once the database does.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; typeof cause === "object" && cause !== null && depth < 8; depth += 1) {
    const { code, meta, kind } = cause as { code?: unknown; meta?: { driverAdapterError?: { cause?: unknown } }; kind?: unknown };
    if (typeof code === "string" && (prismaUnavailableCodes.has(code) || isPostgresUnavailableCode(code) || socketErrorCodes.has(code))) return true;
    if (kind === "DatabaseNotReachable" || kind === "ConnectionClosed" || kind === "SocketTimeout" || kind === "TooManyConnections") return true;
    // Prisma's driver-adapter errors carry the driver's failure under meta.
    const adapterCause = meta?.driverAdapterError?.cause;
    if (adapterCause && isDatabaseUnavailable(adapterCause)) return true;
    if (cause instanceof Error && /Connection terminated|Can't reach database server|timeout exceeded when trying to connect/i.test(cause.message)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** P1001 can't reach, P1002 timed out, P1008 operation timed out, P1017 server closed the connection, P2024 pool timeout. */
const prismaUnavailableCodes = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);

const socketErrorCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * SQLSTATE class 08 (connection exception), 57P01-57P03 (shut down, crashed, starting up)
 * and 53300 (too many connections).
 */
function isPostgresUnavailableCode(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || code === "57P01" || code === "57P02" || code === "57P03" || code === "53300";
}
