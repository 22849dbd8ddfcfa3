export interface MarkdownSpec {
  title?: string;
  sections: Array<{ heading: string; paragraphs: string[]; items?: string[] }>;
  table?: string[][];
}

/** Markdown bytes: `#` title, `##` sections, paragraphs, optional bullet items and a pipe table. */
export function makeMarkdown(spec: MarkdownSpec): Uint8Array {
  const parts: string[] = [];
  if (spec.title !== undefined) parts.push(`# ${spec.title}`);
  for (const section of spec.sections) {
    parts.push(`## ${section.heading}`, ...section.paragraphs);
    if (section.items !== undefined) parts.push(section.items.map((item) => `- ${item}`).join("\n"));
  }
  if (spec.table !== undefined) {
    const [header = [], ...rows] = spec.table;
    const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
    parts.push([line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n"));
  }
  return new TextEncoder().encode(`${parts.join("\n\n")}\n`);
}
