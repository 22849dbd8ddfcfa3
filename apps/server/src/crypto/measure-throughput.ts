// `pnpm --filter @recall/server exec tsx src/crypto/measure-throughput.ts`: field cipher values per second.
import { measureCipherThroughput } from "./cipher-throughput.ts";

for (const valueBytes of [100, 1000, 10_000]) {
  const result = await measureCipherThroughput({ valueBytes, values: valueBytes >= 10_000 ? 5000 : 20_000 });
  console.log(
    `${String(valueBytes).padStart(6)} B values: encrypt ${result.encryptPerSecond.toLocaleString("en")}/s, decrypt ${result.decryptPerSecond.toLocaleString("en")}/s (${result.values.toLocaleString("en")} values)`,
  );
}
