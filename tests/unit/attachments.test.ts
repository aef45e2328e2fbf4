// A ticket's attachments: a file is what its first bytes say, its name loses its folders and may not hide
// characters, and it is named again on download in a way every browser reads.
import { describe, expect, it } from 'vitest';
import { cleanFileName, contentDisposition, shownInline, sniffAttachmentType } from '../../core/index.ts';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** An ISO-BMFF file's start: an ftyp box with its major brand and compatible brands. */
function ftyp(major: string, ...compatible: string[]): Buffer {
  const size = 16 + 4 * compatible.length;
  const box = Buffer.alloc(size);
  box.writeUInt32BE(size, 0);
  box.write(`ftyp${major}`, 4, 'latin1');
  box.writeUInt32BE(0, 12);
  compatible.forEach((brand, i) => box.write(brand, 16 + 4 * i, 'latin1'));
  return Buffer.concat([box, Buffer.from('\0\0\0\x28meta', 'latin1')]);
}

describe('the type of an uploaded file', () => {
  it('is told by its first bytes: JPEG, PNG, WebP, HEIC photos and PDF documents', () => {
    expect(sniffAttachmentType(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF'))).toBe('image/jpeg');
    expect(sniffAttachmentType(bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13], 'IHDR'))).toBe('image/png');
    expect(sniffAttachmentType(bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '))).toBe('image/webp');
    expect(sniffAttachmentType(bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'))).toBe('application/pdf');
    expect(sniffAttachmentType(ftyp('heic', 'mif1', 'heic'))).toBe('image/heic');
    // an iPhone's photo: the image container's brand first, HEIC among the compatible ones
    expect(sniffAttachmentType(ftyp('mif1', 'mif1', 'heic', 'miaf'))).toBe('image/heic');
  });

  it('refuses what is none of those, whatever it is called', () => {
    expect(sniffAttachmentType(bytes('<html><script>alert(1)</script>'))).toBeNull();
    expect(sniffAttachmentType(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffAttachmentType(bytes('MZ\x90\0\x03\0\0\0'))).toBeNull(); // a Windows program
    expect(sniffAttachmentType(bytes('PK\x03\x04'))).toBeNull(); // a zip (or .docx)
    expect(sniffAttachmentType(bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '))).toBeNull(); // a call recording
    expect(sniffAttachmentType(ftyp('avif', 'mif1', 'avif'))).toBeNull();
    expect(sniffAttachmentType(ftyp('mif1', 'mif1', 'avif'))).toBeNull();
    expect(sniffAttachmentType(ftyp('isom', 'isom', 'mp41'))).toBeNull(); // a video
    expect(sniffAttachmentType(bytes([0xff, 0xd8]))).toBeNull(); // too short to be a JPEG
    expect(sniffAttachmentType(bytes(' %PDF-1.4'))).toBeNull();
    expect(sniffAttachmentType(new Uint8Array())).toBeNull();
  });

  it('shows photos in the browser and downloads documents', () => {
    expect(shownInline('image/jpeg')).toBe(true);
    expect(shownInline('image/heic')).toBe(true);
    expect(shownInline('application/pdf')).toBe(false);
  });
});

describe("an uploaded file's name", () => {
  it('keeps only its last part, without folders', () => {
    expect(cleanFileName('C:\\fakepath\\漏水照片.jpg')).toEqual({ ok: true, name: '漏水照片.jpg' });
    expect(cleanFileName('../../etc/passwd')).toEqual({ ok: true, name: 'passwd' });
    expect(cleanFileName('/tmp/签字确认书 2026-11.pdf')).toEqual({
      ok: true,
      name: '签字确认书 2026-11.pdf',
    });
    expect(cleanFileName('  维修单.pdf  ')).toEqual({ ok: true, name: '维修单.pdf' });
  });

  it('is kept in composed Unicode form', () => {
    const decomposed = 'Cafe\u0301.jpg';
    expect(cleanFileName(decomposed)).toEqual({ ok: true, name: 'Caf\u00e9.jpg' });
  });

  it('is refused with control characters or characters that reorder the text', () => {
    for (const raw of ['photo\n.jpg', 'photo\0.jpg', 'a\u0085b.pdf', 'invoice\u202Egpj.exe', 'x\u200b.jpg']) {
      const check = cleanFileName(raw);
      expect(check.ok, JSON.stringify(raw)).toBe(false);
      expect(!check.ok && check.message).toContain('control or hidden formatting characters');
    }
  });

  it('is refused when nothing is left of it, or when it is too long', () => {
    for (const raw of ['', '   ', '..', 'photos/', 'a/..']) {
      const check = cleanFileName(raw);
      expect(check.ok, JSON.stringify(raw)).toBe(false);
      expect(!check.ok && check.message).toContain('The file has no name');
    }
    expect(cleanFileName(`${'照'.repeat(251)}.jpg`).ok).toBe(true);
    const long = cleanFileName(`${'照'.repeat(252)}.jpg`);
    expect(!long.ok && long.message).toContain('at most 255 characters');
  });
});

describe('the name a download is given', () => {
  it('is the real name in UTF-8 (RFC 5987) beside a plain ASCII one', () => {
    expect(contentDisposition('inline', '漏水照片.jpg')).toBe(
      `inline; filename="____.jpg"; filename*=UTF-8''%E6%BC%8F%E6%B0%B4%E7%85%A7%E7%89%87.jpg`,
    );
    expect(contentDisposition('attachment', 'plan.pdf')).toBe(
      `attachment; filename="plan.pdf"; filename*=UTF-8''plan.pdf`,
    );
  });

  it('cannot end the header value or add a parameter', () => {
    const header = contentDisposition('attachment', `a"; filename="evil.html'(1)*%.pdf`);
    expect(header).toBe(
      `attachment; filename="a_; filename=_evil.html'(1)*_.pdf"; ` +
        `filename*=UTF-8''a%22%3B%20filename%3D%22evil.html%27%281%29%2A%25.pdf`,
    );
  });
});
