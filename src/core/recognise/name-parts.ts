/**
 * A child's name given in parts, as case systems export it and as the regional werkproces lists
 * the signal's content ("Voornaam en Achternaam kind"): Voornaam, Roepnaam, Tussenvoegsel and
 * Achternaam, in any order. The parts are put together as Dutch writes a name: the call name (or
 * the first name), the tussenvoegsel in lower case, the surname: "Sanne van der Berg".
 */

export type NamePart = 'first' | 'call' | 'infix' | 'surname';
export type NameParts = Partial<Record<NamePart, string>>;

/** The label of one part, without a colon: "Voornaam", "Roepnaam kind 2", "Achternaam leerling". */
export const NAME_PART_LABEL = String.raw`(?:voor|roep|achter|familie|geslachts)naam(?:\s+(?:van\s+(?:de|het)\s+)?(?:kind|leerling))?|tussenvoegsel(?:s)?(?:\s+(?:kind|leerling))?|first\s+name|given\s+name|last\s+name|family\s+name|surname`;

/** Which part a label (as matched by NAME_PART_LABEL) stands for. */
export function partOfLabel(label: string): NamePart {
  const text = label.trim().toLowerCase();
  if (text.startsWith('roep')) return 'call';
  if (text.startsWith('tussen')) return 'infix';
  if (/^(?:voor|first|given)/.test(text)) return 'first';
  return 'surname';
}

/** A group of parts names a whole child once it has a given name and a surname. */
export function isWhole(parts: NameParts): boolean {
  return (parts.first ?? parts.call ?? '') !== '' && (parts.surname ?? '') !== '';
}

/**
 * The name as Dutch writes it, and whether a part that every name has (a given name, a surname)
 * is missing; an empty tussenvoegsel is normal and not missing.
 */
export function composeName(parts: NameParts): { name: string; missing: boolean } {
  const given = parts.call !== undefined && parts.call !== '' ? parts.call : (parts.first ?? '');
  const surname = parts.surname ?? '';
  let infix = (parts.infix ?? '').toLowerCase();
  // "Tussenvoegsel: van der" with "Achternaam: van der Berg" gives the particles once.
  if (infix !== '' && surname.toLowerCase().startsWith(`${infix} `)) infix = '';
  const name = [given, infix, surname].filter((p) => p !== '').join(' ');
  return { name, missing: given === '' || surname === '' };
}
