import { type RecordedRequest, StandInApi, type StandInReply } from "#test/stand-ins/sources/server";

/**
 * Reddit stand-in: POST /api/v1/access_token (HTTP Basic client id/secret, form
 * grant_type=client_credentials -> {access_token, token_type, expires_in, scope}) and
 * GET /search and /r/<subs>/search returning a Listing (newest first with sort=new, `after`
 * fullname anchor, limit <= 100) with X-Ratelimit-Used/Remaining/Reset headers.
 */
export const redditPost = (p: { id: string; title: string; createdUtc: number; subreddit?: string }) => ({
  kind: "t3",
  data: {
    id: p.id,
    name: `t3_${p.id}`,
    title: p.title,
    selftext: "",
    author: "carol",
    subreddit: p.subreddit ?? "travel",
    created_utc: p.createdUtc,
    permalink: `/r/${p.subreddit ?? "travel"}/comments/${p.id}/slug/`,
    url: `https://www.reddit.com/r/${p.subreddit ?? "travel"}/comments/${p.id}/slug/`,
    score: 10,
    num_comments: 2,
  },
});

export class RedditStandIn extends StandInApi {
  posts: unknown[] = [];
  clientId = "cid";
  clientSecret = "csecret";
  /** Remaining calls reported in X-Ratelimit-Remaining; decremented per search. */
  remaining = 100;
  resetSeconds = 60;
  private issued = 0;
  private readonly valid = new Set<string>();
  revokeTokens() {
    this.valid.clear();
  }

  protected handle(r: RecordedRequest): StandInReply {
    if (r.path === "/api/v1/access_token") {
      const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString("base64")}`;
      if (r.method !== "POST" || r.headers.authorization !== expected) {
        return { status: 401, body: { message: "Unauthorized", error: 401 } };
      }
      if (new URLSearchParams(r.body).get("grant_type") !== "client_credentials") {
        return { body: { error: "unsupported_grant_type" } };
      }
      this.issued++;
      const token = `tok-${this.issued}`;
      this.valid.add(token);
      return { body: { access_token: token, token_type: "bearer", expires_in: 86400, scope: "*" } };
    }
    if (r.path === "/search" || /^\/r\/[A-Za-z0-9_+]+\/search$/.test(r.path)) {
      if (!this.valid.has((r.headers.authorization ?? "").replace(/^Bearer /, ""))) {
        return { status: 401, body: { message: "Unauthorized", error: 401 } };
      }
      this.remaining = Math.max(0, this.remaining - 1);
      const headers = {
        "x-ratelimit-used": String(100 - this.remaining),
        "x-ratelimit-remaining": `${this.remaining}.0`,
        "x-ratelimit-reset": String(this.resetSeconds),
      };
      return { headers, body: this.listing(r.query) };
    }
    return { status: 404, body: { message: "Not Found", error: 404 } };
  }

  private listing(q: Record<string, string>) {
    const created = (p: unknown) => (p as { data?: { created_utc?: number } }).data?.created_utc ?? 0;
    const name = (p: unknown) => (p as { data?: { name?: string } }).data?.name;
    const sorted = [...this.posts].sort((a, b) => created(b) - created(a));
    const limit = Math.min(Number(q.limit ?? 25), 100);
    const start = q.after === undefined ? 0 : sorted.findIndex((p) => name(p) === q.after) + 1;
    const page = sorted.slice(start, start + limit);
    const after = start + limit < sorted.length ? (name(page[page.length - 1]) ?? null) : null;
    return { kind: "Listing", data: { after, before: null, dist: page.length, children: page } };
  }
}
