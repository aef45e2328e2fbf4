// A ticket's attachments (issue 5: evidence: photos, signed forms): which files are taken, told by their first
// bytes and never by the type the uploader claims; how an uploaded file's name is cleaned; how it is named again
// when it is downloaded. Pure: no I/O.

/** The types a ticket takes: photos (JPEG, PNG, WebP, HEIC from iPhones) and documents (PDF). */
export const ATTACHMENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/heic',
  'application/pdf',
] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** The stored file's extension, by type (the stored name is generated; this only helps whoever looks at the folder). */
export const ATTACHMENT_EXTENSIONS: Record<AttachmentType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'application/pdf': 'pdf',
};

/** How many of a file's first bytes `sniffAttachmentType` needs to decide. */
export const SNIFF_BYTES = 64;

/** ISO-BMFF brands of HEIC/HEIF images encoded with HEVC (what phones write). */
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx']);
/** Brands of the general image container; a HEIC image under one names a HEIC brand among its compatible ones. */
const HEIF_CONTAINER_BRANDS = new Set(['mif1', 'msf1']);

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
const ascii = (bytes: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...bytes.subarray(from, to));

/**
 * The type of a file from its first bytes (at least SNIFF_BYTES of them, or the whole file when shorter); null
 * when it is none of ATTACHMENT_TYPES. A HEIC image is an ISO-BMFF file whose `ftyp` box names a HEVC image brand
 * (an AVIF image, the same container with AV1, is refused: few viewers in China's offices show it).
 */
export function sniffAttachmentType(head: Uint8Array): AttachmentType | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'image/webp';
  if (ascii(head, 0, 5) === '%PDF-') return 'application/pdf';
  if (head.length >= 16 && ascii(head, 4, 8) === 'ftyp') {
    const boxSize = Math.min(new DataView(head.buffer, head.byteOffset, 4).getUint32(0), head.length);
    const major = ascii(head, 8, 12);
    if (HEIC_BRANDS.has(major)) return 'image/heic';
    if (HEIF_CONTAINER_BRANDS.has(major)) {
      // compatible brands follow the major brand and its minor version, four bytes each
      for (let at = 16; at + 4 <= boxSize; at += 4)
        if (HEIC_BRANDS.has(ascii(head, at, at + 4))) return 'image/heic';
    }
  }
  return null;
}

/** Shown in the browser (a photo); anything else is downloaded. */
export function shownInline(type: AttachmentType): boolean {
  return type.startsWith('image/');
}

export const MAX_FILE_NAME_LENGTH = 255;

/**
 * Control characters (C0, DEL, C1) and the Unicode formatting characters that reorder or hide text (bidi
 * overrides and isolates, zero-width marks, BOM): "invoice\u202Egpj.exe" looks like "invoiceexe.jpg".
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

export type FileNameCheck = { ok: true; name: string } | { ok: false; message: string };

/**
 * The name a file is kept under on its ticket, from the name the uploader sent: only its last path part (a browser
 * on Windows once sent "C:\fakepath\photo.jpg"; "../../etc/passwd" is "passwd"), in Unicode NFC, trimmed. Refused:
 * control or text-reordering characters, a name that is empty or only dots once its folders are gone, a name
 * longer than 255 characters.
 */
export function cleanFileName(raw: string): FileNameCheck {
  if (UNSAFE_CHARACTERS.test(raw)) {
    return {
      ok: false,
      message:
        '文件名含有控制字符或隐藏的排版字符,请改名后再上传 / The file name contains control or hidden formatting characters: rename the file and upload it again.',
    };
  }
  const name = (raw.split(/[/\\]/).pop() ?? '').normalize('NFC').trim();
  if (name === '' || /^\.+$/.test(name)) {
    return { ok: false, message: '请提供文件名 / The file has no name: send its name with the upload.' };
  }
  if ([...name].length > MAX_FILE_NAME_LENGTH) {
    return {
      ok: false,
      message: `文件名过长(最多 ${MAX_FILE_NAME_LENGTH} 个字符)/ The file name is too long (at most ${MAX_FILE_NAME_LENGTH} characters).`,
    };
  }
  return { ok: true, name };
}

/**
 * The Content-Disposition of a download: `inline` or `attachment`, a plain ASCII `filename` for old clients
 * (anything else replaced by "_") and the real name as RFC 5987 UTF-8 in `filename*` (RFC 6266).
 */
export function contentDisposition(disposition: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
