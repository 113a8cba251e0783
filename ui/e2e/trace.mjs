// The browser steps of the trace page (trace_test.go runs it with a config file after sending the traces
// with the OpenTelemetry Go SDK). Prints one line per step, then "N passed, M failed"; exits 1 on a failure.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const figures = {};
let passed = 0;
let failed = 0;

const ctx = await chromium.launchPersistentContext(cfg.profile, {
  executablePath: cfg.chromium,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
  ],
  viewport: { width: 1400, height: 900 },
});
ctx.setDefaultTimeout(60_000);
const page = await ctx.newPage();
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
    await page
      .screenshot({ path: path.join(cfg.downloads, `trace-failed-${passed + failed}.png`) })
      .catch(() => {});
  }
}

const url = (p) => cfg.base + p;
const markTime = (name) =>
  page
    .waitForFunction((n) => performance.getEntriesByName(n, "mark")[0]?.startTime, name)
    .then((h) => h.jsonValue());
const quiet = () => page.waitForFunction(() => (window.__mmInflight ?? 0) === 0, null, { timeout: 60_000 });
// rows returns the waterfall rows in view: [depth, name, badges].
const rows = () =>
  page.$$eval(".wf-row", (els) =>
    els
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((e) => [
        Number(e.dataset.depth),
        e.dataset.name,
        [...e.querySelectorAll(".wf-badge")].map((b) => b.textContent).join(","),
      ]),
  );
const row = (name, n = 0) => page.locator(`.wf-row[data-name="${name}"]`).nth(n);

// Frames: the intervals between animation frames while fn runs, the long tasks (over 50 ms), and the main
// thread's time in scripts and tasks (Chrome's Performance metrics), which a loaded machine inflates less.
const cdp = await ctx.newCDPSession(page);
await cdp.send("Performance.enable");
async function mainThread() {
  const { metrics } = await cdp.send("Performance.getMetrics");
  const get = (n) => metrics.find((m) => m.name === n)?.value ?? 0;
  return { script: get("ScriptDuration"), task: get("TaskDuration") };
}
async function frames(fn) {
  const before = await mainThread();
  await page.evaluate(() => {
    window.__frames = [];
    window.__long = [];
    let last = performance.now();
    window.__stopFrames = false;
    const loop = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (!window.__stopFrames) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    window.__obs = new PerformanceObserver((l) =>
      l.getEntries().forEach((e) => window.__long.push(e.duration)),
    );
    window.__obs.observe({ type: "longtask" });
  });
  await fn();
  const after = await mainThread();
  const out = await page.evaluate(() => {
    window.__stopFrames = true;
    window.__obs.disconnect();
    const f = window.__frames.slice(1).sort((a, b) => a - b);
    const pct = (p) => f[Math.min(f.length - 1, Math.floor(p * f.length))];
    return {
      frames: f.length,
      median_ms: +pct(0.5).toFixed(1),
      p95_ms: +pct(0.95).toFixed(1),
      max_ms: +f[f.length - 1].toFixed(1),
      long_tasks: window.__long.length,
      longest_task_ms: +Math.max(0, ...window.__long).toFixed(1),
    };
  });
  out.script_ms = Math.round((after.script - before.script) * 1000);
  out.task_ms = Math.round((after.task - before.task) * 1000);
  out.script_ms_per_frame = +(out.script_ms / out.frames).toFixed(2);
  return out;
}

await step("a log line's trace link opens the waterfall", async () => {
  await page.goto(url("/logs?from=now-1h&search=order%2042"));
  const link = page.locator(".logrow a.trace-link");
  await link.first().waitFor();
  assert.equal(await page.locator(".logrow").count(), 1);
  await link.first().click();
  await page.waitForURL(new RegExp(`/traces/${cfg.traceId}`));
  await page.getByTestId("waterfall").waitFor();
  await page.locator(".wf-row").nth(5).waitFor();
  assert.deepEqual(await rows(), [
    [0, "GET /checkout", ""],
    [1, "POST /orders", ""],
    [2, "POST /orders", ""],
    [3, "db query", ""],
    [3, "cache", "error"],
    [0, "late callback", "parent missing"],
  ]);
  assert.match(
    await page.getByTestId("trace-summary").textContent(),
    /6 spans.*2 processes.*1 error.*frontend.*orders/s,
  );
  assert.match(await page.getByTestId("trace-orphans").textContent(), /1 span is shown at the root/);
  assert.match(
    await row("late callback").locator(".wf-badge").getAttribute("title"),
    new RegExp(cfg.orphanParent),
  );
  // The log line is listed under the waterfall and marked on its span's row.
  assert.match(await page.getByTestId("trace-logs").textContent(), /order 42 stored/);
  assert.equal(await row("db query").locator(".wf-log").count(), 1);
  // Bars sit on the trace's time axis: the root spans it, its children start inside it.
  const bar = async (name) => {
    const b = await row(name).locator(".wf-bar").boundingBox();
    return [b.x, b.x + b.width];
  };
  const [r0, r1] = await bar("GET /checkout");
  const [d0, d1] = await bar("db query");
  assert.ok(r0 < d0 && d1 < r1, `db query [${d0}, ${d1}] inside the root [${r0}, ${r1}]`);
});

