import { z } from "zod";

/** Every id Recall hands out is an opaque string; the server checks ownership, never trusts the id. */
export const idSchema = z
  .string()
  .trim()
  .min(1, "An id is required.")
  .max(64, "That id is too long to be one of ours.")
  .regex(/^[A-Za-z0-9_-]+$/, "Ids contain only letters, digits, '-' and '_'.");
