// The local page's script: plain browser JavaScript, inlined into the page by html.ts (no build step).
// Data arrives as PageSnapshot JSON (shared/local/page/snapshot.ts) from /events, or from
// /api/snapshot while the event stream is down. Everything from the data is set as text, never as HTML.
(() => {
  const identity = window.PAGE_IDENTITY;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const POLL_MS = 5000;
  const CHART_HEIGHT = 300;

  let latest;
  /** Email bodies the reader has expanded stay expanded across live updates. */
  const openEmails = new Set();

  const byId = (id) => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`missing #${id}`);
    return found;
  };

  /** Builds an element; attributes with value undefined/false are skipped; strings become text nodes. */
  const build = (namespace, tag, attributes, children) => {
    const node = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (value === undefined || value === false || value === null) continue;
      node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children ?? []) {
      if (child === undefined || child === null || child === false) continue;
      node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
    }
    return node;
  };
  const h = (tag, attributes, ...children) => build(undefined, tag, attributes, children);
  const s = (tag, attributes, ...children) => build(SVG_NS, tag, attributes, children);

  const safeHttpUrl = (url) => {
    if (typeof url !== "string") return undefined;
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : undefined;
    } catch {
      return undefined;
    }
  };

  // ---- times, in the viewer's local time zone ----

  const sameDay = (a, b) =>
    a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

  const clock = (date) => date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });

  const formatTime = (iso) => {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    if (sameDay(date, new Date())) return clock(date);
    return `${date.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" })} ${clock(date)}`;
  };

  /** Chart labels stay short: the clock, with the weekday only where the day changes. */
  const axisTime = (date, previousLabelDate) => {
    const newDay = previousLabelDate ? !sameDay(date, previousLabelDate) : !sameDay(date, new Date());
    return newDay
      ? `${date.toLocaleDateString(undefined, { weekday: "short" })} ${clock(date)}`
      : clock(date);
  };

  const fullTime = (iso) => new Date(iso).toLocaleString();

  const duration = (fromIso, toIso) => {
    const minutes = Math.max(
      0,
      Math.round((new Date(toIso).getTime() - new Date(fromIso).getTime()) / 60000),
    );
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  };

  const ago = (iso) => {
    const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    if (seconds < 60) return "just now";
    if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
    return `${formatTime(iso)}`;
  };

  const timeElement = (iso, text) =>
    h("time", { datetime: iso, title: fullTime(iso) }, text ?? formatTime(iso));

  const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;
  const round = (value) => (value >= 10 ? Math.round(value) : Math.round(value * 10) / 10);

  // ---- words for people on call ----

  const STATES = {
    pending: { label: "Watching", tone: "amber", explain: "Above normal, not alerted yet" },
    firing: { label: "Firing", tone: "red", explain: "On-call has been alerted" },
    escalating: { label: "Escalating", tone: "orange", explain: "Getting worse: alerted again" },
    resolved: { label: "Resolved", tone: "grey", explain: "Back to normal" },
  };
  const KINDS = {
    opened: { label: "Opened", tone: "red" },
    escalated: { label: "Escalated", tone: "orange" },
    reminder: { label: "Reminder", tone: "amber" },
    resolved: { label: "Resolved", tone: "green" },
  };
  const badge = (text, tone, title) => h("span", { class: "badge", "data-tone": tone, title }, text);
  const severityBadge = (severity) =>
    badge(severity, severity === "critical" ? "outline-red" : "outline-amber", `Severity: ${severity}`);
  const isActive = (incident) => incident.state === "firing" || incident.state === "escalating";

  // ---- summary ----

  const renderSummary = (snapshot) => {
    const target = byId("summary");
    const active = snapshot.incidents.filter(isActive);
    const pending = snapshot.incidents.filter((incident) => incident.state === "pending");
    const last = snapshot.windows.at(-1);
    let level = "quiet";
    let headline = "All quiet";
    let detail = "Negative mentions are within the expected range.";
    if (snapshot.windows.length === 0) {
      level = "waiting";
      headline = "Waiting for the first window…";
      detail = `Mentions are counted in ${snapshot.windowMinutes}-minute windows; the chart fills in as they close.`;
    } else if (active.length > 0) {
      const worst = active.find((incident) => incident.severity === "critical") ?? active[0];
      level = "alert";
      headline = `Backlash alert: ${plural(active.length, "incident")} open (${worst.severity})`;
      detail =
        `Since ${formatTime(worst.startedAt)}: up to ${worst.peakObserved} negative mentions in a ` +
        `${snapshot.windowMinutes}-minute window, where about ${round(worst.peakExpected)} would be normal.`;
    } else if (pending.length > 0) {
      level = "watch";
      headline = "Watching: negative mentions are above normal";
      detail = "No alert has been sent yet; one goes out if it lasts.";
    } else {
      const lastResolved = snapshot.incidents
        .filter((incident) => incident.state === "resolved" && incident.resolvedAt)
        .sort((a, b) => b.resolvedAt.localeCompare(a.resolvedAt))[0];
      if (lastResolved)
        detail += ` The last incident was resolved at ${formatTime(lastResolved.resolvedAt)}.`;
    }
    if (last && level !== "waiting") {
      detail += ` Latest window (${formatTime(last.windowStart)}): ${plural(last.total, "mention")}, ${last.negative} negative.`;
    }
    target.dataset.level = level;
    target.replaceChildren(h("strong", {}, headline), h("p", {}, detail));
  };

  // ---- chart ----

  const niceStep = (max, ticks) => {
    const raw = Math.max(max, 1) / ticks;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= raw) ?? raw;
    return Math.max(1, step);
  };

  const pathThrough = (points) =>
    points.map(([x, y], index) => `${index === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`).join(" ");

  /** Consecutive runs of windows that have a baseline, so the band has gaps where there was none. */
  const bandRuns = (windows) => {
    const runs = [];
    let run = [];
    for (const window of windows) {
      if (typeof window.expected === "number" && typeof window.upper === "number") run.push(window);
      else if (run.length > 0) {
        runs.push(run);
        run = [];
      }
    }
    if (run.length > 0) runs.push(run);
    return runs;
  };

  const renderChart = (snapshot) => {
    const target = byId("chart");
    const windows = snapshot.windows;
    if (windows.length === 0) {
      target.replaceChildren(h("p", { class: "empty" }, "Waiting for the first window…"));
      return;
    }
    const width = Math.max(320, target.clientWidth || 800);
    const margin = { top: 22, right: 18, bottom: 30, left: 46 };
    const plotWidth = width - margin.left - margin.right;
    const plotHeight = CHART_HEIGHT - margin.top - margin.bottom;
    const windowMs = snapshot.windowMinutes * 60000;

    const times = windows.map((window) => new Date(window.windowStart).getTime());
    const first = times[0];
    const lastTime = times[times.length - 1];
    const span = lastTime - first || windowMs;
    const x = (time) =>
      margin.left + (windows.length === 1 ? plotWidth / 2 : ((time - first) / span) * plotWidth);
    const highest = Math.max(
      ...windows.map((window) => Math.max(window.total, window.negative, window.upper ?? 0)),
    );
    const step = niceStep(highest, 4);
    const top = Math.max(step, Math.ceil(highest / step) * step);
    const y = (value) => margin.top + plotHeight - (value / top) * plotHeight;
    const columnWidth = Math.max(3, windows.length > 1 ? (plotWidth / (windows.length - 1)) * 0.8 : 24);

    const grid = [];
    for (let value = 0; value <= top; value += step) {
      grid.push(
        s("line", { class: "grid", x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value) }),
        s("text", { class: "axis-label", x: margin.left - 8, y: y(value) + 4, "text-anchor": "end" }, value),
      );
    }
    const labelEvery = Math.max(1, Math.ceil(windows.length / Math.max(2, Math.floor(plotWidth / 110))));
    let previousLabelDate;
    windows.forEach((window, index) => {
      if (index % labelEvery !== 0) return;
      const date = new Date(window.windowStart);
      grid.push(
        s(
          "text",
          { class: "axis-label", x: x(times[index]), y: CHART_HEIGHT - 8, "text-anchor": "middle" },
          axisTime(date, previousLabelDate),
        ),
      );
      previousLabelDate = date;
    });

    const alarmColumns = windows
      .map((window, index) =>
        window.alarming
          ? s("rect", {
              class: "alarm-column",
              "data-window": window.windowStart,
              x: x(times[index]) - columnWidth / 2,
              y: margin.top,
              width: columnWidth,
              height: plotHeight,
            })
          : undefined,
      )
      .filter(Boolean);

    const bands = bandRuns(windows).flatMap((run) => {
      const upper = run.map((window) => [x(new Date(window.windowStart).getTime()), y(window.upper)]);
      const expected = run.map((window) => [x(new Date(window.windowStart).getTime()), y(window.expected)]);
      if (run.length === 1) {
        const [[cx, uy]] = upper;
        const [[, ey]] = expected;
        upper.splice(0, 1, [cx - 6, uy], [cx + 6, uy]);
        expected.splice(0, 1, [cx - 6, ey], [cx + 6, ey]);
      }
      const outline = `${pathThrough(upper)} ${pathThrough([...expected].reverse()).replace(/^M/, "L")} Z`;
      return [
        s("path", { class: "band", d: outline }),
        s("path", { class: "expected-line", d: pathThrough(expected) }),
      ];
    });

    const totalPath = pathThrough(windows.map((window, index) => [x(times[index]), y(window.total)]));
    const negativePath = pathThrough(windows.map((window, index) => [x(times[index]), y(window.negative)]));
    // Many windows: small points, so the line stays readable and alarming points still stand out.
    const dense = plotWidth / windows.length < 8;
    const radius = dense ? 1.6 : 3.5;

    const totalPoints = windows.map((window, index) =>
      s("circle", {
        class: "total-point",
        cx: x(times[index]),
        cy: y(window.total),
        r: dense ? 0 : radius - 1,
      }),
    );
    const points = windows.map((window, index) => {
      const baseline =
        typeof window.expected === "number"
          ? ` · about ${round(window.expected)} expected${typeof window.upper === "number" ? `, alarm above ${round(window.upper)}` : ""}`
          : " · no baseline yet";
      return s(
        "circle",
        {
          class: window.alarming ? "point alarming" : dense ? "point dense" : "point",
          "data-window": window.windowStart,
          "data-negative": window.negative,
          "data-total": window.total,
          "data-alarming": window.alarming ? "true" : "false",
          cx: x(times[index]),
          cy: y(window.negative),
          r: window.alarming ? (dense ? 3 : 5) : radius,
        },
        s(
          "title",
          {},
          `${formatTime(window.windowStart)}: ${window.negative} negative of ${plural(window.total, "mention")}${baseline}${window.alarming ? " · ALARMING" : ""}`,
        ),
      );
    });

    const lastEnd = lastTime + windowMs;
    let labelsEndAt = Number.NEGATIVE_INFINITY;
    const markers = snapshot.incidents
      .map((incident) => ({ incident, time: new Date(incident.startedAt).getTime() }))
      .filter(({ time }) => time >= first && time <= lastEnd)
      .sort((a, b) => a.time - b.time)
      .flatMap(({ incident, time }) => {
        const markerX = Math.min(x(Math.min(time, lastTime)), width - margin.right);
        const text = `Incident opened ${axisTime(new Date(incident.startedAt))}`;
        const textWidth = text.length * 7.2;
        const nearRightEdge = markerX + 5 + textWidth > width - 4;
        const textStart = nearRightEdge ? markerX - 5 - textWidth : markerX + 5;
        const line = s(
          "line",
          {
            class: "incident-marker",
            "data-incident": incident.id,
            x1: markerX,
            x2: markerX,
            y1: margin.top - 6,
            y2: margin.top + plotHeight,
          },
          s("title", {}, text),
        );
        // Close incidents would print over each other: the later one keeps its line and tooltip only.
        if (textStart < labelsEndAt + 8) return [line];
        labelsEndAt = textStart + textWidth;
        const label = s(
          "text",
          {
            class: "incident-label",
            x: nearRightEdge ? markerX - 5 : markerX + 5,
            y: margin.top - 8,
            "text-anchor": nearRightEdge ? "end" : "start",
          },
          text,
        );
        return [line, label];
      });

    const chart = s(
      "svg",
      {
        viewBox: `0 0 ${width} ${CHART_HEIGHT}`,
        role: "img",
        "aria-label": `Mentions per ${snapshot.windowMinutes}-minute window: all mentions and negative mentions with the expected range`,
        "data-windows": windows.length,
      },
      ...grid,
      ...alarmColumns,
      ...bands,
      s("path", { class: "series-total", d: totalPath }),
      s("path", { class: "series-negative", d: negativePath }),
      ...markers,
      ...totalPoints,
      ...points,
    );
    target.replaceChildren(chart);
  };

  // ---- incidents ----

  const renderIncidents = (snapshot) => {
    const target = byId("incidents");
    if (snapshot.incidents.length === 0) {
      target.replaceChildren(h("p", { class: "empty" }, "No incidents so far."));
      return;
    }
    const order = { escalating: 0, firing: 1, pending: 2, resolved: 3 };
    const incidents = [...snapshot.incidents].sort(
      (a, b) => (order[a.state] ?? 9) - (order[b.state] ?? 9) || b.startedAt.localeCompare(a.startedAt),
    );
    target.replaceChildren(
      ...incidents.map((incident) => {
        const state = STATES[incident.state] ?? { label: incident.state, tone: "grey", explain: "" };
        const when =
          incident.state === "resolved" && incident.resolvedAt
            ? `${formatTime(incident.startedAt)} – ${formatTime(incident.resolvedAt)} (${duration(incident.startedAt, incident.resolvedAt)})`
            : `since ${formatTime(incident.startedAt)} (${duration(incident.startedAt, snapshot.generatedAt)})`;
        const ratio =
          incident.peakExpected > 0
            ? ` (${round(incident.peakObserved / incident.peakExpected)}× normal)`
            : "";
        const reportUrl = safeHttpUrl(incident.reportUrl);
        // Only this server's own incident pages (a relative /i/ link).
        const pageUrl =
          typeof incident.pageUrl === "string" && incident.pageUrl.startsWith("/i/")
            ? incident.pageUrl
            : undefined;
        return h(
          "article",
          { class: "incident", "data-state": incident.state, "data-incident": incident.id },
          h(
            "div",
            { class: "row" },
            badge(state.label, state.tone, state.explain),
            severityBadge(incident.severity),
            h("span", { class: "meta" }, when),
          ),
          h(
            "p",
            {},
            `${state.explain}. Peak: ${plural(incident.peakObserved, "negative mention")} in ${snapshot.windowMinutes} minutes, ` +
              `about ${round(incident.peakExpected)} expected${ratio}.`,
          ),
          pageUrl || reportUrl
            ? h(
                "p",
                {},
                pageUrl
                  ? h(
                      "a",
                      { class: "page-link", href: pageUrl },
                      "Open the incident page (acknowledge, silence, resolve)",
                    )
                  : undefined,
                pageUrl && reportUrl ? " · " : undefined,
                reportUrl
                  ? h(
                      "a",
                      { class: "report-link", href: reportUrl, target: "_blank", rel: "noopener" },
                      "Open the incident report",
                    )
                  : undefined,
              )
            : undefined,
        );
      }),
    );
  };

  // ---- alert log ----

  const alertKey = (alert) => `${alert.at}|${alert.kind}|${alert.incidentId}`;

  const renderAlerts = (snapshot) => {
    const target = byId("alerts");
    if (snapshot.alerts.length === 0) {
      target.replaceChildren(h("p", { class: "empty" }, "No alerts sent yet."));
      return;
    }
    target.replaceChildren(
      ...snapshot.alerts.map((alert) => {
        const kind = KINDS[alert.kind] ?? { label: alert.kind, tone: "grey" };
        const key = alertKey(alert);
        const email = h(
          "details",
          { class: "email", open: openEmails.has(key) },
          h(
            "summary",
            {},
            h("span", { class: "field-label" }, "Email"),
            h("span", { class: "email-subject" }, alert.emailSubject),
          ),
          h("pre", { class: "email-body" }, alert.email),
        );
        email.addEventListener("toggle", () => {
          if (email.open) openEmails.add(key);
          else openEmails.delete(key);
        });
        return h(
          "article",
          { class: "alert-entry", "data-kind": alert.kind, "data-incident": alert.incidentId },
          h(
            "div",
            { class: "row" },
            badge(kind.label, kind.tone),
            severityBadge(alert.severity),
            h("span", { class: "meta" }, timeElement(alert.at)),
            h(
              "span",
              { class: "meta sms-status", "data-sent": alert.smsSent ? "true" : "false" },
              alert.smsSent ? "SMS sent" : "SMS not sent",
            ),
          ),
          h("span", { class: "field-label" }, "SMS"),
          h("pre", { class: "sms" }, alert.sms),
          email,
        );
      }),
    );
  };

  // ---- mentions and sources ----

  const renderMentions = (snapshot) => {
    const target = byId("mentions");
    if (snapshot.mentions.length === 0) {
      target.replaceChildren(h("p", { class: "empty" }, "No mentions yet."));
      return;
    }
    target.replaceChildren(
      h(
        "div",
        { class: "mentions-list" },
        ...snapshot.mentions.map((mention) => {
          const url = safeHttpUrl(mention.url);
          return h(
            "article",
            { class: "mention", "data-sentiment": mention.sentiment },
            h(
              "div",
              { class: "row meta" },
              h("span", { class: "author" }, mention.author),
              h("span", {}, mention.source),
              timeElement(mention.createdAt),
              h("span", { class: "sentiment", "data-sentiment": mention.sentiment }, mention.sentiment),
              url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "open ↗") : undefined,
            ),
            h("p", { class: "mention-text" }, mention.text),
          );
        }),
      ),
    );
  };

  // How mentions are scored; in confirm mode, how well the local scorer agrees with Comprehend.
  const sentimentLine = (snapshot) =>
    snapshot.sentiment
      ? [
          h(
            "p",
            {
              class: snapshot.sentiment.belowBar ? "sentiment-status source-error" : "sentiment-status",
              "data-below-bar": snapshot.sentiment.belowBar ? "true" : "false",
            },
            snapshot.sentiment.summary,
          ),
        ]
      : [];

  const renderSources = (snapshot) => {
    const target = byId("sources");
    if (snapshot.sources.length === 0) {
      target.replaceChildren(
        h("p", { class: "empty" }, "No source has reported yet."),
        ...sentimentLine(snapshot),
      );
      return;
    }
    target.replaceChildren(
      h(
        "table",
        { class: "sources" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "Source"),
            h("th", {}, "Status"),
            h("th", {}, "Last fetch"),
            h("th", {}, "Stored"),
          ),
        ),
        h(
          "tbody",
          {},
          ...snapshot.sources.map((source) =>
            h(
              "tr",
              { class: "source", "data-healthy": source.lastError ? "false" : "true" },
              h("td", {}, source.name),
              h(
                "td",
                {},
                source.lastError
                  ? h("span", { class: "source-error" }, `Error: ${source.lastError}`)
                  : badge(source.lastSuccessAt ? "OK" : "Starting", source.lastSuccessAt ? "green" : "grey"),
                ...(source.failingStreams ?? []).map((f) =>
                  h(
                    "div",
                    { class: "source-error stream-error", "data-stream": f.stream },
                    `Skipping ${f.stream} (${f.consecutiveFailures} failed ${f.consecutiveFailures === 1 ? "read" : "reads"} in a row): ${f.error}`,
                  ),
                ),
              ),
              h(
                "td",
                {},
                source.lastSuccessAt ? timeElement(source.lastSuccessAt, ago(source.lastSuccessAt)) : "–",
              ),
              h("td", { class: "number" }, source.stored ?? "–"),
            ),
          ),
        ),
      ),
      ...sentimentLine(snapshot),
    );
  };

  const renderSections = (snapshot) => {
    renderSummary(snapshot);
    renderChart(snapshot);
    renderIncidents(snapshot);
    renderAlerts(snapshot);
    renderMentions(snapshot);
    renderSources(snapshot);
  };

  const render = () => {
    if (!latest) return;
    renderSections(latest);
    const footer = byId("footer");
    footer.dataset.generatedAt = latest.generatedAt;
    footer.textContent = `Brand “${latest.brand}” · updated ${new Date(latest.generatedAt).toLocaleTimeString()} · times in your local time zone`;
  };

  const apply = (snapshot) => {
    latest = snapshot;
    if (snapshot.displayName) {
      byId("brand-name").textContent = snapshot.displayName;
      document.title = `${snapshot.displayName} · backlash detector (local)`;
    }
    render();
  };

  // ---- connection: server-sent events, polling while they are down ----

  const STATUS_TEXT = {
    connecting: "Connecting…",
    live: "Live",
    polling: "Reconnecting · refreshing every 5 s",
    offline: "Offline · is npm start still running?",
  };
  const setStatus = (status) => {
    const connection = byId("connection");
    connection.dataset.status = status;
    byId("connection-text").textContent = STATUS_TEXT[status] ?? status;
  };

  let pollTimer;
  const poll = async () => {
    try {
      const response = await fetch("/api/snapshot", { cache: "no-store" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      apply(await response.json());
      setStatus("polling");
    } catch {
      setStatus("offline");
    }
  };
  const startPolling = () => {
    if (pollTimer !== undefined) return;
    pollTimer = setInterval(poll, POLL_MS);
    void poll();
  };
  const stopPolling = () => {
    clearInterval(pollTimer);
    pollTimer = undefined;
  };

  const connect = () => {
    const events = new EventSource("/events");
    events.addEventListener("open", () => {
      stopPolling();
      setStatus("live");
    });
    events.addEventListener("update", (event) => {
      apply(JSON.parse(event.data));
      setStatus("live");
    });
    events.addEventListener("snapshot-error", (event) => {
      const { message } = JSON.parse(event.data);
      byId("footer").textContent = `Could not read the latest data: ${message}`;
    });
    events.addEventListener("error", () => {
      startPolling();
      // A closed stream (e.g. the server answered with an error) is not retried by the browser.
      if (events.readyState === EventSource.CLOSED) setTimeout(connect, POLL_MS);
    });
  };

  let resizeFrame;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => latest && renderChart(latest));
  });
  // Relative times ("2 min ago") and durations age without new data.
  setInterval(render, 30000);

  renderSections({ ...identity, windows: [], incidents: [], mentions: [], alerts: [], sources: [] });
  byId("footer").textContent = "Connecting to the local runtime…";
  connect();
})();
