import { FormatError } from '../../util/errors.ts';

/**
 * The `scp_codes` column of ptbxl_database.csv: a Python dict literal mapping SCP code strings
 * to likelihoods, e.g. "{'NORM': 100.0, 'SR': 0.0}". Grammar accepted:
 *   dict  := '{' [ entry (',' entry)* [','] ] '}'
 *   entry := string ':' number
 *   string: single or double quoted, backslash escapes \\ \' \" ; number: Python int/float.
 * Anything else is a FormatError naming the position.
 */
export function parseScpCodes(text: string, source: string): Record<string, number> {
  let i = 0;
  const out: Record<string, number> = Object.create(null);
  const fail = (what: string): never => { throw new FormatError(source, `scp_codes ${what} at character ${i} of "${text.slice(0, 60)}"`); };
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const str = (): string => {
    const q = text[i];
    if (q !== "'" && q !== '"') fail('expected a quoted key');
    i++;
    let s = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i++];
      if (c === q) return s;
      if (c === '\\') {
        if (i >= text.length) fail('unterminated escape');
        s += text[i++];
      } else s += c;
    }
  };
  const number = (): number => {
    const m = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (!m) fail('expected a number');
    i += m![0].length;
    return Number(m![0]);
  };
  ws();
  if (text[i] !== '{') fail("expected '{'");
  i++;
  ws();
  if (text[i] === '}') i++;
  else {
    for (;;) {
      ws();
      if (text[i] === '}') { i++; break; } // trailing comma
      const k = str();
      ws();
      if (text[i] !== ':') fail("expected ':'");
      i++;
      ws();
      out[k] = number();
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '}') { i++; break; }
      fail("expected ',' or '}'");
    }
  }
  ws();
  if (i !== text.length) fail('trailing text');
  return { ...out };
}
