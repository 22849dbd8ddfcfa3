import { Readable } from "node:stream";
import yazl from "yazl";

export interface DocxSpec {
  /** A Heading1 paragraph first, and dc:title in docProps/core.xml. */
  title?: string;
  /** Headings are Heading2 under a title, Heading1 without one. */
  sections: Array<{ heading: string; paragraphs: string[] }>;
  /** Rows of cells, after the sections; the first row is the header. */
  table?: string[][];
  /** Adds word/vbaProject.bin, as a macro-enabled document (.docm) has. */
  withMacros?: boolean;
}

const fixedDate = new Date("2024-01-01T00:00:00Z");

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>`;

const packageRelationships = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>`;

const documentRelationships = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>`;

const wordNamespace = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';

const styles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles ${wordNamespace}>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:rPr><w:b/><w:sz w:val="26"/></w:rPr></w:style>
</w:styles>`;

const escapeXml = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const run = (text: string): string => `<w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r>`;
const paragraph = (text: string, style?: string): string => `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ""}${run(text)}</w:p>`;

function documentXml(spec: DocxSpec): string {
  const body: string[] = [];
  if (spec.title !== undefined) body.push(paragraph(spec.title, "Heading1"));
  const sectionStyle = spec.title !== undefined ? "Heading2" : "Heading1";
  for (const section of spec.sections) {
    body.push(paragraph(section.heading, sectionStyle));
    for (const text of section.paragraphs) body.push(paragraph(text));
  }
  if (spec.table !== undefined) {
    const rows = spec.table.map((cells) => `<w:tr>${cells.map((cell) => `<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>${paragraph(cell)}</w:tc>`).join("")}</w:tr>`);
    body.push(`<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>${rows.join("")}</w:tbl>`);
  }
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document ${wordNamespace}><w:body>${body.join("")}<w:sectPr/></w:body></w:document>`;
}

function coreXml(title: string | undefined): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">${title === undefined ? "" : `<dc:title>${escapeXml(title)}</dc:title>`}</cp:coreProperties>`;
}

/** A minimal valid DOCX (what mammoth needs and Word opens), with fixed timestamps so its bytes are stable. */
export async function makeDocx(spec: DocxSpec): Promise<Uint8Array> {
  const zip = new yazl.ZipFile();
  const add = (name: string, text: string): void => zip.addBuffer(Buffer.from(text, "utf8"), name, { mtime: fixedDate });
  add("[Content_Types].xml", contentTypes);
  add("_rels/.rels", packageRelationships);
  add("word/_rels/document.xml.rels", documentRelationships);
  add("word/document.xml", documentXml(spec));
  add("word/styles.xml", styles);
  add("docProps/core.xml", coreXml(spec.title));
  if (spec.withMacros) add("word/vbaProject.bin", "Attribute VB_Name = \"ThisDocument\"\nSub AutoOpen()\nEnd Sub\n");
  return finish(zip);
}

export interface ZipBombSpec {
  /** The part that inflates hugely, in MiB (about 1 KiB of deflate per MiB of zeros). */
  inflatedMb?: number;
  /**
   * Write a small uncompressed size into the central directory, so only inflating shows the
   * truth (yauzl then fails the entry for producing more bytes than it declared).
   */
  lieAboutSize?: boolean;
}

/**
 * A DOCX-shaped zip bomb: a real word/document.xml next to a part of zeros that deflates about
 * 1000:1 (the default, 200 MiB, is about 200 KiB on disk). The zeros are streamed, never held.
 */
export async function makeZipBomb(spec: ZipBombSpec = {}): Promise<Uint8Array> {
  const inflatedMb = spec.inflatedMb ?? 200;
  const zip = new yazl.ZipFile();
  const add = (name: string, text: string): void => zip.addBuffer(Buffer.from(text, "utf8"), name, { mtime: fixedDate });
  add("[Content_Types].xml", contentTypes);
  add("_rels/.rels", packageRelationships);
  add("word/document.xml", documentXml({ sections: [{ heading: "Quarterly report", paragraphs: ["Nothing to see here."] }] }));
  const megabyte = Buffer.alloc(1024 * 1024);
  let left = inflatedMb;
  const zeros = new Readable({
    read() {
      this.push(left-- > 0 ? megabyte : null);
    },
  });
  zip.addReadStream(zeros, "word/media/image1.bin", { mtime: fixedDate });
  const bytes = await finish(zip);
  return spec.lieAboutSize ? understateSizes(bytes, "word/media/image1.bin") : bytes;
}

function finish(zip: yazl.ZipFile): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    zip.outputStream.on("error", reject);
    zip.end();
  });
}

/** Rewrites one central-directory entry's uncompressed size to twice its compressed size. */
function understateSizes(bytes: Uint8Array, name: string): Uint8Array {
  const buffer = Buffer.from(bytes);
  const end = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let offset = buffer.readUInt32LE(end + 16);
  const entries = buffer.readUInt16LE(end + 10);
  for (let index = 0; index < entries; index++) {
    const nameLength = buffer.readUInt16LE(offset + 28);
    const extraLength = buffer.readUInt16LE(offset + 30);
    const commentLength = buffer.readUInt16LE(offset + 32);
    if (buffer.toString("utf8", offset + 46, offset + 46 + nameLength) === name) {
      buffer.writeUInt32LE(buffer.readUInt32LE(offset + 20) * 2, offset + 24);
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return new Uint8Array(buffer);
}