await step("hover a span, select it, its process", async () => {
  await row("db query").hover();
  const tip = page.getByTestId("span-tooltip");
  await tip.waitFor();
  const text = await tip.textContent();
  for (const want of ["db query", "client", "orders", "status unset", "db.system", "postgresql", "retry"])
    assert.ok(text.includes(want), `tooltip has ${want}: ${text}`);
  // The screenshot: the failing span hovered, its tooltip over the empty part of the page.
  await row("cache").locator(".wf-bar").hover();
  await page.waitForFunction(() =>
    document.querySelector("[data-testid=span-tooltip]")?.textContent.includes("cache down"),
  );
  await page.screenshot({ path: path.join(cfg.screenshots, "trace.png") });
  await row("cache").click();
  await page.waitForURL(/span=[0-9a-f]{16}/);
  const details = page.getByTestId("span-details");
  await details.waitFor();
  assert.match(await details.textContent(), /cache.*status error: cache down/s);
  // The span's process: the orders service's page, on the time of the span.
  await details.getByTestId("span-process").click();
  await page.waitForURL(/\/process\/[0-9a-f-]{36}\?from=/);
  await page.getByTestId("process-info").waitFor();
  assert.match(await page.getByTestId("process-info").textContent(), /orders/);
  // Its logs tab links the log line to the trace too.
  await page.locator(".logrow a.trace-link").first().click();
  await page.waitForURL(new RegExp(`/traces/${cfg.traceId}`));
  await page.getByTestId("waterfall").waitFor();
});

await step("paste a trace id; the latest traces", async () => {
  await page.goto(url("/traces?from=now-1h"));
  await page.getByTestId("recent-traces").getByText(cfg.traceId).waitFor();
  await page.getByTestId("trace-id-input").fill("not a trace");
  await page.getByTestId("trace-id-open").click();
  await page.getByText("A trace id is 32 hexadecimal digits").waitFor();
  await page.getByTestId("trace-id-input").fill(` ${cfg.traceId.toUpperCase()} `);
  await page.getByTestId("trace-id-open").click();
  await page.waitForURL(new RegExp(`/traces/${cfg.traceId}`));
  await page.locator(".wf-row").first().waitFor();
});

await step("an unknown trace id says so and what to check", async () => {
  await page.goto(url("/traces/0123456789abcdef0123456789abcdef"));
  await page.getByTestId("trace-unknown").waitFor();
  assert.match(await page.locator(".empty").textContent(), /export their spans to this server.*retention/s);
  await page.goto(url("/traces/xyz"));
  await page.getByText('"xyz" is not a trace id').waitFor();
});

await step("our library's async span nests under the OTel SDK's span, with its status", async () => {
  // Without ?process= the page knows only the gateway's (OTel) process: two spans.
  await page.goto(url(`/traces/${cfg.asyncTraceId}`));
  await row("GET /shop").waitFor();
  await quiet();
  assert.deepEqual(await rows(), [
    [0, "GET /shop", ""],
    [1, "GET /api/{id}", ""],
  ]);
  // With ?process=<pid> (kept in the URL), our server's span joins under the gateway's client span.
  await page.goto(url(`/traces/${cfg.asyncTraceId}?process=${cfg.asyncProcess}`));
  await row("GET /shop").waitFor();
  await quiet();
  await page.getByTestId("trace-async-loading").waitFor({ state: "detached" });
  await page.getByTestId("trace-async-count").waitFor();
  await quiet();
  assert.deepEqual(await rows(), [
    [0, "GET /shop", ""],
    [1, "GET /api/{id}", ""],
    [2, "GET /api/{id}", "error"],
  ]);
  assert.ok(page.url().includes(`process=${cfg.asyncProcess}`), page.url());
  assert.match(
    await page.getByTestId("trace-summary").textContent(),
    /3 spans \(1 async\).*2 processes.*1 error/s,
  );
  const ours = page.locator('.wf-row[data-depth="2"]');
  assert.match(await ours.locator(".wf-svc").textContent(), /e2e\.test/);
  await ours.hover();
  const tip = page.getByTestId("span-tooltip");
  await tip.waitFor();
  const text = await tip.textContent();
  for (const want of ["async", "status error: HTTP 503", "response_bytes", "4", "status503"])
    assert.ok(text.includes(want), `tooltip has ${want}: ${text}`);
  // A trace none of whose spans is found, with a process: the page says so and suggests ?process=.
  await page.goto(url(`/traces/0123456789abcdef0123456789abcdee?process=${cfg.asyncProcess}`));
  await page.getByTestId("trace-no-async").waitFor();
  assert.match(await page.getByTestId("trace-no-async").textContent(), /\?process=/);
});

