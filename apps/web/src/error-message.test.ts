import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { describeError, errorCode, retryAfterSeconds, shouldRetry } from "./error-message.ts";

function serverError(code: string, message: string, zodError: unknown = null, retryAfter: number | null = null) {
  return TRPCClientError.from({ error: { code: -32600, message, data: { code, httpStatus: 400, zodError, retryAfterSeconds: retryAfter } } });
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

describe("over a limit", () => {
  it("shows the server's words, with when to try again", () => {
    const error = serverError("TOO_MANY_REQUESTS", "You're sending messages too fast — try again in 3 s.", null, 3);
    expect(describeError(error)).toBe("You're sending messages too fast — try again in 3 s.");
    expect(retryAfterSeconds(error)).toBe(3);
  });

  it("adds when to try again when the message does not say it", () => {
    expect(describeError(serverError("TOO_MANY_REQUESTS", "Too many new identities from your network.", null, 120))).toBe(
      "Too many new identities from your network. Try again in 2 min.",
    );
  });

  it("never retries by itself", () => {
    expect(shouldRetry(0, serverError("TOO_MANY_REQUESTS", "Slow down", null, 1))).toBe(false);
  });

  it("explains refusals sent as plain HTTP (no tRPC error shape)", () => {
    const error = TRPCClientError.from(new Error("Unable to transform response from server"), { meta: { response: { status: 413 } } });
    expect(describeError(error)).toMatch(/too large to send/);
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
