import { type RecordedRequest, StandInApi, type StandInReply } from "#test/stand-ins/sources/server";

/**
 * One Mastodon instance: GET /api/v1/timelines/tag/:hashtag with limit (default 20, max 40),
 * max_id / since_id / min_id, newest first, and a Link header with rel="next" (max_id) and
 * rel="prev" (min_id). `requireToken` makes it refuse unauthenticated reads with 401, like an
 * instance that disables public timelines.
 */
export const mastodonStatus = (p: {
  id: string;
  text: string;
  createdAt: string;
  acct?: string;
  tag: string;
}) => ({
  id: p.id,
  uri: `https://remote.example/users/${p.acct ?? "bob"}/statuses/${p.id}`,
  url: `https://remote.example/@${p.acct ?? "bob"}/${p.id}`,
  created_at: p.createdAt,
  content: `<p>${p.text} <a href="https://x/tags/${p.tag}" class="mention hashtag">#<span>${p.tag}</span></a></p>`,
  spoiler_text: "",
  visibility: "public",
  language: "en",
  replies_count: 1,
  reblogs_count: 0,
  favourites_count: 4,
  account: { id: "1", username: p.acct ?? "bob", acct: p.acct ?? "bob", followers_count: 120 },
  tags: [{ name: p.tag.toLowerCase(), url: `https://x/tags/${p.tag}` }],
});

export class MastodonStandIn extends StandInApi {
  /** Statuses by lower-case tag; ids are numeric strings, growing. */
  readonly timelines = new Map<string, unknown[]>();
  requireToken: string | undefined;
  add(tag: string, status: unknown) {
    const list = this.timelines.get(tag.toLowerCase()) ?? [];
    list.push(status);
    this.timelines.set(tag.toLowerCase(), list);
  }

  protected handle(r: RecordedRequest): StandInReply {
    const match = r.path.match(/^\/api\/v1\/timelines\/tag\/([^/]+)$/);
    if (!match?.[1]) return { status: 404, body: { error: "Record not found" } };
    if (this.requireToken !== undefined && r.headers.authorization !== `Bearer ${this.requireToken}`) {
      return { status: 401, body: { error: "This method requires an authenticated user" } };
    }
    const tag = decodeURIComponent(match[1]).toLowerCase();
    const idOf = (s: unknown) => BigInt((s as { id?: string }).id ?? "0");
    const all = [...(this.timelines.get(tag) ?? [])].sort((a, b) => (idOf(a) < idOf(b) ? 1 : -1));
    const limit = Math.min(Number(r.query.limit ?? 20), 40);
    let page: unknown[];
    if (r.query.min_id !== undefined) {
      const minId = BigInt(r.query.min_id);
      page = all
        .filter((s) => idOf(s) > minId)
        .reverse()
        .slice(0, limit)
        .reverse();
    } else {
      page = all
        .filter((s) => r.query.max_id === undefined || idOf(s) < BigInt(r.query.max_id))
        .filter((s) => r.query.since_id === undefined || idOf(s) > BigInt(r.query.since_id))
        .slice(0, limit);
    }
    const headers: Record<string, string> = {};
    if (page.length > 0) {
      const base = `${this.url}/api/v1/timelines/tag/${encodeURIComponent(tag)}`;
      const newest = idOf(page[0]).toString();
      const oldest = idOf(page[page.length - 1]).toString();
      headers.link = `<${base}?max_id=${oldest}>; rel="next", <${base}?min_id=${newest}>; rel="prev"`;
    }
    return { headers, body: page };
  }
}
