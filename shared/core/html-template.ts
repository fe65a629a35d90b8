/**
 * HTML that escapes by construction: every hole of an html`...` template is escaped unless it
 * is itself the result of html`...` (or of trustedHtml, for our own stylesheets and scripts).
 * A renderer cannot forget to escape a post, an author or a link: the safe way is the only way.
 */

/** Text escaped for element content and quoted attribute values. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;",
  );

/** Markup that is safe to insert as it is. Only this module constructs it. */
export class SafeHtml {
  readonly #markup: string;
  /** @internal use html`...` or trustedHtml(). */
  constructor(markup: string, key: typeof CONSTRUCTION_KEY) {
    if (key !== CONSTRUCTION_KEY) throw new Error("SafeHtml is made by html`...` or trustedHtml()");
    this.#markup = markup;
  }
  toString(): string {
    return this.#markup;
  }
}
const CONSTRUCTION_KEY: unique symbol = Symbol("SafeHtml");

/** What a hole may hold: text (escaped), markup, lists of either; nothing renders as "". */
export type HtmlHole = string | number | SafeHtml | undefined | null | false | readonly HtmlHole[];

/** Attributes whose value is followed as a link: a hole there must be a link, not a script. */
const URL_ATTRIBUTE = /^<[^<>]*\s(?:href|src|action|formaction|xlink:href|poster|cite)\s*=\s*["']$/i;
/** A hole right after `name=` inside a tag would be an unquoted attribute value, where escaping is not enough. */
const UNQUOTED_ATTRIBUTE = /^<[^<>]*\s[^\s"'<>=/]+\s*=\s*$/;
/** A scheme other than http(s): javascript:, data:, vbscript:... (relative links have none). */
const OTHER_SCHEME = /^\s*(?!https?:)[a-z][a-z0-9+.-]*:/i;

const render = (hole: HtmlHole, inUrlAttribute: boolean): string => {
  if (hole === undefined || hole === null || hole === false) return "";
  if (hole instanceof SafeHtml) return hole.toString();
  if (Array.isArray(hole)) return hole.map((h: HtmlHole) => render(h, inUrlAttribute)).join("");
  const text = String(hole);
  // Escaping keeps a link inside its attribute; it does not stop `javascript:` from running.
  if (inUrlAttribute && OTHER_SCHEME.test(text)) return "#";
  return escapeHtml(text);
};

/** The tag: html`<p>${text}</p>`. Holes in unquoted attribute values are refused. */
export const html = (strings: TemplateStringsArray, ...holes: readonly HtmlHole[]): SafeHtml => {
  let out = strings[0] ?? "";
  holes.forEach((hole, i) => {
    // The markup since the last "<": inside a tag when it has no ">" (escaped holes have neither).
    const tagSoFar = out.slice(Math.max(0, out.lastIndexOf("<")));
    if (UNQUOTED_ATTRIBUTE.test(tagSoFar)) {
      throw new Error(`html\`...\`: quote the attribute value around hole ${i} ("${tagSoFar.slice(-20)}")`);
    }
    out += render(hole, URL_ATTRIBUTE.test(tagSoFar)) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out, CONSTRUCTION_KEY);
};

/**
 * Markup we wrote ourselves (the page's stylesheet and script, JSON made script-safe), inserted
 * as it is. Never for anything that came from a source.
 */
export const trustedHtml = (markup: string): SafeHtml => new SafeHtml(markup, CONSTRUCTION_KEY);

/** Holes joined with a separator, e.g. paragraphs with "\n". */
export const joinHtml = (items: readonly HtmlHole[], separator: string | SafeHtml = ""): SafeHtml =>
  new SafeHtml(items.map((item) => render(item, false)).join(render(separator, false)), CONSTRUCTION_KEY);
