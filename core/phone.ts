// Phone numbers as the rest of the system stores them: digits only, mainland numbers without the country code.

/**
 * Normalises a presented caller number: "+86 138-1234-5678", "008613812345678" and "8613812345678" all become
 * "13812345678". Returns null for a withheld or unusable number ("anonymous", "", letters only).
 */
export function normalizePhone(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const trimmed = raw.trim().toLowerCase();
  if (trimmed === '' || trimmed === 'anonymous' || trimmed === 'unknown' || trimmed === 'restricted')
    return null;
  let digits = trimmed.replace(/[\s\-().]/g, '');
  if (!/^\+?\d+$/.test(digits)) return null;
  digits = digits.replace(/^\+/, '').replace(/^00/, '');
  if (digits.startsWith('86') && digits.length >= 11) {
    digits = digits.slice(2);
    // a landline loses its trunk prefix in international format: +86 21 6123 4567 is 021 6123 4567
    if (!digits.startsWith('1') && !digits.startsWith('0')) digits = `0${digits}`;
  }
  if (digits.length < 5 || digits.length > 15) return null;
  return digits;
}
