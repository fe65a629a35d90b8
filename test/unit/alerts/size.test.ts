import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALERT_LIMITS,
  ALERT_MESSAGE_BUDGET_BYTES,
  buildSnsMessage,
  type SnsAlertBodies,
  snsPublishBytes,
} from "#shared/core/alert-text";
import { graphemes } from "#shared/core/gsm";
import { clipText } from "#shared/core/sms";
import {
  alertContext,
  baselineMentions,
  maximalPosts,
  mention,
  notification,
} from "#test/unit/alerts/fixtures";

const FAMILY = "👨‍👩‍👧‍👦";
const bodiesOf = (message: { Message: string }) => JSON.parse(message.Message) as SnsAlertBodies;

describe("clipText: cut between graphemes, bounded in graphemes and code units", () => {
  it("keeps short text as it is", () => {
    expect(clipText("carry-on fee", 40)).toBe("carry-on fee");
  });

  it("never splits an emoji: 300 family emoji become 279 whole ones and an ellipsis", () => {
    const shown = clipText(FAMILY.repeat(300), 280, 100_000);
    const parts = graphemes(shown);
    expect(parts).toHaveLength(280);
    expect(parts.slice(0, -1).every((g) => g === FAMILY)).toBe(true);
    expect(parts.at(-1)).toBe("…");
  });

  it("bounds code units too: one grapheme of 10,000 combining marks is not kept whole", () => {
    const zalgo = `ok ${"e"}${"\u0301".repeat(10_000)} end`;
    const shown = clipText(zalgo, 280, 1_120);
    expect(shown.length).toBeLessThanOrEqual(1_120);
    expect(shown).toBe("ok…");
  });

  it("never exceeds either bound, for any text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "grapheme", maxLength: 600 }),
          fc.string({ unit: "binary", maxLength: 600 }),
        ),
        fc.integer({ min: 2, max: 300 }),
        (text, max) => {
          const shown = clipText(text, max);
          expect(graphemes(shown).length).toBeLessThanOrEqual(max);
          expect(shown.length).toBeLessThanOrEqual(max * 4);
          if (shown !== text) expect(text.startsWith(shown.slice(0, -1).trimEnd())).toBe(true);
        },
      ),
    );
  });
});

describe("alert message size: well under SNS's 256 KiB by construction", () => {
  it("80 maximal posts (the issue's 285,845-byte case, made worse) stay under 128 KiB with all the detail", () => {
    const posts = maximalPosts(80);
    const raw = posts.reduce((n, p) => n + Buffer.byteLength(p.text) + Buffer.byteLength(p.author), 0);
    expect(raw).toBeGreaterThan(2_000_000);
    // A reply checklist not checked by the brand file's schema: 50 steps of 5,000 emoji each.
    const steps = Array.from({ length: 50 }, (_, i) => `${i} ${"👨‍👩‍👧‍👦".repeat(5_000)}`);
    const message = buildSnsMessage(
      alertContext({
        windowMentions: posts,
        baselineMentions: baselineMentions(50),
        replyChecklist: { warning: steps, critical: steps },
      }),
      { sms: true, email: true },
    );
    expect(snsPublishBytes(message)).toBeLessThanOrEqual(ALERT_MESSAGE_BUDGET_BYTES);
    // The caps did it, not the fallback: the email still has its terms and five posts.
    const { email, default: summary } = bodiesOf(message);
    expect(email).toContain("NEW IN THIS WINDOW");
    expect(email.match(/^ {2}\d\. \[reddit\] @/gmu)).toHaveLength(ALERT_LIMITS.posts);
    expect(email).toContain("(link too long to show: see the incident report)");
    // A newline in an author cannot start a forged section.
    expect(email.match(/^WHAT TO DO NOW$/gmu)).toHaveLength(1);
    expect(Buffer.byteLength(summary)).toBeLessThan(1_000);
    expect(snsPublishBytes(message)).toBeLessThan(40_000);
  });

  it("any posts, any brand, any links: under budget, valid JSON with a short default", () => {
    const text = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 3_000 }),
      fc.string({ unit: "binary", maxLength: 3_000 }),
      fc.string({ unit: fc.constantFrom(FAMILY, "漢", '"', "\\", "\n", "\u0301", "x "), maxLength: 5_000 }),
    );
    const post = fc.record({ text, author: text, url: fc.option(text, { nil: undefined }) });
    fc.assert(
      fc.property(
        fc.array(post, { maxLength: 80 }),
        text,
        fc.option(text, { nil: undefined }),
        fc.constantFrom("opened", "escalated", "reminder", "resolved" as const),
        (raw, brand, reportUrl, kind) => {
          const windowMentions = raw.map((p, i) =>
            mention(p.text, {
              id: `p${i}`,
              author: p.author,
              ...(p.url === undefined ? {} : { url: p.url }),
            }),
          );
          const message = buildSnsMessage(
            alertContext({
              brand: { displayName: brand || "B", brand: "b" },
              notification: notification(kind),
              windowMentions,
              baselineMentions: [],
              ...(reportUrl === undefined ? {} : { reportUrl }),
            }),
            { sms: true, email: true },
          );
          expect(snsPublishBytes(message)).toBeLessThanOrEqual(ALERT_MESSAGE_BUDGET_BYTES);
          const bodies = bodiesOf(message);
          expect(Object.keys(bodies).sort()).toEqual(["default", "email", "sms"]);
          expect(Buffer.byteLength(bodies.default)).toBeLessThan(16_000);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("caps a caller's free-form text too: a 2 MB silence command", () => {
    const message = buildSnsMessage(alertContext({ silenceCommand: "x ".repeat(1_000_000) }), {
      sms: true,
      email: true,
    });
    expect(snsPublishBytes(message)).toBeLessThan(20_000);
    expect(bodiesOf(message).email).toMatch(/To stop notices for a while: (x ){100,}/);
  });

  it("over its budget, sheds posts and terms first, then sends the summary as the email", () => {
    const context = alertContext();
    const full = buildSnsMessage(context, { sms: true, email: true });
    const tight = buildSnsMessage(context, { sms: true, email: true }, snsPublishBytes(full) - 1);
    expect(snsPublishBytes(tight)).toBeLessThan(snsPublishBytes(full));
    const shed = bodiesOf(tight).email;
    expect(shed).toContain("WHY THIS ALERT");
    expect(shed.match(/^ {2}\d\. \[\w+\] @/gmu)).toHaveLength(1);

    const tiny = buildSnsMessage(context, { sms: true, email: true }, 1_000);
    expect(bodiesOf(tiny).email).toBe(bodiesOf(tiny).default);
  });
});
