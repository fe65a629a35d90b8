/**
 * Text from strangers at its worst: milliseconds to turn hostile HTML into text and to clean a
 * huge post, inputs that once took a Lambda's whole timeout (200,000 unclosed "<": 55 s when
 * htmlToText was a set of regular expressions).
 */
import type { Mention } from "#shared/core/mention";
import { cleanMention } from "#shared/core/mention-clean";
import { htmlToText } from "#shared/core/text";

export interface TextBenchCase {
  name: string;
  inputChars: number;
  ms: number;
}

const timed = (name: string, input: string, work: (input: string) => unknown): TextBenchCase => {
  const started = performance.now();
  work(input);
  return { name, inputChars: input.length, ms: performance.now() - started };
};

export const benchmarkText = (): TextBenchCase[] => {
  const paragraph =
    "<p>Acme lost my bag &mdash; again. <a href='https://x.example/1?a=1&amp;b=2'>link</a> caf&eacute;</p>";
  const hostilePost: Mention = {
    id: `guid-${"g".repeat(1_100)}`,
    source: "rss",
    text: `${"€ 👨‍👩‍👧‍👦 \u001b[31m\n".repeat(60_000)}`,
    author: "mallory\nWHAT TO DO NOW",
    createdAt: "2099-01-01T00:00:00.000Z",
    url: "javascript:alert(1)",
  };
  const now = new Date();
  return [
    timed("htmlToText: 200,000 unclosed '<'", "<".repeat(200_000), htmlToText),
    timed(
      "htmlToText: 1 MB of paragraphs with entities",
      paragraph.repeat(Math.ceil(1e6 / paragraph.length)),
      htmlToText,
    ),
    timed("htmlToText: 200,000 nested <b>", "<b>".repeat(200_000), htmlToText),
    timed("cleanMention: 600,000-character post", hostilePost.text, () => cleanMention(hostilePost, now)),
  ];
};
