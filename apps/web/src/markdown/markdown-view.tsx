import { createContext, Fragment, memo, useContext, useMemo, type ComponentProps, type ReactNode } from "react";
import Markdown, { type Components, type ExtraProps, type UrlTransform } from "react-markdown";
import remarkGfm from "remark-gfm";
import { citationNumbers, rehypeCitationMarkers } from "./citation-markers.ts";
import { CodeBlock } from "./code-block.tsx";
import { collectDefinitions, definitionsFor } from "./reference-definitions.ts";
import { splitMarkdownBlocks } from "./split-blocks.ts";
import { allowedImageSource, normalizeOrigins, safeLinkHref } from "./url-policy.ts";
import "./markdown.css";

type HastElement = NonNullable<ExtraProps["node"]>;
type HastChild = HastElement["children"][number];

const noOrigins: readonly string[] = [];
const ImageOriginsContext = createContext<ReadonlySet<string>>(new Set());
/** Draws a citation chip for source `n`, or null when the reply has no such source. */
export type CitationRenderer = (n: number) => ReactNode;
const CitationContext = createContext<CitationRenderer | null>(null);
/** Length of the block's source when it ends in a fence still being written, else null. */
const OpenFenceContext = createContext<number | null>(null);

/**
 * First line of defence, applied by react-markdown to every URL attribute. The components below
 * check again, so a gap in one cannot produce a live `javascript:` link or an outside request.
 */
const transformUrl: UrlTransform = (url, key) => {
  if (key === "href") return safeLinkHref(url) ?? "";
  if (key === "src") return /^https?:/i.test(url.trim()) ? url : "";
  return "";
};

function MarkdownLink({ href, title, children }: ComponentProps<"a"> & ExtraProps) {
  const safeHref = safeLinkHref(href);
  if (!safeHref) return <span className="markdown-link-removed">{children}</span>;
  return (
    <a href={safeHref} title={title} target="_blank" rel="noopener noreferrer nofollow" referrerPolicy="no-referrer">
      {children}
    </a>
  );
}

function MarkdownImage({ src, alt, title }: ComponentProps<"img"> & ExtraProps) {
  const origins = useContext(ImageOriginsContext);
  const allowedSource = allowedImageSource(typeof src === "string" ? src : null, origins);
  // No <img> at all: even a blocked-looking image would leak the reply to its host by loading.
  if (!allowedSource) return <span className="markdown-image-removed">{alt ? `[image: ${alt}]` : "[image]"}</span>;
  return <img src={allowedSource} alt={alt ?? ""} title={title} referrerPolicy="no-referrer" loading="lazy" decoding="async" />;
}

function isElement(child: HastChild | undefined): child is HastElement {
  return child?.type === "element";
}

function textOf(node: HastChild): string {
  if (node.type === "text") return node.value;
  return isElement(node) ? node.children.map(textOf).join("") : "";
}

function languageOf(code: HastElement): string {
  const classNames = code.properties.className;
  const languageClass = Array.isArray(classNames) ? classNames.find((name) => String(name).startsWith("language-")) : undefined;
  return languageClass ? String(languageClass).slice("language-".length) : "";
}

function MarkdownPre({ node, children }: ComponentProps<"pre"> & ExtraProps) {
  const openFenceEnd = useContext(OpenFenceContext);
  const code = node?.children.find(isElement);
  if (!node || code?.tagName !== "code") return <pre>{children}</pre>;
  const inProgress = openFenceEnd !== null && node.position?.end.offset === openFenceEnd;
  // remark-rehype ends code with a newline the fence did not have.
  return <CodeBlock code={textOf(code).replace(/\n$/, "")} language={languageOf(code)} inProgress={inProgress} />;
}

/** A wide table scrolls in its own box (a `display: block` table would lose its semantics). */
function MarkdownTable({ children }: ComponentProps<"table"> & ExtraProps) {
  return (
    <div className="markdown-table" tabIndex={0}>
      <table>{children}</table>
    </div>
  );
}

/**
 * A citation marker (see citation-markers.ts) becomes chips when every number in it is one of
 * the reply's sources; otherwise it stays the text the model wrote. Any other <sup> (a GFM
 * footnote reference) renders as it is.
 */
function MarkdownSup({ node, children, ...props }: ComponentProps<"sup"> & ExtraProps) {
  const renderCitation = useContext(CitationContext);
  const numbers = citationNumbers(node);
  if (!numbers) return <sup {...props}>{children}</sup>;
  const chips = renderCitation ? numbers.map((n) => renderCitation(n)) : [];
  if (chips.length === 0 || chips.some((chip) => chip === null || chip === undefined)) return <>{children}</>;
  return (
    <span className="citation-group">
      {chips.map((chip, index) => (
        <Fragment key={index}>{chip}</Fragment>
      ))}
    </span>
  );
}

const components: Components = { a: MarkdownLink, img: MarkdownImage, pre: MarkdownPre, table: MarkdownTable, sup: MarkdownSup };
const remarkPlugins = [remarkGfm];
const noRehypePlugins: [] = [];
const citationPlugins = [rehypeCitationMarkers];

interface BlockViewProps {
  source: string;
  /** Reference definitions from the other blocks (see reference-definitions.ts). */
  definitions: string;
  /** The block ends in a code fence the model is still writing. */
  fenceInProgress: boolean;
  /** The reply has sources: look for citation markers. */
  citable: boolean;
}

/** One top-level block. Memoized: appending to the reply re-parses the last block only. */
const BlockView = memo(function BlockView({ source, definitions, fenceInProgress, citable }: BlockViewProps) {
  return (
    <OpenFenceContext.Provider value={fenceInProgress ? source.length : null}>
      <Markdown remarkPlugins={remarkPlugins} rehypePlugins={citable ? citationPlugins : noRehypePlugins} components={components} urlTransform={transformUrl}>
        {definitions ? `${source}\n\n${definitions}` : source}
      </Markdown>
    </OpenFenceContext.Provider>
  );
});

export interface MarkdownViewProps {
  text: string;
  /** The reply is still arriving: its last block may be cut anywhere. */
  streaming: boolean;
  /** Origins images may load from, e.g. `https://images.example`; none by default. */
  imageOrigins?: readonly string[];
  /** The reply cites document passages: `[n]` markers become what this draws (null keeps the text). */
  renderCitation?: CitationRenderer | undefined;
}

/** An untrusted model reply as Markdown: no raw HTML, no script URLs, no outside requests. */
export function MarkdownView({ text, streaming, imageOrigins = noOrigins, renderCitation }: MarkdownViewProps) {
  const blocks = useMemo(() => splitMarkdownBlocks(text), [text]);
  // A caller may pass a fresh array each render; key on its content so images do not re-render.
  const originsKey = imageOrigins.join("\n");
  const origins = useMemo(() => normalizeOrigins(originsKey ? originsKey.split("\n") : []), [originsKey]);
  // The last block of a streaming reply is unfinished: its definitions are shared once it is done.
  const definitions = collectDefinitions(streaming ? blocks.slice(0, -1) : blocks);
  return (
    <ImageOriginsContext.Provider value={origins}>
      <CitationContext.Provider value={renderCitation ?? null}>
        <div className="markdown">
          {blocks.map((block, index) => (
            <BlockView
              // Blocks only ever grow at the end, so an index is a stable identity.
              key={index}
              source={block.source}
              definitions={definitionsFor(block, definitions)}
              fenceInProgress={streaming && index === blocks.length - 1 && block.unclosed === "code"}
              citable={renderCitation !== undefined}
            />
          ))}
        </div>
      </CitationContext.Provider>
    </ImageOriginsContext.Provider>
  );
}
