import { describe, expect, it } from "vitest";
import { cleanDocumentName } from "./name.ts";

describe("cleanDocumentName", () => {
  it("drops directories written with either slash", () => {
    expect(cleanDocumentName("../../etc/passwd")).toBe("passwd");
    expect(cleanDocumentName("C:\\Users\\ana\\Report 2024.pdf")).toBe("Report 2024.pdf");
    expect(cleanDocumentName("a/b\\c/notes.md")).toBe("notes.md");
  });

  it("drops control and bidi-override characters, so a name reads as what it is", () => {
    expect(cleanDocumentName("invoice\u202Efdp.exe")).toBe("invoicefdp.exe");
    expect(cleanDocumentName("a\u0000b\u0007c\nd.txt")).toBe("abcd.txt");
    expect(cleanDocumentName("x\u2066y\u2069\u200F.pdf")).toBe("xy.pdf");
  });

  it("trims dots and spaces at both ends, and collapses runs of whitespace", () => {
    expect(cleanDocumentName("  ..hidden.pdf.. ")).toBe("hidden.pdf");
    expect(cleanDocumentName("my \t  notes.md")).toBe("my notes.md");
  });

  it("keeps at most 200 characters, extension included", () => {
    const cleaned = cleanDocumentName(`${"é".repeat(500)}.docx`);
    expect(Array.from(cleaned)).toHaveLength(200);
    expect(cleaned.endsWith("é.docx")).toBe(true);
    // Characters outside the BMP count once and are never cut in half.
    const emoji = cleanDocumentName(`${"😀".repeat(300)}.pdf`);
    expect(Array.from(emoji)).toHaveLength(200);
    expect(emoji.endsWith("😀.pdf")).toBe(true);
    expect(cleanDocumentName("x".repeat(300))).toHaveLength(200);
  });

  it("falls back to 'document' when nothing is left", () => {
    for (const name of ["", "   ", "...", "/", "dir/", "\u202E\u0000"]) expect(cleanDocumentName(name)).toBe("document");
  });
});
