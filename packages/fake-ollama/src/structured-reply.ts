import { composePhrase } from "./reply-text.ts";

type JsonSchema = Record<string, unknown>;

const fixedDateTime = "2025-01-01T00:00:00Z";

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows local `#/$defs/X` and `#/definitions/X` references; anything else is treated as an empty schema. */
function resolveReference(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const reference = schema["$ref"];
  if (typeof reference !== "string" || !reference.startsWith("#/")) return schema;
  let target: unknown = root;
  for (const part of reference.slice(2).split("/")) {
    target = isSchema(target) ? target[decodeURIComponent(part).replaceAll("~1", "/").replaceAll("~0", "~")] : undefined;
  }
  return isSchema(target) ? target : {};
}

function firstType(schema: JsonSchema): string | undefined {
  const type = schema["type"];
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return type.find((entry) => entry !== "null") ?? type[0];
  if (isSchema(schema["properties"])) return "object";
  if (schema["items"] !== undefined) return "array";
  return undefined;
}

function placeholderString(schema: JsonSchema, seed: string): string {
  switch (schema["format"]) {
    case "date-time":
      return fixedDateTime;
    case "date":
      return fixedDateTime.slice(0, 10);
    case "time":
      return "00:00:00Z";
    case "email":
      return "someone@example.com";
    case "uri":
    case "url":
      return "https://example.com/";
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
  }
  let text = composePhrase(seed, 4);
  const minLength = typeof schema["minLength"] === "number" ? schema["minLength"] : 0;
  const maxLength = typeof schema["maxLength"] === "number" ? schema["maxLength"] : Infinity;
  while (text.length < minLength) text += ` ${text}`;
  return text.slice(0, maxLength);
}

function placeholderNumber(schema: JsonSchema, integer: boolean): number {
  let value = 0;
  if (typeof schema["minimum"] === "number") value = schema["minimum"];
  if (typeof schema["exclusiveMinimum"] === "number") value = schema["exclusiveMinimum"] + (integer ? 1 : 0.5);
  if (typeof schema["maximum"] === "number") value = Math.min(value, schema["maximum"]);
  if (typeof schema["exclusiveMaximum"] === "number" && value >= schema["exclusiveMaximum"]) {
    value = schema["exclusiveMaximum"] - (integer ? 1 : 0.5);
  }
  return integer ? Math.ceil(value) : value;
}

function placeholderValue(input: JsonSchema, root: JsonSchema, seed: string, depth: number): unknown {
  const schema = resolveReference(input, root);
  if ("const" in schema) return schema["const"];
  const choices = schema["enum"];
  if (Array.isArray(choices) && choices.length > 0) return choices[0];
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      const branch = branches.find((candidate) => isSchema(candidate) && candidate["type"] !== "null") ?? branches[0];
      if (isSchema(branch)) return placeholderValue(branch, root, seed, depth);
    }
  }
  if (depth > 8) return null;
  switch (firstType(schema)) {
    case "object": {
      const properties = isSchema(schema["properties"]) ? schema["properties"] : {};
      const result: Record<string, unknown> = {};
      for (const [name, propertySchema] of Object.entries(properties)) {
        result[name] = placeholderValue(isSchema(propertySchema) ? propertySchema : {}, root, `${seed}/${name}`, depth + 1);
      }
      return result;
    }
    case "array": {
      const items = isSchema(schema["items"]) ? schema["items"] : {};
      const count = typeof schema["minItems"] === "number" ? schema["minItems"] : 1;
      return Array.from({ length: count }, (_, index) => placeholderValue(items, root, `${seed}/${index}`, depth + 1));
    }
    case "string":
      return placeholderString(schema, seed);
    case "integer":
      return placeholderNumber(schema, true);
    case "number":
      return placeholderNumber(schema, false);
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return placeholderString(schema, seed);
  }
}

/**
 * A deterministic reply that parses for a `format` request: for `"json"` a
 * small object, for a JSON schema a value with every declared property filled
 * with a placeholder of the right type (so required ones are always there).
 */
export function composeStructuredReply(format: unknown, seedText: string): string {
  if (isSchema(format)) return JSON.stringify(placeholderValue(format, format, seedText, 0));
  return JSON.stringify({ response: composePhrase(seedText, 8) });
}
