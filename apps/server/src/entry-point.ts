import { ConfigError } from "./env.ts";

/**
 * What both entry points (`server.ts`, `worker.ts`) do around their work: start it, stop it
 * gracefully on the first SIGINT or SIGTERM (a second one exits at once), and end the process
 * with a plain message when start-up fails (a configuration error as itself, anything else
 * without a stack).
 */
export function runEntryPoint(name: string, start: () => Promise<{ log(signal: string): void; close(): Promise<void> }>): void {
  start().then(
    (running) => {
      let signals = 0;
      const shutdown = (signal: string): void => {
        signals += 1;
        if (signals > 1) process.exit(1);
        running.log(signal);
        running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on("SIGINT", () => shutdown("SIGINT"));
      process.on("SIGTERM", () => shutdown("SIGTERM"));
    },
    (error: unknown) => {
      if (error instanceof ConfigError) console.error(error.message);
      else console.error(`${name} failed to start:`, error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
