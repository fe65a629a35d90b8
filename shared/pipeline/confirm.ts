import type { ConfirmConfig } from "#shared/core/brand-config";
import { type LabelChange, relabelDetectorRecord, relabelledCounts } from "#shared/core/confirm";
import type { ScoredMention, Sentiment } from "#shared/core/mention";
import type { DetectionStore } from "#shared/store/detection-store";
import {
  changeRef,
  RELABEL_MENTIONS_PER_TRANSACTION,
  type RelabelChange,
  type RelabelStore,
} from "#shared/store/relabel-store";

/** Comprehend's opinion on texts (the scoring service's `confirm`): undefined where it gave none. */
export interface ComprehendOpinion {
  confirm(
    texts: readonly { text: string; lang?: string }[],
  ): Promise<{ sentiments: (Sentiment | undefined)[]; counts?: { comprehendUnits: number } }>;
}

export interface ConfirmWindowReport {
  windowStart: string;
  /** Counted mentions sent for an opinion (cache hits included). */
  asked: number;
  /** Mentions whose label changed. */
  relabelled: number;
  /** Change of the window's negative count. */
  negativeDelta: number;
  comprehendUnits: number;
}

/** What the detect use case needs from confirm mode (see createConfirmation). */
export interface WindowConfirmation {
  settings: ConfirmConfig;
  /** Re-scores a window's counted, locally labelled mentions and moves its counts (exactly once). */
  confirmWindow(windowStart: string): Promise<ConfirmWindowReport>;
  /** Comprehend's label for mentions about to be counted in a confirmed window. */
  confirmMentions(mentions: readonly ScoredMention[]): Promise<ScoredMention[]>;
}

const MAX_ATTEMPTS = 20;
const jitter = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, (0.5 + Math.random()) * Math.min(500, 10 * 2 ** attempt)));

/** Labels already from Comprehend (or a human) need no second opinion. */
const needsOpinion = (sentiment: Sentiment) => sentiment.scorer === "local";

export interface ConfirmationDeps {
  settings: ConfirmConfig;
  windowMinutes: number;
  opinion: ComprehendOpinion;
  store: DetectionStore;
  relabels: RelabelStore;
}

/**
 * confirm mode's I/O: Comprehend's opinion on the mentions of windows whose notices could be wrong
 * on local labels, and the relabel transactions that move their counts once.
 */
export const createConfirmation = (deps: ConfirmationDeps): WindowConfirmation => ({
  settings: deps.settings,

  async confirmMentions(mentions) {
    const asking = mentions.filter((m) => needsOpinion(m.sentiment));
    if (asking.length === 0) return [...mentions];
    const { sentiments } = await deps.opinion.confirm(
      asking.map((m) => ({ text: m.text, ...(m.lang !== undefined ? { lang: m.lang } : {}) })),
    );
    const byMention = new Map(asking.map((m, i) => [m, sentiments[i]]));
    return mentions.map((m) => {
      const sentiment = byMention.get(m);
      return sentiment ? { ...m, sentiment } : m;
    });
  },

  async confirmWindow(windowStart) {
    const report: ConfirmWindowReport = {
      windowStart,
      asked: 0,
      relabelled: 0,
      negativeDelta: 0,
      comprehendUnits: 0,
    };
    const opinions = new Map<string, Sentiment>();
    // In transactions of at most ~100 actions; the last one marks the window confirmed. Any refusal
    // (a count landed, another delivery relabelled some) re-reads the mentions' labels as they are now.
    for (let attempt = 0; ; attempt++) {
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(`gave up relabelling window ${windowStart} after ${MAX_ATTEMPTS} conflicts`);
      }
      // The window first, then its mentions: a relabel committed in between bumps the window's
      // version, so a transaction built on this pair is refused rather than moving counts twice.
      const snapshot = await deps.store.read([windowStart]);
      const window = snapshot.windows.get(windowStart);
      if (!window) throw new Error(`window ${windowStart} was not read`);
      const rows = (await deps.relabels.countedMentions(windowStart, deps.windowMinutes)).filter((r) =>
        needsOpinion(r.sentiment),
      );
      const unasked = rows.filter((r) => !opinions.has(changeRef(r)));
      if (unasked.length > 0) {
        const opinion = await deps.opinion.confirm(
          unasked.map((r) => ({ text: r.text, ...(r.lang !== undefined ? { lang: r.lang } : {}) })),
        );
        report.asked += unasked.length;
        report.comprehendUnits += opinion.counts?.comprehendUnits ?? 0;
        unasked.forEach((r, i) => {
          const sentiment = opinion.sentiments[i];
          // No answer (budget, failure): the local label stands; asked once per pass only.
          if (sentiment) opinions.set(changeRef(r), sentiment);
        });
      }
      const changes: RelabelChange[] = rows.flatMap((row) => {
        const sentiment = opinions.get(changeRef(row));
        return sentiment
          ? [{ source: row.source, id: row.id, from: row.countedLabel, to: sentiment.label, sentiment }]
          : [];
      });
      const chunk = changes.slice(0, RELABEL_MENTIONS_PER_TRANSACTION);
      const last = chunk.length === changes.length;
      const labelChanges: LabelChange[] = chunk.map((c) => ({ source: c.source, from: c.from, to: c.to }));
      const counts = relabelledCounts(window.counts, labelChanges);
      if (!counts) {
        await jitter(attempt);
        continue;
      }
      const detector = snapshot.detector && relabelDetectorRecord(snapshot.detector, windowStart, counts);
      const result = await deps.relabels.relabel({
        windowStart,
        windowVersion: window.version,
        counts,
        ...(detector ? { detector: { record: detector, version: snapshot.detectorVersion } } : {}),
        changes: chunk,
        markConfirmed: last,
      });
      if (result.committed) {
        report.relabelled += chunk.filter((c) => c.from !== c.to).length;
        report.negativeDelta += counts.negative - window.counts.negative;
        if (last) return report;
        continue;
      }
      if (result.stale) await jitter(attempt);
    }
  },
});

