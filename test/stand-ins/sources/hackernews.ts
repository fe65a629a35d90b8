import { type RecordedRequest, StandInApi, type StandInReply } from "#test/stand-ins/sources/server";

/**
 * HN Algolia stand-in: GET /api/v1/search_by_date with query, tags, numericFilters
 * (created_at_i with >, >=, <, <=, comma = AND), hitsPerPage and page; newest first; the body
 * carries hits, nbHits, page, nbPages, hitsPerPage like the real API.
 */
export const hnHit = (p: {
  id: string;
  createdAtI: number;
  title?: string;
  comment?: string;
  author?: string;
}) => ({
  objectID: p.id,
  created_at: new Date(p.createdAtI * 1000).toISOString(),
  created_at_i: p.createdAtI,
  author: p.author ?? "pg",
  title: p.title ?? null,
  url: p.title ? "https://example.com/article" : null,
  story_text: null,
  comment_text: p.comment ?? null,
  points: p.title ? 42 : null,
  num_comments: p.title ? 7 : null,
  story_id: p.title ? null : 1,
  _tags: [p.title ? "story" : "comment", `author_${p.author ?? "pg"}`, `story_${p.id}`],
});

export class HackerNewsStandIn extends StandInApi {
  hits: unknown[] = [];

  protected handle(r: RecordedRequest): StandInReply {
    if (r.path !== "/api/v1/search_by_date")
      return { status: 404, body: { message: "Not Found", status: 404 } };
    const createdAt = (h: unknown) => (h as { created_at_i?: number }).created_at_i ?? 0;
    const filters = (r.query.numericFilters ?? "").split(",").filter((f) => f !== "");
    const passes = (h: unknown) =>
      filters.every((f) => {
        const m = f.match(/^created_at_i(>=|<=|>|<|=)(\d+)$/);
        if (!m) return true;
        const [, op, raw] = m;
        const v = Number(raw);
        const c = createdAt(h);
        return op === ">="
          ? c >= v
          : op === "<="
            ? c <= v
            : op === ">"
              ? c > v
              : op === "<"
                ? c < v
                : c === v;
      });
    const needle = (r.query.query ?? "").toLowerCase();
    const matching = this.hits
      .filter((h) => JSON.stringify(h).toLowerCase().includes(needle))
      .filter(passes)
      .sort((a, b) => createdAt(b) - createdAt(a));
    const perPage = Number(r.query.hitsPerPage ?? 20);
    const page = Number(r.query.page ?? 0);
    return {
      body: {
        hits: matching.slice(page * perPage, (page + 1) * perPage),
        nbHits: matching.length,
        page,
        nbPages: Math.ceil(matching.length / perPage),
        hitsPerPage: perPage,
        exhaustiveNbHits: true,
        query: r.query.query ?? "",
        params: new URLSearchParams(r.query).toString(),
      },
    };
  }
}
