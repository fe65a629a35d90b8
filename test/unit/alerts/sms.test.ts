import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildSmsText } from "#shared/core/alert-text";
import { fitSms, isGsm7, septetCount, smsLength, truncateToUnits } from "#shared/core/gsm";
import { compactNumber, oneLine, type SmsFacts, smsText } from "#shared/core/sms";
import { alertContext, notification } from "#test/unit/alerts/fixtures";

/** An oracle written apart from shared/core/gsm: GSM 03.38 basic set, and the 2-septet extension. */
const BASIC = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]$/u;
const EXTENSION = /^[\f^{}\\[~\]|€]$/u;
const withinOneSms = (text: string): boolean => {
  let septets = 0;
  for (const char of text) {
    if (BASIC.test(char)) septets += 1;
    else if (EXTENSION.test(char)) septets += 2;
    else return text.length <= 70; // UCS-2: 70 UTF-16 code units
  }
  return septets <= 160;
};

describe("GSM 03.38 lengths", () => {
  it.each([
    ["plain ASCII", "ExampleAir 42 neg", "GSM-7", 17],
    ["extension characters cost two septets", "€[]{}^~|\\", "GSM-7", 18],
    ["GSM accents are one septet", "Ça Ñoño", "GSM-7", 7],
    ["an emoji forces UCS-2, counted in UTF-16 units", "Pizza 🍕", "UCS-2", 8],
    ["an accent outside the alphabet forces UCS-2", "Crêpe", "UCS-2", 5],
    ["the backtick is in neither table", "a`b", "UCS-2", 3],
  ])("%s", (_name, text, encoding, units) => {
    expect(smsLength(text)).toMatchObject({ encoding, units });
    expect(isGsm7(text)).toBe(encoding === "GSM-7");
  });

  it("septetCount is undefined for text that needs UCS-2", () => {
    expect(septetCount("ok")).toBe(2);
    expect(septetCount("ok 👍")).toBeUndefined();
  });

  it("truncation keeps whole graphemes and fits the budget", () => {
    const family = "👨‍👩‍👧‍👦";
    const cut = truncateToUnits(`${family}${family}${family}`, 14, "UCS-2");
    expect(cut).toBe(`${family}…`);
    expect(truncateToUnits("€€€€€", 7, "GSM-7")).toBe("€€..");
  });

  it("a first grapheme that alone is over the budget is cut between code points, not lost", () => {
    const zalgo = `Z${"\u0301".repeat(100)}oom`;
    const cut = truncateToUnits(zalgo, 10, "UCS-2");
    expect(cut).toBe(`Z${"\u0301".repeat(8)}…`);
  });

  it("fitSms falls back to a smaller variant and finally to the fallback", () => {
    const long = "x".repeat(200);
    expect(fitSms([[{ text: long }], [{ text: "short" }]])).toBe("short");
    expect(fitSms([[{ text: long }]], "fallback")).toBe("fallback");
  });
});

const baseFacts: SmsFacts = {
  brand: "ExampleAir",
  kind: "opened",
  severity: "critical",
  observed: 42,
  expected: 6,
  ratio: 7,
  windowMinutes: 5,
  topTerm: "carry-on fee",
  link: "https://r.example.com/i/abc123",
};

