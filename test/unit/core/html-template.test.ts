import { describe, expect, it } from "vitest";
import { html, joinHtml, SafeHtml, trustedHtml } from "#shared/core/html-template";

const hostile = `<script>alert(1)</script>" onmouseover="alert(2)' &amp;`;

describe("html`...`: escaping by construction", () => {
  it("escapes every string hole, in text and in quoted attributes", () => {
    expect(html`<p title="${hostile}">${hostile}</p>`.toString()).toBe(
      `<p title="&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;alert(2)&#39; &amp;amp;">&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;alert(2)&#39; &amp;amp;</p>`,
    );
  });

  it("inserts nested templates as markup, and joins arrays of them", () => {
    const items = ["a<b", "c"].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}</ul>`.toString()).toBe("<ul><li>a&lt;b</li><li>c</li></ul>");
    expect(joinHtml(items, "\n").toString()).toBe("<li>a&lt;b</li>\n<li>c</li>");
  });

  it("renders numbers, and nothing for undefined, null and false", () => {
    expect(html`${3}|${undefined}|${null}|${false}|${0}`.toString()).toBe("3||||0");
  });

  it("keeps a script out of a link: other schemes in href/src become '#'", () => {
    for (const url of ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "vbscript:x"]) {
      expect(html`<a href="${url}">x</a>`.toString()).toBe('<a href="#">x</a>');
      expect(html`<img src='${url}'>`.toString()).toBe("<img src='#'>");
    }
    expect(html`<a href="${"https://a.example/?q=1&r=2"}">x</a>`.toString()).toBe(
      '<a href="https://a.example/?q=1&amp;r=2">x</a>',
    );
    expect(html`<a href="${"incident-1.html"}">x</a>`.toString()).toBe('<a href="incident-1.html">x</a>');
    expect(html`<a class="${"c"}" href="${"javascript:x"}">x</a>`.toString()).toBe(
      '<a class="c" href="#">x</a>',
    );
  });

  it("refuses a hole in an unquoted attribute, where escaping is not enough", () => {
    expect(() => html`<a href=${"x onclick=alert(1)"}>x</a>`).toThrow(/quote the attribute/);
    expect(() => html`<p class="a" title = ${"x"}>x</p>`).toThrow(/quote the attribute/);
    expect(() => html`<p class="${"a"}" title=${"x"}>x</p>`).toThrow(/quote the attribute/);
    // An "=" in text or in a script is no attribute.
    expect(html`<p>1 + 1 = ${2}</p>`.toString()).toBe("<p>1 + 1 = 2</p>");
    expect(html`<script>window.x = ${trustedHtml("{}")};</script>`.toString()).toBe(
      "<script>window.x = {};</script>",
    );
  });

  it("passes our own markup through trustedHtml only, and SafeHtml cannot be forged", () => {
    expect(html`<style>${trustedHtml("a > b { color: red }")}</style>`.toString()).toBe(
      "<style>a > b { color: red }</style>",
    );
    expect(html`<style>${"a > b"}</style>`.toString()).toBe("<style>a &gt; b</style>");
    const Forged = SafeHtml as unknown as new (markup: string, key: symbol) => SafeHtml;
    expect(() => new Forged("<script>", Symbol("SafeHtml"))).toThrow();
  });
});
