import { randomBytes } from "node:crypto";
import type { BrandConfig } from "#shared/core/brand-config";
import { incidentIdFromShort, verifyCapability } from "#shared/core/capability";
import type { IncidentActionKind } from "#shared/core/detection-types";
import { isIncidentActionKind } from "#shared/core/incident-actions";
import { actOnIncident, IncidentNotFoundError } from "#shared/pipeline/incident-actions";
import { renderIncidentPage, renderRefusal } from "#shared/report/incident-page";
import { buildIncidentReport } from "#shared/report/incident-report";
import { readIncidentReportInput } from "#shared/report/write";
import type { DetectionStore } from "#shared/store/detection-store";
import type { ExcludeTermStore } from "#shared/store/exclude-terms";
import type { MentionStore } from "#shared/store/mentions";

/**
 * The incident page's routes, the same in Lambda (Function URL) and in `npm start`:
 *   GET  /i/<short id>?t=<token>        the page
 *   POST /i/<short id>/actions          an action (form fields t, action, request, term)
 * Anything else under /i/ is refused; a GET never changes anything.
 */

export interface PageRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The request body as text (form-encoded for actions). */
  body?: string;
}

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IncidentPageDeps {
  config: Pick<BrandConfig, "brand" | "displayName" | "match" | "detection" | "alerts">;
  store: Pick<DetectionStore, "read" | "commit" | "incident" | "windowsBetween">;
  mentions: Pick<MentionStore, "mentionsBetween" | "authorsPositiveBefore">;
  excludeTerms: Pick<ExcludeTermStore, "add">;
  /** The HMAC key (Secrets Manager in the cloud, a per-run key locally). */
  capabilityKey: () => Promise<string>;
  /** Publishes queued notices (the acknowledgement) right after an action; else detect's next batch does. */
  deliver?: () => Promise<unknown>;
  now?: () => Date;
}

export const INCIDENT_PAGE_PATH = /^\/i\/([^/]+)(\/actions)?\/?$/;
/** A form is a few hundred bytes; anything much larger is not ours. */
export const MAX_ACTION_BODY_BYTES = 4_096;

/** No scripts at all; forms post only back here; not framed, not indexed, no referrer (the link is a key). */
const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex, nofollow",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

const page = (status: number, body: string, headers: Record<string, string> = {}): PageResponse => ({
  status,
  headers: { ...PAGE_HEADERS, ...headers },
  body,
});

const refusal = (status: number, title: string, detail: string, headers: Record<string, string> = {}) =>
  page(status, renderRefusal(title, detail), headers);

/** What the page says after an action (by code: the query string is not a place for free text). */
const DONE_TEXT: Record<IncidentActionKind | "unchanged", string> = {
  acknowledge: "Acknowledged: reminders stop. Escalation and the end are still announced.",
  "silence-1h": "Silenced for 1 hour: no notices until then; detection goes on.",
  "silence-4h": "Silenced for 4 hours: no notices until then; detection goes on.",
  "silence-until-resolved": "Silenced until the incident resolves; detection goes on.",
  resolve: "Resolved: the next alarming window opens a new incident.",
  "exclude-term": "Term excluded: ingest leaves out posts with it from its next run.",
  unchanged: "Nothing changed: that was done already.",
};

export const handleIncidentPageRequest = async (
  request: PageRequest,
  deps: IncidentPageDeps,
): Promise<PageResponse | undefined> => {
  const route = INCIDENT_PAGE_PATH.exec(request.path);
  if (!route) return undefined;
  const shortId = route[1] ?? "";
  const isAction = route[2] !== undefined;
  const method = request.method.toUpperCase();
  if (isAction && method !== "POST") {
    return refusal(
      405,
      "Use the page's buttons",
      "Actions are taken by the buttons on the incident page (POST); opening this address changes nothing.",
      { allow: "POST" },
    );
  }
  if (!isAction && method !== "GET" && method !== "HEAD") {
    return refusal(405, "Not here", "Actions are posted to the page's /actions address.", { allow: "GET" });
  }
  const form = isAction ? new URLSearchParams(request.body ?? "") : undefined;
  if (isAction && Buffer.byteLength(request.body ?? "") > MAX_ACTION_BODY_BYTES) {
    return refusal(413, "Too large", "That is not a form from the incident page.");
  }
  const token = (isAction ? form?.get("t") : request.query.get("t")) ?? "";
  const incidentId = incidentIdFromShort(shortId);
  const now = deps.now?.() ?? new Date();
  const check = verifyCapability(await deps.capabilityKey(), shortId, token, now);
  if (!incidentId || !check.ok) {
    const expired = !check.ok && check.reason === "expired";
    return refusal(
      expired ? 410 : 403,
      expired ? "This link has expired" : "This link does not open anything",
      expired
        ? "Links in alerts are valid for 7 days. The latest alert about an open incident has a fresh one."
        : "The link is incomplete, altered, or was revoked by rotating the page key. Use the link in the latest alert.",
    );
  }
  const recipient = check.capability.recipient;
  const base = `/i/${shortId}?t=${encodeURIComponent(token)}`;

  if (isAction) {
    const kind = form?.get("action");
    const requestId = form?.get("request") ?? "";
    if (!isIncidentActionKind(kind) || requestId.length === 0 || requestId.length > 200) {
      return refusal(400, "Not an action", "That is not a form from the incident page.");
    }
    const term = form?.get("term") ?? undefined;
    try {
      const outcome = await actOnIncident(
        {
          store: deps.store,
          excludeTerms: deps.excludeTerms,
          brand: { displayName: deps.config.displayName, brand: deps.config.brand },
          ...(deps.deliver ? { deliver: deps.deliver } : {}),
        },
        incidentId,
        { kind, by: recipient, requestId, ...(term === undefined ? {} : { term }) },
        now,
      );
      // Post/redirect/get: reloading the page does not post the form again.
      return page(303, "", { location: `${base}&done=${outcome.applied ? kind : "unchanged"}` });
    } catch (error) {
      if (error instanceof IncidentNotFoundError) return refusal(404, "No such incident", error.message);
      throw error;
    }
  }

  const input = await readIncidentReportInput({ ...deps, incidentId, now: () => now });
  if (!input)
    return refusal(404, "No such incident", `There is no incident ${incidentId} (yet, or any more).`);
  const done = request.query.get("done");
  const notice = done !== null && done in DONE_TEXT ? DONE_TEXT[done as keyof typeof DONE_TEXT] : undefined;
  return page(
    200,
    renderIncidentPage({
      model: buildIncidentReport(input),
      shortId,
      token,
      recipient,
      requestId: randomBytes(9).toString("base64url"),
      replyChecklist: deps.config.alerts.replyChecklist,
      ...(notice ? { notice } : {}),
      now,
    }),
  );
};
