/**
 * The API has no data transformer, so Dates arrive as ISO strings even where the schema says Date.
 * Everything that reads a timestamp goes through here: adding superjson later changes one line.
 */
export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
