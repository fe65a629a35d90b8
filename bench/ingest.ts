import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrandConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { runIngest } from "#shared/pipeline/ingest";
import { scoringServiceFor } from "#shared/sentiment/scoring-service";
import type { MentionSource } from "#shared/sources/source";
import type { TableRef } from "#shared/store/client";
import { CursorStore, SourceHealthStore } from "#shared/store/cursors";
import { MentionStore } from "#shared/store/mentions";
import type { DynamoMeter } from "./dynamo-meter";

/**
 * Ingest throughput: a loopback HTTP "API" serves the stream in pages of 100 (as search APIs do),
 * a minimal adapter fetches and parses them, and the real runIngest matches, scores locally and
 * stores each mention once into DynamoDB Local. Everything a scheduled run does except the
 * network distance to a real API.
 */

export const PAGE_SIZE = 100;

export interface LoopbackApi {
  url: string;
  close(): Promise<void>;
}

export const startLoopbackApi = async (mentions: readonly Mention[]): Promise<LoopbackApi> => {
  const server: Server = createServer((req, res) => {
    const from = Number(new URL(req.url ?? "/", "http://x").searchParams.get("from") ?? "0");
    const page = mentions.slice(from, from + PAGE_SIZE);
    const next = from + page.length < mentions.length ? from + page.length : null;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ mentions: page, next }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mentions`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** Reads the loopback API: the cursor is the next offset. Labelled "csv" (the data's origin). */
export const loopbackSource = (url: string): MentionSource => ({
  name: "csv",
  fetchPage: async (cursor) => {
    const from = typeof cursor?.from === "number" ? cursor.from : 0;
    const response = await fetch(`${url}?from=${from}`);
    if (!response.ok) throw new Error(`loopback API answered ${response.status}`);
    const body = (await response.json()) as { mentions: Mention[]; next: number | null };
    return {
      mentions: body.mentions,
      cursor: { from: body.next ?? from + body.mentions.length },
      hasMore: body.next !== null,
      skipped: 0,
    };
  },
});

export interface IngestBenchResult {
  fetched: number;
  stored: number;
  seconds: number;
  mentionsPerSecond: number;
  dynamoRequests: number;
  requestsPerMention: number;
  writeUnitsPerMention: number;
}

export const benchmarkIngest = async (
  mentions: readonly Mention[],
  config: BrandConfig,
  table: TableRef,
  meter: DynamoMeter,
): Promise<IngestBenchResult> => {
  const api = await startLoopbackApi(mentions);
  try {
    const ports = {
      mentions: new MentionStore(table, config.brand, config.retentionDays),
      cursors: new CursorStore(table),
      health: new SourceHealthStore(table),
      notifyOps: async (subject: string) => {
        throw new Error(`ops notice during the ingest benchmark: ${subject}`);
      },
    };
    meter.reset();
    const started = performance.now();
    const report = await runIngest({
      config,
      source: loopbackSource(api.url),
      scorer: scoringServiceFor(config, {}),
      ports,
      maxPages: Math.ceil(mentions.length / PAGE_SIZE) + 1,
    });
    const seconds = (performance.now() - started) / 1000;
    const reading = meter.reading();
    return {
      fetched: report.fetched,
      stored: report.stored,
      seconds,
      mentionsPerSecond: report.stored / seconds,
      dynamoRequests: reading.requests,
      requestsPerMention: reading.requests / Math.max(1, report.stored),
      writeUnitsPerMention: reading.writeUnits / Math.max(1, report.stored),
    };
  } finally {
    await api.close();
  }
};
