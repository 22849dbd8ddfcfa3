import { getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import { encryptedPdfPassword, encryptedPdfText, makeDocx, makeEncryptedPdf, makePdf, makeZipBomb, sampleParagraph } from "./index.ts";

describe("fixtures", () => {
  it("the encrypted PDF is really encrypted: pdf.js asks for a password, and with it reads the text", async () => {
    const bytes = makeEncryptedPdf();
    await expect(getDocumentProxy(bytes.slice(), { verbosity: 0 })).rejects.toMatchObject({ name: "PasswordException", code: 1 });
    await expect(getDocumentProxy(bytes.slice(), { verbosity: 0, password: "wrong" })).rejects.toMatchObject({ name: "PasswordException", code: 2 });
    const pdf = await getDocumentProxy(bytes.slice(), { verbosity: 0, password: encryptedPdfPassword });
    const content = await (await pdf.getPage(1)).getTextContent();
    expect(content.items.map((item) => ("str" in item ? item.str : "")).join("")).toBe(encryptedPdfText);
    await pdf.loadingTask.destroy();
    // The raw bytes do not contain the text.
    expect(Buffer.from(bytes).includes(encryptedPdfText)).toBe(false);
  });

  it("are deterministic: the same spec gives the same bytes", async () => {
    const spec = { title: "T", pages: [{ heading: "H", paragraphs: [sampleParagraph(7)] }] };
    expect(await makePdf(spec)).toEqual(await makePdf(spec));
    const docx = { sections: [{ heading: "H", paragraphs: ["p"] }], table: [["a"]] };
    expect(await makeDocx(docx)).toEqual(await makeDocx(docx));
    expect(sampleParagraph(3)).toBe(sampleParagraph(3));
    expect(sampleParagraph(3)).not.toBe(sampleParagraph(4));
  });

  it("the zip bomb is small on disk and declares its real size unless told to lie", async () => {
    const bomb = Buffer.from(await makeZipBomb({ inflatedMb: 8 }));
    expect(bomb.length).toBeLessThan(32 * 1024);
    const declared = (bytes: Buffer): number => {
      const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      let offset = bytes.readUInt32LE(end + 16);
      let largest = 0;
      for (let index = 0; index < bytes.readUInt16LE(end + 10); index++) {
        largest = Math.max(largest, bytes.readUInt32LE(offset + 24));
        offset += 46 + bytes.readUInt16LE(offset + 28) + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
      }
      return largest;
    };
    expect(declared(bomb)).toBe(8 * 1024 * 1024);
    expect(declared(Buffer.from(await makeZipBomb({ inflatedMb: 8, lieAboutSize: true })))).toBeLessThan(64 * 1024);
  });
});
