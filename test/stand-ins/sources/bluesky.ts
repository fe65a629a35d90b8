import { type RecordedRequest, StandInApi, type StandInReply } from "#test/stand-ins/sources/server";

/**
 * Bluesky PDS/AppView stand-in: com.atproto.server.createSession / refreshSession and
 * app.bsky.feed.searchPosts (sort=latest, since inclusive / until exclusive on sortAt, limit,
 * opaque cursor), with bodies shaped like the lexicons. Errors use the XRPC shape
 * {"error": "...", "message": "..."}; an expired access token is 400 ExpiredToken.
 */
export interface BlueskyPostInput {
  rkey: string;
  text: string;
  createdAt: string;
  indexedAt?: string;
  handle?: string;
  langs?: string[];
  likes?: number;
}

export const blueskyPost = (p: BlueskyPostInput) => ({
  uri: `at://did:plc:${p.handle ?? "alice"}/app.bsky.feed.post/${p.rkey}`,
  cid: `bafy${p.rkey}`,
  author: {
    did: `did:plc:${p.handle ?? "alice"}`,
    handle: p.handle ?? "alice.bsky.social",
    displayName: "Alice",
  },
  record: {
    $type: "app.bsky.feed.post",
    text: p.text,
    createdAt: p.createdAt,
    ...(p.langs ? { langs: p.langs } : {}),
  },
  replyCount: 1,
  repostCount: 2,
  likeCount: p.likes ?? 3,
  quoteCount: 0,
  indexedAt: p.indexedAt ?? p.createdAt,
  labels: [],
});

export class BlueskyStandIn extends StandInApi {
  /** Raw post views (may include malformed ones on purpose). */
  posts: unknown[] = [];
  identifier = "brand.bsky.social";
  password = "app-pass-1234";
  private issued = 0;
  private readonly validAccess = new Set<string>();
  private readonly validRefresh = new Set<string>();
  /** Every access token issued so far now answers 400 ExpiredToken. */
  expireAccessTokens() {
    this.validAccess.clear();
  }
  expireRefreshTokens() {
    this.validRefresh.clear();
  }

  private issue(): StandInReply {
    this.issued++;
    const accessJwt = `access-${this.issued}`;
    const refreshJwt = `refresh-${this.issued}`;
    this.validAccess.add(accessJwt);
    this.validRefresh.add(refreshJwt);
    return { body: { accessJwt, refreshJwt, handle: this.identifier, did: "did:plc:brand", active: true } };
  }

  protected handle(r: RecordedRequest): StandInReply {
    const bearer = (r.headers.authorization ?? "").replace(/^Bearer /, "");
    switch (r.path) {
      case "/xrpc/com.atproto.server.createSession": {
        const body = JSON.parse(r.body || "{}") as { identifier?: string; password?: string };
        if (body.identifier !== this.identifier || body.password !== this.password) {
          return {
            status: 401,
            body: { error: "AuthenticationRequired", message: "Invalid identifier or password" },
          };
        }
        return this.issue();
      }
      case "/xrpc/com.atproto.server.refreshSession":
        if (!this.validRefresh.has(bearer)) {
          return { status: 400, body: { error: "ExpiredToken", message: "Token has expired" } };
        }
        this.validRefresh.delete(bearer);
        return this.issue();
      case "/xrpc/app.bsky.feed.searchPosts":
        if (!this.validAccess.has(bearer)) {
          return { status: 400, body: { error: "ExpiredToken", message: "Token has expired" } };
        }
        return this.search(r.query);
      default:
        return { status: 404, body: { error: "MethodNotImplemented", message: "Method Not Implemented" } };
    }
  }

  private search(q: Record<string, string>): StandInReply {
    if (!q.q)
      return {
        status: 400,
        body: { error: "InvalidRequest", message: 'Error: Params must have the property "q"' },
      };
    const needle = q.q.replace(/^"|"$/g, "").toLowerCase();
    const sortAt = (p: unknown) => {
      const post = p as { record?: { createdAt?: string }; indexedAt?: string };
      const created = post.record?.createdAt ?? "";
      const indexed = post.indexedAt ?? created;
      return [created, indexed].sort()[0] ?? created;
    };
    const text = (p: unknown) => JSON.stringify(p).toLowerCase();
    const matching = this.posts
      .filter((p) => text(p).includes(needle))
      .filter(
        (p) =>
          (q.since === undefined || sortAt(p) >= q.since) && (q.until === undefined || sortAt(p) < q.until),
      )
      .sort((a, b) => (sortAt(a) < sortAt(b) ? 1 : -1));
    const limit = Math.min(Number(q.limit ?? 25), 100);
    const offset = Number(q.cursor ?? 0);
    const page = matching.slice(offset, offset + limit);
    const next = offset + limit < matching.length ? String(offset + limit) : undefined;
    return {
      body: { ...(next !== undefined ? { cursor: next } : {}), hitsTotal: matching.length, posts: page },
    };
  }
}
