import { describe, expect, it } from "vitest";
import { decodeText, sniff } from "./sniff.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("sniff", () => {
  it("finds a PDF whose header follows some junk, but not a note that mentions the header", async () => {
    const junk = new Uint8Array([0xff, 0x00, 0x13, ...bytes("%PDF-1.4\n")]);
    expect(await sniff(junk)).toEqual({ type: "pdf" });
    expect(await sniff(bytes("PDF files start with %PDF-1.7, then objects."))).toMatchObject({ type: "text" });
  });

  it("takes a file with many control characters for binary, a few for text", async () => {
    expect(decodeText(bytes("a\u0001b\u0002c\u0003d\u0004"))).toBeNull();
    expect(decodeText(bytes(`${"word ".repeat(1000)}\u001b[0m`))).not.toBeNull();
    expect(decodeText(new Uint8Array([0xc3, 0x28]))).toBeNull();
  });

  it("says a password-protected Office file is encrypted (an OLE container with an EncryptedPackage stream)", async () => {
    const container = new Uint8Array(4096);
    container.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    container.set(Buffer.from("EncryptedPackage", "utf16le"), 1024);
    expect(await sniff(container)).toEqual({ type: "encrypted_office" });
  });
});
