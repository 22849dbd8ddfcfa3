/**
 * What may be logged about an error: its kind, never its message. Database and
 * client errors can quote the data they were given, and that data is message text.
 */
export function describeError(error: unknown): { name: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? { name: error.name, code } : { name: error.name };
  }
  return { name: typeof error };
}
