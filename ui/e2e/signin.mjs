// The browser steps of the sign-in test (signin_test.go runs it with a
// config file): Chromium signs in to the web UI through Ory Hydra, sees
// the processes and its email, and signs out. Exits 1 on a failure.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
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
const visited = [];
// Every navigation request, redirects included (the issuer answers with redirects only).
page.on("request", (r) => r.isNavigationRequest() && visited.push(r.url()));

let failed = 0;
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
    console.log(`     pages visited: ${visited.join(" -> ")}`);
    await page.screenshot({ path: path.join(cfg.downloads, "signin-failed.png") }).catch(() => {});
  }
}

await step("signed out: the processes page asks to sign in", async () => {
  await page.goto(cfg.base + "/?from=now-1h");
  await page.getByText("Sign-in required").first().waitFor();
  await page.getByTestId("user-sign-in").waitFor();
  const href = await page.getByTestId("sign-in").first().getAttribute("href");
  assert.equal(href, "/auth/login?return=" + encodeURIComponent("/?from=now-1h"));
});

await step("sign in through the issuer, back on the processes page", async () => {
  await page.getByTestId("sign-in").first().click();
  await page.waitForURL(cfg.base + "/?from=now-1h");
  assert.ok(
    visited.some((u) => u.startsWith(cfg.issuer)),
    `the browser went through the issuer: ${visited.join(" -> ")}`,
  );
  await page.getByTestId("user-name").waitFor();
  assert.equal(await page.getByTestId("user-name").textContent(), cfg.email);
  const table = page.getByTestId("processes");
  await table.locator("tbody tr").first().waitFor();
  assert.equal(await table.locator("tbody tr").count(), 1, "hello's process");
  assert.match(await table.locator("tbody tr").first().textContent(), /hello/);
  const cookies = await page.evaluate(() => document.cookie);
  assert.ok(!cookies.includes("micromegas_session"), "the session cookie is HttpOnly");
  const session = (await ctx.cookies(cfg.base)).find((c) => c.name === "micromegas_session");
  assert.ok(session?.httpOnly && session.sameSite === "Lax" && session.path === "/", "cookie attributes");
});

await step("a page of the app keeps the session (the process page)", async () => {
  await page.getByRole("link", { name: "hello", exact: true }).click();
  await page.waitForURL(new RegExp(`/process/${cfg.hello}`));
  await page
    .getByText("Sign-in required")
    .waitFor({ state: "detached", timeout: 1000 })
    .catch(() => {});
  assert.equal(await page.getByText("Sign-in required").count(), 0);
});

await step("sign out", async () => {
  await page.getByTestId("sign-out").click();
  await page.waitForURL(cfg.base + "/auth/logout");
  await page.getByText("You are not signed in").waitFor();
  await page.goto(cfg.base + "/");
  await page.getByText("Sign-in required").first().waitFor();
  await page.getByTestId("user-sign-in").waitFor();
  assert.equal(await page.getByTestId("user-name").count(), 0);
  const status = await page.evaluate(async () => (await fetch("/auth/me")).status);
  assert.equal(status, 401);
});

await ctx.close();
assert.deepEqual(pageErrors, [], "no error in the page");
console.log(`sign-in: ${failed === 0 ? "passed" : `${failed} failed`}`);
process.exit(failed > 0 ? 1 : 0);
