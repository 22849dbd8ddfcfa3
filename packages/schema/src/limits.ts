/** Limits shared by the server (which enforces them) and clients (which can pre-check). */
export const limits = {
  /** Longest user message, in characters (about 8k tokens of English). */
  messageMaxChars: 32_000,
  sessionTitleMaxChars: 200,
  modelNameMaxChars: 200,
  pageSizeMax: 200,
  pageSizeDefault: 50,
  /** Most messages `message.thread` returns; a longer chat comes back as its newest this many. */
  threadMaxMessages: 20_000,
  searchQueryMaxChars: 200,
  searchResultsDefault: 20,
  searchResultsMax: 50,
  /** Most procedures in one batched HTTP request: clients batch at most this many (the server may allow more, never fewer). */
  batchMaxCalls: 10,
} as const;