describe("alert SMS", () => {
  it("says brand, severity, negatives vs expected, top term and link on one line", () => {
    expect(smsText(baseFacts)).toBe(
      "ExampleAir CRITICAL: 42 neg/5m vs ~6 exp (7x). Top: carry-on fee https://r.example.com/i/abc123",
    );
  });

  it("marks escalations and reminders", () => {
    expect(smsText({ ...baseFacts, kind: "escalated" })).toContain("CRITICAL WORSE:");
    expect(smsText({ ...baseFacts, kind: "reminder", severity: "warning" })).toContain("WARNING ongoing:");
  });

  it("a resolved SMS says it is over and how long it lasted", () => {
    const text = smsText({ ...baseFacts, kind: "resolved", durationMs: 85 * 60_000, peakObserved: 42 });
    expect(text).toBe(
      "ExampleAir: all clear, backlash over after 1h 25m, peak 42 neg/5m. https://r.example.com/i/abc123",
    );
  });

  it("an emoji brand switches to UCS-2 and still fits 70 units with the link", () => {
    const text = smsText({ ...baseFacts, brand: "Pizza Palace 🍕 Downtown Franchise" });
    expect(text.length).toBeLessThanOrEqual(70);
    expect(text).toContain("https://r.example.com/i/abc123");
    expect(text).toContain("CRIT");
    expect(text).toContain("42");
  });

  it("a link too long to fit beside the facts is left out whole, never cut (the old presigned S3 link)", () => {
    const presigned = `https://backlash-example-reportbucket-1abcdefghijk.s3.eu-west-1.amazonaws.com/reports/inc.html?${"X-Amz-Signature=ab12&".repeat(75)}`;
    expect(presigned.length).toBeGreaterThan(1_500);
    expect(smsText({ ...baseFacts, link: presigned })).toBe(
      "ExampleAir CRITICAL: 42 neg/5m vs ~6 exp (7x). Top: carry-on fee",
    );
    expect(smsText({ ...baseFacts, kind: "resolved", durationMs: 85 * 60_000, link: presigned })).toBe(
      "ExampleAir: all clear, backlash over after 1h 25m.",
    );
  });

  it("gives up the term, then detail, before the link; keeps the brand readable for it", () => {
    const link = `https://a/${"x".repeat(125)}`;
    expect(smsText({ ...baseFacts, link })).toBe(`ExampleAir CRIT 42neg 7x ${link}`);
    const longBrand = "ExampleAir International Holdings";
    expect(smsText({ ...baseFacts, brand: longBrand, link })).toBe(`ExampleA.. CRIT 42neg 7x ${link}`);
  });

  it("a term that looks like a link is left out: the report's is the only link an SMS carries", () => {
    const text = smsText({ ...baseFacts, topTerm: "https://evil.example/x" });
    expect(text).toBe("ExampleAir CRITICAL: 42 neg/5m vs ~6 exp (7x). https://r.example.com/i/abc123");
  });

  it("huge numbers stay short, so the brand always has room", () => {
    expect(compactNumber(999e9)).toBe("999G");
    expect(compactNumber(1e15)).toBe(">999G");
    expect(compactNumber(Number.MAX_VALUE)).toBe(">999G");
  });

  it("is built from the alert context: top term from the burst, report link", () => {
    const text = buildSmsText(alertContext());
    expect(text).toMatch(/^ExampleAir CRITICAL: 42 neg\/5m vs ~6 exp \(7x\)\. Top: carry-on fee /);
    expect(text.endsWith("https://r.example.com/i/abc123")).toBe(true);
  });

  it("a resolved SMS from the context counts from the first window to the end of the resolving one", () => {
    const context = alertContext({
      notification: notification("resolved", {
        incident: { state: "resolved", resolvedAt: "2025-03-01T13:20:00.000Z" },
      }),
    });
    expect(buildSmsText(context)).toContain("backlash over after 1h 25m");
  });
});

