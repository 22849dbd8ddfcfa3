import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { describeError, errorCode, shouldRetry } from "./error-message.ts";

function serverError(code: string, message: string, zodError: unknown = null) {
  return TRPCClientError.from({ error: { code: -32600, message, data: { code, httpStatus: 400, zodError } } });
}

describe("describeError", () => {
  it("shows the server's message", () => {
    const error = serverError("BAD_REQUEST", "Messages are at most 32,000 characters; split it or upload it as a document.");
    expect(describeError(error)).toBe("Messages are at most 32,000 characters; split it or upload it as a document.");
    expect(errorCode(error)).toBe("BAD_REQUEST");
  });

  it("prefers the first flattened zod issue over zod's JSON message", () => {
    const error = serverError("BAD_REQUEST", '[{"code":"custom"}]', {
      formErrors: [],
      fieldErrors: { content: ["Type a message before sending."] },
    });
    expect(describeError(error)).toBe("Type a message before sending.");
  });

  it("says the server is unreachable when no response came back", () => {
    const error = TRPCClientError.from(new TypeError("Failed to fetch"));
    expect(describeError(error)).toBe("Could not reach the Recall server (Failed to fetch). Check that it is running, then try again.");
    expect(errorCode(error)).toBeNull();
  });
});

describe("shouldRetry", () => {
  it("never retries a request the server refused", () => {
    expect(shouldRetry(0, serverError("UNAUTHORIZED", "No identity yet"))).toBe(false);
    expect(shouldRetry(0, serverError("NOT_FOUND", "No such chat"))).toBe(false);
  });

  it("retries network trouble twice", () => {
    const error = TRPCClientError.from(new TypeError("Failed to fetch"));
    expect([0, 1, 2].map((count) => shouldRetry(count, error))).toEqual([true, true, false]);
  });
});
