import { FormatError } from '../../util/errors.ts';

/**
 * RFC 4180 CSV: fields separated by commas, records by LF or CRLF; a field in double quotes may
 * hold commas, line breaks and doubled quotes (""). A quote inside an unquoted field, text after
 * a closing quote, or an unterminated quote is a FormatError naming the line.
 */
export function parseCsv(text: string, source: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let line = 1;
  const n = text.length;
  let atFieldStart = true;
  while (i < n) {
    const ch = text[i];
    if (atFieldStart && ch === '"') {
      const startLine = line;
      i++;
      for (;;) {
        if (i >= n) throw new FormatError(source, `unterminated quoted field starting on line ${startLine}`);
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') throw new FormatError(source, `text after a closing quote on line ${line}`);
      atFieldStart = false;
      continue;
    }
    if (ch === ',') { row.push(field); field = ''; atFieldStart = true; i++; continue; }
    if (ch === '\r' || ch === '\n') {
      if (ch === '\r') {
        if (text[i + 1] !== '\n') throw new FormatError(source, `bare CR on line ${line}`);
        i++;
      }
      i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      atFieldStart = true;
      line++;
      continue;
    }
    if (ch === '"') throw new FormatError(source, `quote inside an unquoted field on line ${line}`);
    field += ch;
    atFieldStart = false;
    i++;
  }
  if (!atFieldStart || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

/** Rows as objects keyed by the header row; every row must have the header's column count. */
export function csvRecords(text: string, source: string): Record<string, string>[] {
  const rows = parseCsv(text, source);
  if (rows.length === 0) throw new FormatError(source, 'empty CSV (no header row)');
  const head = rows[0];
  return rows.slice(1).filter((r) => !(r.length === 1 && r[0] === '')).map((r, k) => {
    if (r.length !== head.length) throw new FormatError(source, `row ${k + 2} has ${r.length} fields, the header has ${head.length}`);
    const o: Record<string, string> = {};
    head.forEach((h, j) => (o[h] = r[j]));
    return o;
  });
}
