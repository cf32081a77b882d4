/**
 * Secure-mail notices. Some organisations send sensitive mail through a secure-mail service
 * (Zivver, ZorgMail, Egress, Microsoft Purview / Office 365 Message Encryption, Cisco Secure Email,
 * Virtru, "SecureMail", "Veilig mailen"): the HwC mailbox then receives a notice with a link and a
 * code, not the signal. Its content is behind the link, so only a person can read it.
 */

// "U heeft een beveiligd bericht ontvangen", "heeft u een versleuteld bericht gestuurd",
// "You've received an encrypted message", "has sent you a secure email".
const RECEIVED = new RegExp(
  [
    String.raw`\b(?:u\s+heeft|heeft\s+u|je\s+hebt|jij\s+hebt|heb\s+je)\s+(?:een\s+)?(?:nieuw\s+)?(?:beveiligd|versleuteld|vertrouwelijk|veilig)e?\s*(?:e-?mail)?\s*(?:bericht|e-?mail)\b.{0,40}?\b(?:ontvangen|gestuurd|verstuurd|gezonden)`,
    String.raw`\b(?:beveiligd|versleuteld)e?\s+(?:e-?mail)?bericht\s+(?:van|ontvangen|voor\s+u|staat\s+(?:voor\s+u\s+)?klaar)`,
    String.raw`\b(?:you(?:'|\u2019)?ve|you\s+have)\s+received\s+an?\s+(?:new\s+)?(?:secure|encrypted|protected)\s+(?:e-?mail|message)`,
    String.raw`\bsent\s+you\s+an?\s+(?:secure|encrypted|protected)\s+(?:e-?mail|message)`,
    String.raw`\b(?:encrypted|secure)\s+message\s+from\b`,
    String.raw`\bregistered\s+envelope\b`,
  ].join('|'),
  'iu',
);

// The services by name, as their notices sign them.
const SERVICE =
  /\b(?:zivver|zorgmail|egress(?:\s+(?:protect|switch))?|(?:microsoft\s+purview|office\s+365)\s+message\s+encryption|cisco\s+secure\s+email|ironport\s+encryption|virtru|securemail|secure\s+mail|veilig\s+(?:e-?)?mailen|mimecast\s+secure\s+messaging|proofpoint\s+encryption|sigmail)\b/iu;

// What the reader must do: follow a link, enter a code, sign in.
const ACTION =
  /\b(?:klik\s+(?:op\s+)?(?:de|deze|onderstaande)?\s*(?:link|knop|hier)|klik\s+voor\s+(?:het\s+)?bericht|bericht\s+(?:openen|bekijken|lezen)|open\s+(?:het|uw|je)\s+bericht|bekijk\s+(?:het\s+)?bericht|verificatiecode|toegangscode|sms-?code|e-?mail-?code|inlogcode|eenmalige\s+code|read\s+the\s+message|view\s+(?:the\s+)?message|open\s+(?:the\s+)?message|unlock\s+(?:the\s+)?message|click\s+(?:here|the\s+link|below)|one-?time\s+(?:pass)?code|verification\s+code|passcode|sign\s+in\s+to\s+(?:read|view))\b/iu;

export interface SecureNoticeEvidence {
  /** The wording of a notice: "you received a secure message". */
  received: boolean;
  /** A secure-mail service named, and an instruction to open a link or enter a code. */
  serviceAndAction: boolean;
}

/** How much of a secure-mail notice a mail's text holds; both false for any other mail. */
export function secureNoticeEvidence(text: string): SecureNoticeEvidence {
  // A notice is short; its wording comes first. Bounded, so that a long mail costs no more.
  const head = text.slice(0, 6000).replace(/\s+/g, ' ');
  const action = ACTION.test(head);
  return { received: RECEIVED.test(head) && action, serviceAndAction: SERVICE.test(head) && action };
}
