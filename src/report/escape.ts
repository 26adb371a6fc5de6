/**
 * HTML escaping. Every string that comes from outside the report's own code (file names, feature
 * names, schema names, reasons) goes through {@link escapeHtml} before it reaches the page, both in
 * text and in attribute values, so a name like `<script>` stays text.
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * `text` with `& < > " '` replaced by entities: safe as element content and as a quoted attribute
 * value (HTML and inline SVG).
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