await step("the process timeline links a selected async span to its trace", async () => {
  const q = new URLSearchParams({ tab: "timeline", from: cfg.asyncFrom, to: cfg.asyncTo });
  await page.goto(url(`/process/${cfg.asyncProcess}?${q}`));
  await markTime("timeline-drawn");
  await quiet();
  const canvas = page.getByTestId("timeline-canvas");
  const hits = await canvas.evaluate((c) => c.hits);
  const ours = hits.find((h) => h.name === "GET /api/{id}");
  assert.ok(ours, `our span drawn: ${hits.map((h) => h.name)}`);
  await canvas.click({ position: { x: ours.x, y: ours.y } });
  const link = page.getByTestId("span-trace");
  await link.waitFor();
  assert.equal(await link.getAttribute("href"), `/traces/${cfg.asyncTraceId}?process=${cfg.asyncProcess}`);
  await link.click();
  await page.getByTestId("trace-async-count").waitFor();
  assert.ok(page.url().includes(`process=${cfg.asyncProcess}`), page.url());
  await page.locator('.wf-row[data-depth="2"]').waitFor();
});

await step(`${cfg.bigTraceSpans} spans: first render and scrolling`, async () => {
  await page.goto(url(`/traces/${cfg.bigTraceId}`));
  figures.trace_10k_rendered_ms = Math.round(await markTime("trace-rendered"));
  await quiet();
  assert.match(
    await page.getByTestId("trace-summary").textContent(),
    new RegExp(`${cfg.bigTraceSpans.toLocaleString("en-US")} spans`),
  );
  const scroller = page.getByTestId("waterfall-scroll");
  // The peer: the same page doing nothing for as long, which shows what the machine's load alone costs.
  figures.trace_10k_idle = await frames(() => page.waitForTimeout(2500));
  figures.trace_10k_scroll = await frames(async () => {
    for (let i = 0; i < 120; i++) {
      await scroller.evaluate((el) => (el.scrollTop += 400));
      await page.waitForTimeout(16);
    }
  });
  figures.trace_10k_fling = await frames(async () => {
    for (let i = 0; i < 60; i++) {
      await scroller.evaluate((el) => (el.scrollTop += 3000));
      await page.waitForTimeout(16);
    }
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForTimeout(100);
  });
  const last = await page.$$eval(".wf-row", (els) => els.map((e) => e.dataset.name));
  assert.ok(
    last.some((n) => /^step 99\./.test(n)),
    `the last request's steps in view: ${last.slice(0, 3)}`,
  );
  assert.ok((await page.locator(".wf-row").count()) < 120, "only the rows in view are in the page");
  figures.trace_10k_hover = await frames(async () => {
    const box = await scroller.boundingBox();
    for (let i = 0; i < 60; i++) {
      await page.mouse.move(box.x + 200 + i * 5, box.y + 10 + ((i * 7) % (box.height - 20)));
      await page.waitForTimeout(16);
    }
  });
});

await step(`peer: the log view of ${cfg.peerLogLines} lines scrolled the same way`, async () => {
  await page.goto(url("/logs?from=now-1h&search=peer%20line"));
  await page.waitForFunction(
    (n) => document.querySelector("[data-testid=log-count]")?.textContent.startsWith(n),
    cfg.peerLogLines.toLocaleString("en-US"),
  );
  await page.locator(".logrow .m").first().waitFor();
  await quiet();
  const scroller = page.getByTestId("log-scroll");
  figures.peer_logs_10k_idle = await frames(() => page.waitForTimeout(2500));
  figures.peer_logs_10k_scroll = await frames(async () => {
    for (let i = 0; i < 120; i++) {
      await scroller.evaluate((el) => (el.scrollTop += 400));
      await page.waitForTimeout(16);
    }
  });
});

assert.deepEqual(pageErrors, [], "no error in the page");
fs.writeFileSync(cfg.figures, JSON.stringify(figures, null, 2));
console.log(JSON.stringify(figures));
await ctx.close();
console.log(`trace page: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || pageErrors.length > 0 ? 1 : 0);