const tricky = fc.constantFrom(
  ..."€[]{}^~|\\éñÅß😀🍕👨‍👩‍👧‍👦ê`çÇ\n\t\u200dx ".split(""),
  "👨‍👩‍👧‍👦",
  "🇫🇷",
  "e\u0301",
);
const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.string({ unit: tricky, maxLength: 60 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);
const count = fc.oneof(fc.nat({ max: 200 }), fc.nat({ max: 2_000_000_000 }));
const real = fc.oneof(
  fc.double({ min: 0, max: 100, noNaN: true }),
  fc.double({ min: 0, max: 1e9, noNaN: true }),
);
/** The shortest https link is "https://a/"; the alert keeps report links up to ALERT_LIMITS.linkUnits. */
const LONGEST_LINK = 2_048;
const linkOfLength = (units: number): string =>
  units === 0 ? "" : `https://a/${"x".repeat(Math.max(0, units - 10))}`.slice(0, units);
const link = fc.option(
  fc.oneof(
    fc.webUrl({ size: "small" }),
    fc.webUrl({ size: "large", withQueryParameters: true, withFragments: true }),
    fc.integer({ min: 0, max: LONGEST_LINK }).map(linkOfLength),
    fc.integer({ min: 10, max: 160 }).map(linkOfLength),
  ),
  { nil: undefined },
);
const facts: fc.Arbitrary<SmsFacts> = fc.record({
  brand: text,
  kind: fc.constantFrom("opened", "escalated", "reminder", "resolved"),
  severity: fc.constantFrom("warning", "critical"),
  observed: count,
  expected: real,
  ratio: real,
  windowMinutes: fc.integer({ min: 1, max: 60 }),
  topTerm: fc.option(text, { nil: undefined }),
  link,
  durationMs: fc.option(fc.nat({ max: 30 * 86_400_000 }), { nil: undefined }),
  peakObserved: fc.option(count, { nil: undefined }),
});

/** The brand as the SMS shows it: whole, or a non-empty start of it followed by an ellipsis. */
const startsWithBrand = (sms: string, brand: string): boolean => {
  const shown = oneLine(brand) || "Alert";
  if (sms === shown || sms.startsWith(`${shown} `) || sms.startsWith(`${shown}:`)) return true;
  for (let end = 1; end <= shown.length; end++) {
    const kept = sms.slice(0, end);
    if (!shown.startsWith(kept) || kept.trim() === "") continue;
    const rest = sms.slice(end);
    if (/^(?:\.\.|…)[ :]/u.test(rest)) return true;
  }
  return false;
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Every run of text that starts like a link is the given link, whole, and there is at most one. */
const linkTokens = (sms: string): string[] => sms.split(" ").filter((token) => /https?:/i.test(token));

const expectTheFacts = (f: SmsFacts, sms: string): void => {
  expect(withinOneSms(sms)).toBe(true);
  expect(startsWithBrand(sms, f.brand)).toBe(true);
  if (f.kind === "resolved") {
    expect(sms).toContain("all clear");
  } else {
    expect(sms).toMatch(f.severity === "critical" ? / CRIT/ : / WARN/);
    expect(sms).toMatch(new RegExp(` ${escapeRegExp(compactNumber(f.observed))} ?neg`));
    expect(sms).toMatch(new RegExp(`[ (]${escapeRegExp(compactNumber(f.ratio))}x`));
  }
  const tokens = linkTokens(sms);
  expect(tokens.length).toBeLessThanOrEqual(1);
  for (const token of tokens) expect(token).toBe(f.link);
  if (tokens.length === 1) expect(sms.endsWith(` ${f.link}`)).toBe(true);
};

describe("alert SMS with links of every length the stack can produce", () => {
  const cases: [string, SmsFacts, number][] = [
    ["a plain brand (GSM-7)", baseFacts, 100],
    ["a 40-character brand", { ...baseFacts, brand: "ExampleAir International Holdings Group" }, 100],
    ["an emoji brand (UCS-2)", { ...baseFacts, brand: "Pizza 🍕 Palace" }, 25],
    ["a non-GSM term (UCS-2)", { ...baseFacts, topTerm: "crêpe fiasco" }, 25],
    ["extension characters cost two septets", { ...baseFacts, brand: "[Example]€{Air}" }, 90],
    ["a resolved notice", { ...baseFacts, kind: "resolved", durationMs: 3_600_000, peakObserved: 420 }, 100],
    ["a warning that escalated", { ...baseFacts, kind: "escalated", severity: "warning" }, 100],
  ];
  it.each(cases)(
    "%s: the facts always, the link whole up to a length, then not at all",
    (_name, base, atLeast) => {
      let longestCarried = -1;
      let firstLeftOut: number | undefined;
      for (let units = 0; units <= LONGEST_LINK; units++) {
        const f = { ...base, link: linkOfLength(units) };
        const sms = smsText(f);
        expectTheFacts(f, sms);
        if (units === 0) continue;
        if (sms.endsWith(` ${f.link}`)) longestCarried = units;
        else firstLeftOut ??= units;
      }
      // One threshold: every link up to it is carried, none past it (no length in between is lost).
      expect(firstLeftOut).toBe(longestCarried + 1);
      expect(longestCarried).toBeGreaterThanOrEqual(atLeast);
    },
  );
});

describe("alert SMS properties (any brand, term and numbers)", () => {
  it("never exceeds one SMS: 160 GSM-7 septets, or 70 UCS-2 units", () => {
    fc.assert(
      fc.property(facts, (f) => {
        const sms = smsText(f);
        expect(withinOneSms(sms)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("always says brand, severity, count and ratio; a link only whole", () => {
    fc.assert(
      fc.property(facts, (f) => {
        expectTheFacts(f, smsText(f));
      }),
      { numRuns: 3000 },
    );
  });

  it("is one line, and says the severity unless the incident is over", () => {
    fc.assert(
      fc.property(facts, (f) => {
        const sms = smsText(f);
        expect(sms).not.toMatch(/[\n\r\f]/);
        if (f.kind === "resolved") expect(sms).toContain("all clear");
        else expect(sms).toMatch(f.severity === "critical" ? /CRIT/ : /WARN/);
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps a plain brand name and term whole when they fit", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z]{1,8}( [A-Za-z]{1,7})?$/),
        fc.stringMatching(/^#?[a-z]{3,12}$/),
        (brand, term) => {
          const sms = smsText({ ...baseFacts, brand, topTerm: term });
          expect(sms.startsWith(`${brand} CRITICAL`)).toBe(true);
          expect(sms).toContain(`Top: ${term}`);
        },
      ),
    );
  });
});
