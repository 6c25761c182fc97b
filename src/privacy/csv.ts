/**
 * CSV as RFC 4180 writes it: fields separated by commas, lines ended by CRLF, a field holding a comma,
 * a double quote, CR or LF enclosed in double quotes with its quotes doubled. Null is an empty field.
 */
export type CsvCell = string | number | boolean | null;

/**
 * Free text written by people (a care note, an alert's resolution) can begin with "=", "+", "-" or
 * "@", which a spreadsheet opened from the export would run as a formula (OWASP, "CSV injection"):
 * such text gets a leading apostrophe. Numbers are written as numbers, untouched (a longitude of -0.12).
 */
export function textCell(text: string | null): string | null {
  if (text === null) return null;
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function field(cell: CsvCell): string {
  if (cell === null) return '';
  const text = String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF included. */
export function csvLine(cells: readonly CsvCell[]): string {
  return `${cells.map(field).join(',')}\r\n`;
}
