import { type RecordedRequest, StandInApi, type StandInReply } from "#test/stand-ins/sources/server";

/**
 * X API v2 stand-in: GET /2/tweets/search/recent with a bearer token, query, max_results
 * (10..100), since_id (exclusive), start_time, next_token (stable: anchored on the last post
 * returned), expansions=author_id -> includes.users, and meta {result_count, newest_id,
 * oldest_id, next_token}. Errors use the problem shape {title, type, status, detail}.
 */
export const xTweet = (p: {
  id: string;
  text: string;
  createdAt: string;
  authorId?: string;
  lang?: string;
}) => ({
  id: p.id,
  text: p.text,
  author_id: p.authorId ?? "u1",
  created_at: p.createdAt,
  lang: p.lang ?? "en",
  edit_history_tweet_ids: [p.id],
  public_metrics: {
    retweet_count: 1,
    reply_count: 2,
    like_count: 3,
    quote_count: 0,
    bookmark_count: 0,
    impression_count: 100,
  },
});

export class XStandIn extends StandInApi {
  tweets: unknown[] = [];
  users = [{ id: "u1", name: "Dave", username: "dave", public_metrics: { followers_count: 900 } }];
  bearer = "x-bearer";
  /** Posts returned so far: what X would bill. */
  postsRead = 0;

  protected handle(r: RecordedRequest): StandInReply {
    if (r.path !== "/2/tweets/search/recent")
      return { status: 404, body: { title: "Not Found Error", status: 404 } };
    if (r.headers.authorization !== `Bearer ${this.bearer}`) {
      return {
        status: 401,
        body: { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" },
      };
    }
    const max = Number(r.query.max_results ?? 10);
    if (!(max >= 10 && max <= 100)) {
      return {
        status: 400,
        body: {
          errors: [
            {
              parameters: { max_results: [String(max)] },
              message: "The `max_results` query parameter value is not between 10 and 100",
            },
          ],
          title: "Invalid Request",
          detail: "One or more parameters to your request was invalid.",
          type: "https://api.twitter.com/2/problems/invalid-request",
        },
      };
    }
    const id = (t: unknown) => BigInt((t as { id?: string }).id ?? "0");
    const created = (t: unknown) => (t as { created_at?: string }).created_at ?? "";
    const anchor = r.query.next_token?.replace(/^b/, "");
    const all = this.tweets
      .filter((t) => JSON.stringify(t).toLowerCase().includes("exampleair"))
      .filter((t) => r.query.since_id === undefined || id(t) > BigInt(r.query.since_id))
      .filter((t) => r.query.start_time === undefined || created(t) >= r.query.start_time)
      .sort((a, b) => (id(a) < id(b) ? 1 : -1));
    const eligible = anchor === undefined ? all : all.filter((t) => id(t) < BigInt(anchor));
    const page = eligible.slice(0, max);
    this.postsRead += page.length;
    const last = page[page.length - 1];
    const more = eligible.length > page.length && last !== undefined;
    const meta = {
      result_count: page.length,
      ...(page.length > 0 ? { newest_id: id(page[0]).toString(), oldest_id: id(last).toString() } : {}),
      ...(more ? { next_token: `b${id(last).toString()}` } : {}),
    };
    return {
      headers: {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": "449",
        "x-rate-limit-reset": String(Math.floor(Date.now() / 1000) + 900),
      },
      body: page.length > 0 ? { data: page, includes: { users: this.users }, meta } : { meta },
    };
  }
}
