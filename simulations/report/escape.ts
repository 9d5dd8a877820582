/**
 * Escaping for the report: every string that comes from a run (scenario
 * names, user ids, message texts, check figures) passes through here before
 * it reaches HTML, SVG or CSV.
 *
 * Guarantees: `escapeHtml` output contains no `<`, `>`, `&` that is not an
 * entity, and no quote, so it is safe both as element text and inside a
 * double- or single-quoted attribute. `csvField` follows RFC 4180: a field
 * with a comma, quote, CR or LF is quoted and its quotes doubled; values are
 * written as they are (no spreadsheet-formula mangling: the CSV is data).
 */

const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML/SVG element content and quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/** One CSV field: numbers and booleans as they print, undefined as empty, strings quoted when needed. */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (no trailing newline). */
export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',');
}
