/**
 * The XSS tests' check (unit here, browser in e2e): anything in a rendered reply that Markdown
 * itself cannot produce came from the payload. Only tests import it.
 */

/** Every element Markdown may produce; anything else came from the payload. */
const allowedTags = new Set([
  ...["div", "span", "p", "br", "hr", "a", "em", "strong", "del", "code", "pre", "blockquote", "sup", "section"],
  ...["h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "input", "button"],
  ...["table", "thead", "tbody", "tr", "th", "td"],
]);
const urlAttributes = ["src", "srcset", "srcdoc", "action", "formaction", "data", "background", "poster", "xlink:href", "ping"];

/**
 * A source chip the citation renderer drew: only for a number the reply has as a source, with
 * our own attributes, and never inside code or a link.
 */
function isCitationChip(element: Element, citations: ReadonlySet<number>): boolean {
  const number = Number(element.textContent);
  const attributes = [...element.attributes].map((attribute) => attribute.name).sort();
  return (
    element.className === "citation-chip" &&
    /^\d+$/.test(element.textContent ?? "") &&
    citations.has(number) &&
    element.getAttribute("data-citation") === String(number) &&
    element.closest("code, pre, a") === null &&
    attributes.join(" ") === "aria-label class data-citation data-testid title type"
  );
}

/** Returns the problems found, so a failure names the payload and what got through. */
export function findLiveContent(root: HTMLElement, citations: ReadonlySet<number> = new Set()): string[] {
  const problems: string[] = [];
  for (const element of root.querySelectorAll("*")) {
    const tag = element.tagName.toLowerCase();
    if (!allowedTags.has(tag)) problems.push(`<${tag}> element`);
    if (tag === "input" && !(element.getAttribute("type") === "checkbox" && element.hasAttribute("disabled"))) problems.push("a live <input>");
    if (tag === "button" && !element.closest(".markdown-code-header") && !isCitationChip(element, citations)) problems.push("a <button> outside a code header");
    for (const attribute of element.attributes) {
      if (attribute.name.toLowerCase().startsWith("on")) problems.push(`${attribute.name} on <${tag}>`);
      if (urlAttributes.includes(attribute.name.toLowerCase())) problems.push(`${attribute.name} on <${tag}>`);
      if (attribute.name === "style" && !/^text-align: ?(left|right|center);?$/.test(attribute.value)) problems.push(`style "${attribute.value}"`);
    }
    const href = element.getAttribute("href");
    if (href !== null && (tag !== "a" || !/^(https?:\/\/|mailto:)/.test(href) || !["http:", "https:", "mailto:"].includes(new URL(href).protocol))) {
      problems.push(`href "${href}" on <${tag}>`);
    }
  }
  return problems;
}
