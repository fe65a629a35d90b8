import { mkdir, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { BrandConfig } from "#shared/core/brand-config";
import { isNegative } from "#shared/core/mention";
import { reportFileName } from "#shared/report/file-name";
import {
  buildIncidentReport,
  type IncidentReportInput,
  renderIncidentReport,
  reportRange,
} from "#shared/report/incident-report";
import type { DetectionStore } from "#shared/store/detection-store";
import type { MentionStore } from "#shared/store/mentions";

/** Where a rendered report goes: the report bucket in the cloud, a folder locally. */
export interface ReportSink {
  /** Stores the page; returns where it went (s3:// URI or file path). */
  write(fileName: string, html: string): Promise<string>;
}

export const REPORT_KEY_PREFIX = "reports/";

/** The report bucket: `reports/<file>.html`, served as HTML. The client is the caller's (one per module). */
export const s3Sink = (client: S3Client, bucket: string): ReportSink => ({
  write: async (fileName, html) => {
    const key = `${REPORT_KEY_PREFIX}${fileName}`;
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: html,
        ContentType: "text/html; charset=utf-8",
        CacheControl: "no-cache",
      }),
    );
    return `s3://${bucket}/${key}`;
  },
});

/** A folder (the local page serves `.local/reports` by default). */
export const folderSink = (dir: string): ReportSink => ({
  write: async (fileName, html) => {
    const folder = resolve(dir);
    await mkdir(folder, { recursive: true });
    const path = join(folder, fileName);
    // Write then rename: the page may serve this file while a newer version is being written.
    const partial = `${path}.${process.pid}.${Date.now()}.partial`;
    await writeFile(partial, html, "utf8");
    await rename(partial, path);
    return path;
  },
});

/**
 * The incident's own posts, newest first, up to this many: a long viral incident still shows its
 * latest complaints, and the page stays quick. The day before is a sample of its newest posts:
 * enough to tell which terms are new.
 */
export const MAX_INCIDENT_MENTIONS = 20_000;
export const BASELINE_SAMPLE = 5_000;

export interface WriteIncidentReportDeps {
  config: Pick<BrandConfig, "brand" | "displayName" | "match" | "detection">;
  store: Pick<DetectionStore, "incident" | "windowsBetween">;
  mentions: Pick<MentionStore, "mentionsBetween" | "authorsPositiveBefore">;
  incidentId: string;
  sink: ReportSink;
  now?: () => Date;
}

/**
 * Reads the incident, its windows (with context before and after), its own mentions and a sample
 * of the day before (the baseline its themes are measured against): the report's and the incident
 * page's input. Undefined when there is no such incident.
 */
export const readIncidentReportInput = async (
  deps: Omit<WriteIncidentReportDeps, "sink">,
): Promise<IncidentReportInput | undefined> => {
  const incident = await deps.store.incident(deps.incidentId);
  if (!incident) return undefined;
  const range = reportRange(incident, deps.config.detection.windowMinutes);
  // Through the time index, newest first, each read capped and paged: however many posts came
  // before the incident (a busy brand has tens of thousands a day), its own are read first.
  const [windows, incidentMentions, baselineMentions] = await Promise.all([
    deps.store.windowsBetween(range.chartFrom, range.chartTo),
    deps.mentions.mentionsBetween(incident.startedAt, range.incidentEnd, MAX_INCIDENT_MENTIONS, true),
    deps.mentions.mentionsBetween(range.mentionsFrom, incident.startedAt, BASELINE_SAMPLE, true),
  ]);
  const negativesInside = incidentMentions.filter((m) => isNegative(m.sentiment));
  const priorPositiveAuthors = await deps.mentions.authorsPositiveBefore(negativesInside, incident.startedAt);
  return {
    brand: deps.config,
    incident,
    windows,
    incidentMentions,
    incidentMentionsCapped: incidentMentions.length >= MAX_INCIDENT_MENTIONS,
    baselineMentions,
    priorPositiveAuthors,
    ...(incident.noticeLog ? { alerts: incident.noticeLog } : {}),
    generatedAt: (deps.now?.() ?? new Date()).toISOString(),
  };
};

/** Reads the incident as above and writes its report page. */
export const writeIncidentReport = async (
  deps: WriteIncidentReportDeps,
): Promise<{ fileName: string; location: string }> => {
  const input = await readIncidentReportInput(deps);
  if (!input) throw new Error(`no incident ${JSON.stringify(deps.incidentId)} in the table`);
  const html = renderIncidentReport(buildIncidentReport(input));
  const fileName = reportFileName(input.incident.id);
  return { fileName, location: await deps.sink.write(fileName, html) };
};
