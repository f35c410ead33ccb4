/**
 * AAMI EC57 beat classes and the inter-patient record split of de Chazal, O'Dwyer & Reilly
 * (IEEE TBME 51(7), 2004), used by every MIT-BIH task.
 */

export const AAMI_CLASSES = ['N', 'S', 'V', 'F', 'Q'] as const;
export type AamiClass = (typeof AAMI_CLASSES)[number];

/**
 * AAMI-4 (the inter-patient default, as most papers since de Chazal 2004 report it): N, S, V, F;
 * the Q beats (unclassifiable; 15 in DS1 + DS2) are dropped. Class index = AAMI index.
 */
export const AAMI4_CLASSES = ['N', 'S', 'V', 'F'] as const;
export const AAMI_Q = 4;

/** MIT-BIH beat mnemonic -> AAMI class index; mnemonics not listed are not beats and are skipped. */
export const AAMI_OF_MNEMONIC: Readonly<Record<string, number>> = {
  N: 0, L: 0, R: 0, e: 0, j: 0,
  A: 1, a: 1, J: 1, S: 1,
  V: 2, E: 2,
  F: 3,
  '/': 4, f: 4, Q: 4,
};

/** Records with paced beats, excluded from both sets (AAMI recommendation). */
export const PACED_RECORDS = ['102', '104', '107', '217'] as const;

export const DS1 = ['101', '106', '108', '109', '112', '114', '115', '116', '118', '119', '122', '124', '201', '203', '205', '207', '208', '209', '215', '220', '223', '230'] as const;
export const DS2 = ['100', '103', '105', '111', '113', '117', '121', '123', '200', '202', '210', '212', '213', '214', '219', '221', '222', '228', '231', '232', '233', '234'] as const;

/** Binary task: N (class 0) versus S + V + F (Q beats dropped, as in AAMI-4). */
export const BINARY_CLASSES = ['normal', 'abnormal'] as const;
export function binaryOfAami(c: number): number {
  return c === 0 ? 0 : 1;
}
