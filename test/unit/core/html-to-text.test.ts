import { describe, expect, it } from "vitest";
import { decodeHtmlEntities, htmlToText } from "#shared/core/text";

describe("htmlToText", () => {
  it.each([
    [
      "an em dash, which once became a top 'new term'",
      "Delayed again &mdash; third time",
      "Delayed again — third time",
    ],
    ["accented letters", "Caf&eacute; cr&egrave;me &Uuml;ber", "Café crème Über"],
    ["decimal and hex numeric entities", "&#128545; &#x27;again&#x27; &#8212;", "😡 'again' —"],
    [
      "entities in attributes do not leak into the text",
      '<a href="/x?a=1&amp;b=2">link</a> &amp; more',
      "link & more",
    ],
    ["a non-breaking space stays one", "a&nbsp;b", "a\u00a0b"],
    ["an unknown entity stays as written", "a &bogus; b", "a &bogus; b"],
    ["a lone '<' that opens no tag", "I <3 acme, 1 < 2", "I <3 acme, 1 < 2"],
    ["scripts and styles are not text", "<style>p{}</style>hi<script>alert(1)</script> there", "hi there"],
    [
      "Mastodon's invisible URL parts join up",
      '<p><a href="https://x.example/a"><span class="invisible">https://</span><span>x.example/a</span></a></p>',
      "https://x.example/a",
    ],
  ])("%s", (_situation, html, text) => {
    expect(htmlToText(html)).toBe(text);
  });

  it("keeps paragraphs and line breaks, and collapses HTML's own whitespace", () => {
    expect(
      htmlToText(
        "<p>Lost   bag\n&amp; no refund</p>\n\n<p>again<br/>really</p><ul><li>one</li><li>two</li></ul>",
      ),
    ).toBe("Lost bag & no refund\n\nagain\nreally\n\none\n\ntwo");
  });

  it("converts 200,000 unclosed '<' (once quadratic: 55 s) to the text they are", () => {
    const html = "<".repeat(200_000);
    expect(htmlToText(html)).toBe(html);
  });

  it("converts 200,000 nested tags (quadratic in a parser that keeps a stack) to their text", () => {
    expect(htmlToText(`${"<b>".repeat(200_000)}acme${"</b>".repeat(10)}`)).toBe("acme");
  });

  it("drops a tag left open at the end, keeping the text before it", () => {
    expect(htmlToText(`acme is down <a href="${"x".repeat(100_000)}`)).toBe("acme is down");
  });
});

describe("decodeHtmlEntities", () => {
  it("decodes named and numeric entities and leaves unknown ones and bare ampersands alone", () => {
    expect(
      decodeHtmlEntities("AT&T &mdash; caf&eacute; &#8217;s &#x1F600; &copyright &bogus; &amp;lt;"),
    ).toBe("AT&T — café ’s 😀 &copyright &bogus; &lt;");
  });
});
