import type { MarkdownBlock } from "./split-blocks.ts";

/**
 * Reference-style links (`[text][ref]` in one block, `[ref]: https://…` in another) span blocks,
 * so each block is parsed with the definitions of the other finished blocks appended. Only
 * one-line definitions whose syntax is certain are shared: a line that turned out not to be a
 * definition would otherwise show up as text in every block it was appended to.
 */

const label = String.raw`\[(?:[^\\\[\]]|\\.){1,999}\]`;
const destination = String.raw`(?:<[^<>\n]*>|[^\s<]\S*)`;
const title = String.raw`(?:"[^"]*"|'[^']*'|\([^()]*\))`;
const linkDefinition = new RegExp(String.raw`^ {0,3}${label}:[ \t]*${destination}(?:[ \t]+${title})?[ \t]*$`);
// GFM footnotes: the text after the colon is Markdown, any one line of it.
const footnoteDefinition = /^ {0,3}\[\^[^\s\]]+\]:[ \t]*\S.*$/;

function isDefinitionLine(line: string): boolean {
  return linkDefinition.test(line) || footnoteDefinition.test(line);
}

/** The definitions at the start of a block (a definition cannot interrupt a paragraph). */
function leadingDefinitions(block: MarkdownBlock): string[] {
  if (block.unclosed) return [];
  const definitions: string[] = [];
  for (const line of block.source.split("\n")) {
    if (!isDefinitionLine(line)) break;
    definitions.push(line.trimEnd());
  }
  return definitions;
}

export function collectDefinitions(blocks: readonly MarkdownBlock[]): string {
  return blocks.flatMap(leadingDefinitions).join("\n");
}

/**
 * What a block is parsed with. Blocks that cannot hold a reference (no `]`) get nothing, so a
 * new definition does not re-render them; an unclosed fence gets nothing, or the definitions
 * would be swallowed as code.
 */
export function definitionsFor(block: MarkdownBlock, definitions: string): string {
  if (!definitions || block.unclosed || !block.source.includes("]")) return "";
  return definitions;
}
