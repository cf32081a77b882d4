import { count } from './dutch.js';

/**
 * The recogniser's reasons (classify.ts, recognise/plausibility.ts) are English codes for logs
 * and tests; a contact reads them in Dutch. Pure, and content-free: no reason holds a name.
 */
const REVIEW_REASON_NL: Record<string, string> = {
  'codeword in subject': 'het codewoord staat in het onderwerp',
  'codeword in body': 'het codewoord staat in de tekst',
  'forwarded message': 'het is een doorgestuurd bericht',
  'codeword found but no child recognised': 'het codewoord staat erin, maar er is geen leerling herkend',
  'birth date label after signature or disclaimer':
    'een geboortedatum staat pas na de ondertekening of de disclaimer',
  'more children than can be listed': 'er staan meer leerlingen in dan hier getoond kunnen worden',
  'stated number of children differs':
    'het genoemde aantal leerlingen klopt niet met het aantal gevonden leerlingen',
  'text and HTML parts differ': 'de tekst- en de HTML-versie van het bericht verschillen',
  'sent as an automatic message': 'het bericht is als automatisch bericht verstuurd',
  'mailing-list headers': 'het bericht lijkt via een mailinglijst verstuurd',
  'mail says it is a test': 'het bericht noemt zichzelf een test',
  'same child listed more than once': 'dezelfde leerling staat er meer dan eens in',
  'birth date does not exist': 'een geboortedatum bestaat niet',
  'birth date is missing': 'een geboortedatum ontbreekt',
  'birth date not recognised': 'een geboortedatum is niet herkend',
  'birth date is in the future': 'een geboortedatum ligt in de toekomst',
  'age outside 2 to 23': 'een leeftijd ligt niet tussen 2 en 23 jaar',
  'name is empty or looks like a sentence': 'een naam ontbreekt of lijkt een zin',
  'name taken from a sentence': 'een naam is uit een zin gehaald',
  'name has a single word': 'een naam bestaat uit één woord',
  'name does not look like a name': 'een naam lijkt geen naam',
  'first name or surname missing': 'een voornaam of achternaam ontbreekt',
  'number of names does not match number of dates': 'het aantal namen klopt niet met het aantal geboortedata',
  'today is not a valid date, age not checked': 'de leeftijd kon niet worden gecontroleerd',
};

/** One reason in Dutch; one the table does not know yet is named as such rather than shown in English. */
export function reviewReasonNl(reason: string): string {
  const known = REVIEW_REASON_NL[reason];
  if (known) return known;
  const found = /^(\d+) (?:child|children) found$/.exec(reason);
  if (found) return `${count(Number(found[1]), 'leerling', 'leerlingen')} gevonden`;
  return 'iets anders dat de herkenning niet zeker maakte';
}
