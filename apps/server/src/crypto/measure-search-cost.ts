// `pnpm exec tsx src/crypto/measure-search-cost.ts`: what session.search costs a user with 10,000 messages, with and without a key.
import { measureSearchCost } from "./search-cost.ts";

const cost = await measureSearchCost();
const round = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(`One user, ${cost.messages.toLocaleString("en")} messages in ${cost.chats} chats (SQLite, this machine):`);
console.log("| search | time |");
console.log("| --- | --- |");
console.log(`| without a key: SQL LIKE (median of 4 queries) | ${round(cost.plaintextSqlMs)} |`);
console.log(`| with a key, recall index in memory (median of 20) | ${round(cost.encryptedWarmMs)} |`);
console.log(`| with a key, first search (read and decrypt every message, build the index) | ${round(cost.encryptedColdMs)} |`);
console.log(`| of which reading and decrypting ${cost.messages.toLocaleString("en")} messages | ${round(cost.decryptAllMs)} |`);
