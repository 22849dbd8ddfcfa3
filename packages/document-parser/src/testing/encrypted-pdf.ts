import { createHash } from "node:crypto";

/**
 * A real password-protected PDF (standard security handler, RC4 40-bit, revision 2), written by
 * hand because pdf-lib cannot encrypt: the O and U entries are computed from the passwords as
 * the PDF specification says (algorithms 2-4) and the content stream is encrypted, so pdf.js
 * asks for a password and, given `encryptedPdfPassword`, reads the text.
 */
export const encryptedPdfPassword = "secret";
export const encryptedPdfText = "This text is locked behind a password.";

const padding = Buffer.from("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A", "hex");
const permissions = -44;
const fileId = Buffer.from("5265636f6c6c2d746573742d6669786d", "hex");

export function makeEncryptedPdf(): Uint8Array {
  const owner = rc4(md5(pad("owner-" + encryptedPdfPassword)).subarray(0, 5), pad(encryptedPdfPassword));
  const permissionBytes = Buffer.alloc(4);
  permissionBytes.writeInt32LE(permissions);
  const key = md5(Buffer.concat([pad(encryptedPdfPassword), owner, permissionBytes, fileId])).subarray(0, 5);
  const user = rc4(key, padding);

  const content = Buffer.from(`BT /F1 12 Tf 72 720 Td (${encryptedPdfText}) Tj ET`, "latin1");
  const encryptedContent = rc4(objectKey(key, 5), content);
  const objects: Buffer[] = [
    Buffer.from("<< /Type /Catalog /Pages 2 0 R >>"),
    Buffer.from("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
    Buffer.from("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"),
    Buffer.from("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
    Buffer.concat([Buffer.from(`<< /Length ${encryptedContent.length} >>\nstream\n`), encryptedContent, Buffer.from("\nendstream")]),
    Buffer.from(`<< /Filter /Standard /V 1 /R 2 /O <${owner.toString("hex")}> /U <${user.toString("hex")}> /P ${permissions} >>`),
  ];
  const parts: Buffer[] = [Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  objects.forEach((body, index) => {
    offsets.push(length);
    const object = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`), body, Buffer.from("\nendobj\n")]);
    parts.push(object);
    length += object.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((offset) => `${String(offset).padStart(10, "0")} 00000 n \n`)].join("");
  const id = fileId.toString("hex");
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 6 0 R /ID [<${id}> <${id}>] >>\nstartxref\n${length}\n%%EOF\n`));
  return new Uint8Array(Buffer.concat(parts));
}

function pad(password: string): Buffer {
  return Buffer.concat([Buffer.from(password, "latin1"), padding]).subarray(0, 32);
}

function md5(data: Buffer): Buffer {
  return createHash("md5").update(data).digest();
}

/** Algorithm 1: the key for one object is the file key salted with its number and generation. */
function objectKey(key: Buffer, objectNumber: number): Buffer {
  const salt = Buffer.from([objectNumber & 0xff, (objectNumber >> 8) & 0xff, (objectNumber >> 16) & 0xff, 0, 0]);
  return md5(Buffer.concat([key, salt])).subarray(0, Math.min(key.length + 5, 16));
}

function rc4(key: Buffer, data: Buffer): Buffer {
  const state = Array.from({ length: 256 }, (_, index) => index);
  for (let index = 0, j = 0; index < 256; index++) {
    j = (j + state[index]! + key[index % key.length]!) & 0xff;
    [state[index], state[j]] = [state[j]!, state[index]!];
  }
  const output = Buffer.alloc(data.length);
  for (let index = 0, i = 0, j = 0; index < data.length; index++) {
    i = (i + 1) & 0xff;
    j = (j + state[i]!) & 0xff;
    [state[i], state[j]] = [state[j]!, state[i]!];
    output[index] = data[index]! ^ state[(state[i]! + state[j]!) & 0xff]!;
  }
  return output;
}
