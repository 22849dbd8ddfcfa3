import type { ExtraProps } from "react-markdown";

type HastElement = NonNullable<ExtraProps["node"]>;
type HastChild = HastElement["children"][number];
interface HastParent {
  children: HastChild[];
}

/**
 * `[1]`, `[2, 3]` or `[12,13]`: the markers a reply uses to cite the passages it was given.
 * At most three digits: `[2024]` is a year, not a source.
 */
const markerPattern = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

/** Elements whose text is never a citation: code is literal, and a button cannot sit in a link. */
const skippedTags = new Set(["code", "pre", "a", "kbd", "samp"]);

/** The property the plugin marks a citation with; Markdown itself cannot set it (no raw HTML). */
export const citationProperty = "dataCitations";

/** The numbers a marked element stands for, or null when it is not one of ours. */
export function citationNumbers(node: HastElement | undefined): number[] | null {
  const value = node?.properties[citationProperty];
  if (typeof value !== "string" || !/^\d{1,3}(,\d{1,3})*$/.test(value)) return null;
  return value.split(",").map(Number);
}

function splitText(value: string): HastChild[] | null {
  markerPattern.lastIndex = 0;
  if (!markerPattern.test(value)) return null;
  markerPattern.lastIndex = 0;
  const parts: HastChild[] = [];
  let last = 0;
  for (const match of value.matchAll(markerPattern)) {
    if (match.index > last) parts.push({ type: "text", value: value.slice(last, match.index) });
    const numbers = (match[1] ?? "").split(",").map((number) => String(Number(number.trim())));
    parts.push({ type: "element", tagName: "sup", properties: { [citationProperty]: numbers.join(",") }, children: [{ type: "text", value: match[0] }] });
    last = match.index + match[0].length;
  }
  if (last < value.length) parts.push({ type: "text", value: value.slice(last) });
  return parts;
}

function markChildren(parent: HastParent): void {
  const children: HastChild[] = [];
  // Adjacent text nodes are joined first: the parser may split "[1]" at the bracket.
  for (const child of parent.children) {
    const previous = children.at(-1);
    if (child.type === "text" && previous?.type === "text") previous.value += child.value;
    else children.push(child.type === "text" ? { ...child } : child);
  }
  parent.children = children.flatMap((child) => {
    if (child.type === "text") return splitText(child.value) ?? [child];
    if (child.type === "element" && !skippedTags.has(child.tagName)) markChildren(child);
    return [child];
  });
}

/**
 * A rehype plugin: wraps citation markers in text in `<sup data-citations="1,2">`, which the
 * renderer turns into source chips when the reply has those sources (and back into the
 * literal text when it does not). Runs after remark, so code spans and fences are elements by
 * now and are skipped, and raw HTML in the reply was never parsed into elements at all.
 */
export function rehypeCitationMarkers() {
  return (tree: HastParent) => markChildren(tree);
}
