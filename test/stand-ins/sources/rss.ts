import { type RecordedRequest, StandInApi, type StandInReply } from "#test/stand-ins/sources/server";

/** Feed stand-in: serves RSS 2.0 / Atom documents by path, as news search feeds do. */
export interface FeedItem {
  id: string;
  title: string;
  description?: string;
  published: string;
  author?: string;
  /** The item's guid when it is not its id (e.g. a 1,100-byte one). */
  guid?: string;
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export const rss2 = (title: string, items: readonly FeedItem[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>${escapeXml(title)}</title>
    <link>https://news.example/</link>
    <description>Search results</description>
${items
  .map(
    (i) => `    <item>
      <title>${escapeXml(i.title)}</title>
      <link>https://news.example/a/${i.id}</link>
      <guid isPermaLink="false">${escapeXml(i.guid ?? i.id)}</guid>
      <pubDate>${new Date(i.published).toUTCString()}</pubDate>
      <description><![CDATA[<p>${i.description ?? ""}</p>]]></description>
${i.author ? `      <dc:creator>${escapeXml(i.author)}</dc:creator>\n` : ""}    </item>`,
  )
  .join("\n")}
  </channel>
</rss>`;

export const atom = (title: string, items: readonly FeedItem[]) =>
  `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">${escapeXml(title)}</title>
  <id>urn:feed:1</id>
  <updated>${items[0]?.published ?? "2025-01-01T00:00:00Z"}</updated>
${items
  .map(
    (i) => `  <entry>
    <id>urn:entry:${i.id}</id>
    <title type="html">${escapeXml(i.title)}</title>
    <link rel="alternate" type="text/html" href="https://blog.example/${i.id}"/>
    <link rel="self" href="https://blog.example/${i.id}.atom"/>
    <published>${i.published}</published>
    <updated>${i.published}</updated>
    <author><name>${escapeXml(i.author ?? "Erin")}</name></author>
    <summary type="html">${escapeXml(i.description ?? "")}</summary>
  </entry>`,
  )
  .join("\n")}
</feed>`;

/**
 * Well-formed XML nested deeper than any feed needs (and than the parser allows): feeds like it
 * turn up when a CMS wraps broken markup, or on purpose.
 */
export const deeplyNested = (title: string, depth = 150) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>${escapeXml(title)}</title>
<item><title>ExampleAir deep</title><guid>deep-1</guid><pubDate>${new Date().toUTCString()}</pubDate>
<description>${"<div>".repeat(depth)}ExampleAir${"</div>".repeat(depth)}</description></item>
</channel></rss>`;

/** Feeds that are not there answer 404 like any web server: a path with no document is one. */
export class FeedStandIn extends StandInApi {
  /** Documents by path (with query). */
  readonly documents = new Map<string, string>();

  protected handle(r: RecordedRequest): StandInReply {
    const search = new URLSearchParams(r.query).toString();
    const doc = this.documents.get(search ? `${r.path}?${search}` : r.path);
    if (doc === undefined) return { status: 404, body: "not found" };
    return { headers: { "content-type": "application/rss+xml; charset=utf-8" }, body: doc };
  }
}
