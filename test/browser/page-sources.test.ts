import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PageServer, startPageServer } from "#shared/local/page/server";
import { emptySnapshot, type PageSnapshot } from "#shared/local/page/snapshot";
import { type OpenedPage, openPage } from "#test/support/browser";

/** The sources panel names each feed a running source is skipping, and why. */
describe("local page: a source with a failing feed", () => {
  const identity = { brand: "acme", displayName: "Acme Air", windowMinutes: 5 };
  const snapshot: PageSnapshot = {
    ...emptySnapshot(identity),
    sources: [
      {
        name: "rss",
        lastSuccessAt: new Date().toISOString(),
        stored: 12,
        failingStreams: [
          {
            stream: "https://gone.example/feed.xml",
            error: "gone.example/feed.xml answered 404: not found",
            consecutiveFailures: 3,
          },
        ],
      },
    ],
    sentiment: {
      mode: "confirm",
      agreement: 0.62,
      sampled: 120,
      hours: 24,
      belowBar: true,
      summary:
        "Confirm mode: the local scorer agreed with Comprehend on 62.0% of 120 sampled mentions in the last 24 h (bar 75.0%). Below the bar: at 200 sampled mentions it switches to cascade.",
    },
  };
  let server: PageServer;
  let opened: OpenedPage;

  beforeAll(async () => {
    server = await startPageServer({ ...identity, port: 0, snapshot: async () => snapshot });
    opened = await openPage(server.url);
    await opened.page.locator("#connection[data-status='live']").waitFor();
  });

  afterAll(async () => {
    await opened?.close();
    await server?.close();
  });

  it("keeps the source OK and adds a line for the failing feed", async () => {
    const row = opened.page.locator("tr.source");
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator(".badge").first().textContent()).toBe("OK");
    expect(await row.locator(".stream-error").textContent()).toBe(
      "Skipping https://gone.example/feed.xml (3 failed reads in a row): gone.example/feed.xml answered 404: not found",
    );
    expect(opened.consoleErrors).toEqual([]);
  });

  it("says how well the local scorer agrees with Comprehend, flagged when under the bar", async () => {
    const line = opened.page.locator("#sources .sentiment-status");
    expect(await line.getAttribute("data-below-bar")).toBe("true");
    expect(await line.textContent()).toContain("agreed with Comprehend on 62.0% of 120 sampled mentions");
  });
});
