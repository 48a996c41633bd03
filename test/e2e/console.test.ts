// local server. Sign in, page the thing list, create a shadow, watch a delta arrive live, edit desired, browse the
// history, publish and receive on the MQTT test client; the README's screenshot (docs/console.png) is taken here.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PublishCommand, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { CHROMIUM, CHROMIUM_FLAGS, CHROMIUM_INSTALL_TIMEOUT_MS, type ChromiumResult, ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { uniqueName } from "../helpers/names";
import { bytes, dataPlaneClient } from "../helpers/sdk";
import { signedRequest } from "../helpers/signedFetch";

const baseUrl = inject("baseUrl");
const client = dataPlaneClient(baseUrl);
const STEP = { timeout: 60_000 };
/** Waits in the page are bounded by this; the test's own timeout is the outer bound. */
const WAIT_MS = 20_000;

let tool: ChromiumResult | undefined;
let context: BrowserContext | undefined;
let page: Page;
let profileDir = "";

beforeAll(async () => {
  // Installs Debian's chromium on a fresh machine (root + apt-get); the bound covers apt-get.
  tool = await ensureChromium();
  if (!tool.available) return;
  profileDir = mkdtempSync(join(tmpdir(), "iot-console-chromium-"));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    viewport: { width: 1280, height: 860 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(WAIT_MS);
}, CHROMIUM_INSTALL_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await context?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

// As the AWS CLI tests do (cli.test.ts): skipped with the reason only when ensureChromium could not provide it.
beforeEach(({ skip }) => {
  if (!tool?.available) skip(`Chromium (${CHROMIUM}) unavailable: ${tool?.reason ?? "not probed"}`);
});

/** Polls until `read` gives a value `done` accepts; fails with the last value seen. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}
const texts = (locator: Locator) => locator.allTextContents();
const update = (thingName: string, document: unknown) => client.send(new UpdateThingShadowCommand({ thingName, payload: bytes(document) }));

const prefix = uniqueName("console");
const fleet = Array.from({ length: 25 }, (_, i) => `${prefix}-fleet-${String(i).padStart(2, "0")}`);
const lamp = `${prefix}-lamp`;

describe("web console in Chromium", () => {
  it("serves the console as static assets, and leaves every other path to the signed API", async () => {
    const html = await fetch(`${baseUrl}/console/`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('<script type="module" src="./console.js">');
    expect(html.headers.get("content-security-policy")).toContain("default-src 'none'");
    const bare = await fetch(`${baseUrl}/console`, { redirect: "manual" });
    expect([bare.status, bare.headers.get("location")]).toEqual([307, "/console/"]);
    // /console/* belongs to the assets alone (a missing file is a plain 404); every other path is the Worker's:
    // an unsigned API call is refused (403), a signed call to an unknown route answers 405.
    expect((await fetch(`${baseUrl}/console/missing.js`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/things/${lamp}/shadow`)).status).toBe(403);
    const unknown = await fetch(await signedRequest(`${baseUrl}/console-not-here`));
    expect([unknown.status, unknown.headers.get("x-amzn-errortype")]).toEqual([405, "MethodNotAllowedException"]);
  });

  it("signs in with an access key kept in the tab's session storage", STEP, async () => {
    // Seed a small fleet meanwhile: three pages of 10 prove paging without making the test slow.
    const seeded = Promise.all(fleet.map((thingName) => update(thingName, { state: { reported: { seeded: true } } })));
    await page.goto(`${baseUrl}/console/`);
    await page.getByLabel("Access key id").fill("test");
    await page.getByLabel("Secret access key").fill("test");
    await page.getByTestId("sign-in").click();
    await page.getByTestId("principal").filter({ hasText: "test · us-east-1" }).waitFor();
    const stored = await page.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length }));
    expect(stored).toEqual({ session: 1, local: 0 });
    await seeded;
  });

  it("pages the thing list without ever reading the whole fleet", STEP, async () => {
    // The directory is written just after each shadow's creation commits: wait until all 25 are listed.
    await eventually(
      async () => {
        const response = await fetch(
          await signedRequest(`${baseUrl}/api/things/shadow/ListThingsWithShadows?thingNamePrefix=${prefix}-fleet&maxResults=100`),
        );
        return ((await response.json()) as { things: unknown[] }).things.length;
      },
      (n) => n === fleet.length,
      "the fleet directory",
    );
    await page.getByTestId("page-size").selectOption("10");
    await page.getByTestId("thing-prefix").fill(`${prefix}-fleet`);
    const links = page.getByTestId("thing-link");
    const seen: string[] = [];
    for (const expected of [fleet.slice(0, 10), fleet.slice(10, 20), fleet.slice(20)]) {
      seen.push(
        ...(await eventually(
          () => texts(links),
          (t) => t[0] === expected[0] && t.length === expected.length,
          `page ${expected[0]}`,
        )),
      );
      if (seen.length < fleet.length) await page.getByTestId("next-page").click();
    }
    expect(seen).toEqual(fleet);
    expect(await page.getByTestId("next-page").isDisabled()).toBe(true);
    await page.getByTestId("previous-page").click();
    await eventually(
      () => texts(links),
      (t) => t[0] === fleet[10],
      "the previous page",
    );
    expect(await page.getByTestId("page-number").textContent()).toBe("Page 2");
  });

  it("creates a shadow, then shows a delta arriving live when the AWS SDK changes it", STEP, async () => {
    await page.getByTestId("new-thing-name").fill(lamp);
    await page.getByTestId("new-desired").fill('{"color": "red", "level": 1}');
    await page.getByTestId("create-shadow").click();
    await page.getByTestId("thing-name").filter({ hasText: lamp }).waitFor();
    await page
      .getByTestId("shadow-live")
      .filter({ hasText: /^live$/ })
      .waitFor();
    await page.getByTestId("desired").filter({ hasText: '"red"' }).waitFor();

    await update(lamp, { state: { desired: { color: "green" }, reported: { level: 1 } } });
    await page.getByTestId("delta").filter({ hasText: '"green"' }).waitFor();
    expect(await page.getByTestId("shadow-version").textContent()).toBe("version 2");
    expect(JSON.parse((await page.getByTestId("delta").textContent()) ?? "")).toEqual({ color: "green" });
  });

  it("edits desired from the console (removed keys sent as null) and browses the history with a diff", STEP, async () => {
    await page.getByTestId("desired-editor").fill('{"color": "blue"}');
    await page.getByTestId("save-desired").click();
    await page.getByTestId("shadow-version").filter({ hasText: "version 3" }).waitFor();
    expect(JSON.parse((await page.getByTestId("desired").textContent()) ?? "")).toEqual({ color: "blue" });

    const entries = page.getByTestId("history-entry");
    expect(
      await eventually(
        () => texts(entries),
        (t) => t.length === 3,
        "three history entries",
      ),
    ).toEqual(["v3 updated", "v2 updated", "v1 updated"]);
    await entries.nth(1).click(); // v2, compared with v1
    const diff = page.getByTestId("history-diff");
    await diff.filter({ hasText: "v2 compared with v1" }).waitFor();
    const rows = await diff.locator("tbody tr").allInnerTexts();
    expect(rows.map((row) => row.split("\t").map((cell) => cell.trim()))).toEqual([
      ["desired.color", '"red"', '"green"'],
      ["reported.level", "—", "1"],
    ]);
    // The README's picture is rewritten only when asked (`CONSOLE_SCREENSHOT=1 npm run test:e2e`): a test run leaves
    // the working tree as it found it.
    const screenshot = await page.screenshot({ fullPage: true });
    expect(screenshot.byteLength).toBeGreaterThan(10_000);
    if (process.env.CONSOLE_SCREENSHOT === "1") writeFileSync("docs/console.png", screenshot);
  });

  it("subscribes, receives and publishes on the MQTT test client over /mqtt", STEP, async () => {
    await page.goto(`${baseUrl}/console/#/mqtt`);
    const filter = `${prefix}/chat/#`;
    await page.getByTestId("subscribe-filter").fill(filter);
    await page.getByTestId("subscribe").click();
    await page.getByTestId("subscriptions").filter({ hasText: filter }).waitFor();

    await page.getByTestId("publish-topic").fill(`${prefix}/chat/browser`);
    await page.getByTestId("publish-payload").fill("hello from the console");
    await page.getByTestId("publish").click();
    await client.send(new PublishCommand({ topic: `${prefix}/chat/sdk`, payload: bytes("hello from the SDK"), qos: 1 }));

    const payloads = page.getByTestId("message-payload");
    const received = await eventually(
      () => texts(payloads),
      (t) => t.length === 2,
      "both messages",
    );
    expect(received.sort()).toEqual(["hello from the SDK", "hello from the console"].sort());
    expect((await texts(page.getByTestId("message-topic"))).sort()).toEqual([`${prefix}/chat/browser`, `${prefix}/chat/sdk`]);
    expect(await page.getByTestId("mqtt-state").textContent()).toBe("MQTT connected");
  });

  it("lists retained messages and shows one's payload", STEP, async () => {
    const topic = `${prefix}/status/lamp`;
    await client.send(new PublishCommand({ topic, payload: bytes('{"online":true}'), qos: 1, retain: true }));
    await page.goto(`${baseUrl}/console/#/retained`);
    const link = page.getByTestId("retained-list").getByRole("button", { name: topic });
    // Other tests retain messages too: walk the pages (shard by shard, as ListRetainedMessages lists) to find it.
    const first = page.getByTestId("retained-list").getByRole("button").first();
    await first.waitFor();
    while ((await link.count()) === 0) {
      expect(await page.getByTestId("next-page").isDisabled(), `${topic} not listed`).toBe(false);
      const before = await first.textContent();
      await page.getByTestId("next-page").click();
      await eventually(
        () => first.textContent(),
        (text) => text !== before,
        "the next page of retained messages",
      );
    }
    await link.click();
    await page.getByTestId("retained-payload").filter({ hasText: '{"online":true}' }).waitFor();
  });
});
