export { createDocumentParser, type DocumentParser } from "./parser.ts";
export { defaultParserLimits, type ParserLimits } from "./limits.ts";
export { cleanDocumentName } from "./name.ts";
export type { ParseOutcome, ParseStats, ProgressListener } from "./types.ts";
