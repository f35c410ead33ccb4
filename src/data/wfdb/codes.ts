/**
 * WFDB annotation codes and their mnemonics (the standard table of ecgcodes.h / anntab).
 * Index = code (0..49); an empty string is an unused code.
 */
export const ANNOTATION_MNEMONICS: readonly string[] = [
  '', 'N', 'L', 'R', 'a', 'V', 'F', 'J', 'A', 'S', // 0-9
  'E', 'j', '/', 'Q', '~', '', '|', '', 's', 'T', // 10-19
  '*', 'D', '"', '=', 'p', 'B', '^', 't', '+', 'u', // 20-29
  '?', '!', '[', ']', 'e', 'n', '@', 'x', 'f', '(', // 30-39
  ')', 'r', '', '', '', '', '', '', '', '', // 40-49
];

/** Largest annotation code (ACMAX); 59..63 are the pseudo-codes SKIP, NUM, SUB, CHN, AUX. */
export const ACMAX = 49;

/** Codes that label a QRS complex (isqrs in the WFDB library). */
export const BEAT_CODES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 25, 30, 34, 35, 38, 41]);

export function mnemonicOf(code: number): string {
  return ANNOTATION_MNEMONICS[code] ?? '';
}

/** Code of a mnemonic, or -1. */
export function codeOf(mnemonic: string): number {
  return mnemonic === '' ? -1 : ANNOTATION_MNEMONICS.indexOf(mnemonic);
}