/** A mention of a part, with the window it counts in (as detect.ts splits a batch). */
export interface WindowedItem {
  windowStart: string;
  item: { mention: ScoredMention; token: string };
}

export interface PartConfirmation {
  /** The part with Comprehend's labels on the mentions of confirmed windows. */
  items: WindowedItem[];
  /** Windows whose counted mentions were re-scored and moved (their snapshot is stale now). */
  windows: ConfirmWindowReport[];
  /** Tokens whose sentiment Comprehend replaced: their marker writes it over the stored one. */
  relabelled: string[];
}

/**
 * Before a part of a stream batch is counted in confirm mode: the windows whose notices could be
 * wrong on local labels (alarming, an incident pending, near the bar) are re-scored and their
 * counts moved, and the part's own mentions in confirmed windows get Comprehend's label before
 * they are counted. undefined when there is nothing (left) to confirm. `asked` keeps the tokens
 * already put to Comprehend in this part, so a text it gave no answer for is not asked again.
 */
export const confirmBeforeCounting = async (
  confirmation: WindowConfirmation,
  windowsToConfirm: readonly string[],
  confirmedWindows: ReadonlySet<string>,
  items: readonly WindowedItem[],
  asked: Set<string>,
): Promise<PartConfirmation | undefined> => {
  const windows = new Set([...windowsToConfirm, ...confirmedWindows]);
  const asking = items.filter(
    ({ windowStart, item }) =>
      windows.has(windowStart) && !asked.has(item.token) && needsOpinion(item.mention.sentiment),
  );
  if (windowsToConfirm.length === 0 && asking.length === 0) return undefined;
  const reports: ConfirmWindowReport[] = [];
  for (const windowStart of windowsToConfirm) reports.push(await confirmation.confirmWindow(windowStart));
  for (const { item } of asking) asked.add(item.token);
  const confirmed = await confirmation.confirmMentions(asking.map(({ item }) => item.mention));
  const byToken = new Map(asking.map(({ item }, i) => [item.token, confirmed[i]]));
  const relabelled: string[] = [];
  const out = items.map((entry) => {
    const mention = byToken.get(entry.item.token);
    if (!mention || mention === entry.item.mention || mention.sentiment.scorer !== "comprehend") return entry;
    relabelled.push(entry.item.token);
    return { windowStart: entry.windowStart, item: { ...entry.item, mention } };
  });
  return { items: out, windows: reports, relabelled };
};
