/**
 * Signatures and disclaimers: the sender's name, phone number, postcode and a date such as
 * "Verzonden op 20-11-2026" sit below the signal and must never become a child. Everything
 * from the first signature or disclaimer line to the end of a section is set apart.
 */

const SIGNATURE_START = [
  /^-- ?$/,
  /^(?:met\s+)?(?:vriendelijke|hartelijke|collegiale)\s+groet(?:en)?\b/i,
  /^(?:groet(?:en|jes)?|mvg|m\.v\.g\.?|vriendelijke groet)\s*[,.!]?\s*$/i,
  /^(?:kind|kindest|best|warm)\s+regards\b/i,
  /^(?:regards|cheers|sincerely)\s*,?\s*$/i,
  /^verzonden (?:vanaf|vanuit|met|from) /i,
  /^sent from my /i,
];

const DISCLAIMER_START = [
  /^\s*disclaimer\b/i,
  /^\s*(?:dit|deze) (?:e-?mail(?:bericht)?|bericht)\b.{0,40}\b(?:uitsluitend|alleen|vertrouwelijk|bestemd)/i,
  /^\s*de informatie (?:in|verzonden met|opgenomen in) (?:dit|deze) (?:e-?mail(?:bericht)?|bericht)/i,
  /^\s*aan (?:dit|deze) (?:e-?mail(?:bericht)?|bericht) kunnen geen rechten/i,
  /^\s*indien u (?:dit|deze) (?:e-?mail(?:bericht)?|bericht) (?:ten onrechte|onterecht|per abuis|per vergissing|abusievelijk)/i,
  /^\s*this (?:e-?mail|message)\b.{0,40}\b(?:intended|confidential)/i,
  /^\s*the information (?:contained )?in this (?:e-?mail|message)/i,
  /^\s*denk aan het milieu/i,
];

export interface SignatureSplit {
  body: string[];
  /** Lines from the first signature or disclaimer line onwards; read only to warn, never for children. */
  trailer: string[];
}

export function isSignatureStart(line: string): boolean {
  const text = line.trim();
  return SIGNATURE_START.some((re) => re.test(text)) || DISCLAIMER_START.some((re) => re.test(text));
}

export function stripSignature(lines: string[]): SignatureSplit {
  const index = lines.findIndex(isSignatureStart);
  if (index < 0) return { body: lines, trailer: [] };
  return { body: lines.slice(0, index), trailer: lines.slice(index) };
}
