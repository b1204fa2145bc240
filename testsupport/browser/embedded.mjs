// The embedded marketplace and config wizard in a real browser, driven by Prismatic's own SDK
// (@prismatic-io/embedded, its UMD build from testsupport/node_modules), started by
// crates/cli/tests/embedded_browser.rs against a running `plumb serve`:
//
//   PLUMB_URL=http://127.0.0.1:PORT ORG_ID=<global ID> PRIVATE_KEY_FILE=<pem> HOST_PORT=<port> \
//   OTHER_PORT=<port> SCREENSHOT_DIR=dir node testsupport/browser/embedded.mjs
//
// Serves a host app on http://127.0.0.2:HOST_PORT (an allowed origin) and the same app on
// http://127.0.0.3:OTHER_PORT (not allowed). The host signs a JWT for a customer user (RS256,
// with the organization's key), calls prismatic.init({prismaticUrl}), authenticate({token}) and
// showMarketplace({selector}), and pre-fills `greeting` with setConfigVars when the wizard says
// INSTANCE_CONFIGURATION_LOADED. Checks: the marketplace lists the integration, search narrows
// it; the wizard's first page refuses Next without its picklist, then goes on; the pre-filled
// string; deploy; the host sees INSTANCE_CONFIGURATION_OPENED / _LOADED / _PAGE_LOADED /
// INSTANCE_CREATED / INSTANCE_DEPLOYED with the SDK's fields; the organization-activated
// connection and the org-only config var (their keys, stable key, planted values) are in no
// response, frame or message. Then configureInstance({instanceId}) shows the instance's values
// (a stored secret as "set") and Cancel posts INSTANCE_CONFIGURATION_CANCELED;
// configureInstance({integrationName}) opens the customer's instance; SET_FILTERS
// (includeActiveIntegrations: false) leaves the deployed integration out; showConnections lists
// the customer's own connection (not the organization's) and saves a new key. On the third origin the SDK's sign-in is refused (CORS), and a
// screen the page frames by hand (offering it the JWT as the SDK would) renders nothing. Prints one line per
// check and "instance: <ID>"; exits 1 at the first failed check.

import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { mkdirSync, readFileSync } from "node:fs";
import { createSign } from "node:crypto";
import { join } from "node:path";

const base = process.env.PLUMB_URL;
const orgId = process.env.ORG_ID;
const privateKey = readFileSync(process.env.PRIVATE_KEY_FILE, "utf8");
const hostPort = Number(process.env.HOST_PORT);
const otherPort = Number(process.env.OTHER_PORT);
const shots = process.env.SCREENSHOT_DIR || "embedded-screenshots";
mkdirSync(shots, { recursive: true });
// What the organization keeps to itself: none of it may reach the customer's browser.
const hidden = ["org-ledger", "Org Ledger", "planted", "internalSecretNote", "PLANTED"];

let checks = 0;
function check(condition, what) {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
  checks += 1;
  console.log(`ok: ${what}`);
}

function b64url(data) {
  return Buffer.from(data).toString("base64url");
}

// An embedded JWT as the organization's backend signs it.
function jwt() {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const payload = b64url(
    JSON.stringify({
      sub: "user-7",
      name: "Pat User",
      organization: orgId,
      customer: "acme-cust",
      customer_name: "Acme Customer",
      iat: now,
      exp: now + 600,
    })
  );
  const signer = createSign("RSA-SHA256");
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${b64url(signer.sign(privateKey))}`;
}

const sdk = readFileSync(
  new URL("../node_modules/@prismatic-io/embedded/dist/index.umd.js", import.meta.url)
);
const hostPage = `<!doctype html><html><head><meta charset="utf-8"><title>Host app</title></head>
<body><h1>Host app</h1><div id="box" style="height: 900px"></div>
<script src="/sdk.js"></script><script src="/host.js"></script></body></html>`;
const hostScript = `
window.hostMessages = [];
const params = new URLSearchParams(location.hash.slice(1));
const plumb = new URL(params.get("url")).origin;
window.addEventListener("message", (e) => {
  if (e.origin !== plumb || !e.data || !e.data.event) return;
  window.hostMessages.push(e.data);
  if (e.data.event === "INSTANCE_CONFIGURATION_LOADED") {
    prismatic.setConfigVars({
      iframe: prismatic.getMessageIframe(e),
      configVars: {
        greeting: { value: "Hello from the host" },
        internalSecretNote: { value: "host tries an org-only var" },
      },
    });
  }
});
(async () => {
  prismatic.init({ prismaticUrl: params.get("url") });
  try {
    await prismatic.authenticate({ token: params.get("token") });
    window.authenticated = true;
  } catch (err) {
    window.authError = String(err);
  }
  if (window.authenticated) {
    prismatic.showMarketplace({ selector: "#box" });
    return;
  }
  // Not signed in (another origin): frame the screen by hand as the SDK would, and hand it
  // the JWT when it asks.
  window.addEventListener("message", (e) => {
    if (e.data && e.data.event === "PRISMATIC_INITIALIZED" && e.origin === plumb) {
      window.screenInitialized = true;
      e.source.postMessage({ event: "SET_TOKEN", data: params.get("token") }, "*");
    }
  });
  const frame = document.createElement("iframe");
  frame.id = "pio__iframe";
  frame.src = params.get("url") + "/integration-marketplace/?embed=true";
  frame.height = "800";
  frame.width = "100%";
  document.getElementById("box").appendChild(frame);
})();`;

function serve(host, port) {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      if (req.url === "/sdk.js") {
        res.writeHead(200, { "content-type": "text/javascript" }).end(sdk);
      } else if (req.url === "/host.js") {
        res.writeHead(200, { "content-type": "text/javascript" }).end(hostScript);
      } else {
        res.writeHead(200, { "content-type": "text/html" }).end(hostPage);
      }
    });
    server.listen(port, host, () => resolve(server));
  });
}

const servers = [await serve("127.0.0.2", hostPort), await serve("127.0.0.3", otherPort)];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

async function visible(locator, timeout = 10000) {
  try {
    await locator.first().waitFor({ state: "visible", timeout });
    return true;
  } catch {
    return false;
  }
}

async function hostPageAt(origin) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const bodies = [];
  const screenRequests = [];
  page.on("pageerror", (e) => console.log(`page error (${origin}): ${e}`));
  page.on("request", (r) => {
    if (r.url().includes("/embedded/screens/")) screenRequests.push(r.url());
  });
  page.on("response", async (r) => {
    if (r.url().startsWith(base)) {
      try {
        bodies.push(await r.text());
      } catch {
        /* a redirect or an aborted load */
      }
    }
  });
  const token = jwt();
  await page.goto(`${origin}/#url=${encodeURIComponent(base)}&token=${encodeURIComponent(token)}`);
  await page.waitForFunction(() => window.authenticated === true || window.authError, null, {
    timeout: 15000,
  });
  return { page, bodies, screenRequests };
}

// PHASE=remove (run after the first pass): the customer removes its instance from the wizard;
// the host sees INSTANCE_DELETED with the instance's fields.
async function removePhase() {
  const { page } = await hostPageAt(`http://127.0.0.2:${hostPort}`);
  await page.evaluate(() => prismatic.configureInstance({ integrationName: "Embedded Demo", selector: "#box" }));
  const frame = page.frameLocator("#pio__iframe");
  check(await visible(frame.locator("h1", { hasText: "Configure Embedded Demo" })), "the customer's instance opens");
  const remove = frame.locator("button[data-remove]");
  await remove.click();
  check(await visible(frame.locator("button[data-remove]", { hasText: "Click again to remove" })), "Remove asks for a second click");
  check(!(await page.evaluate(() => window.hostMessages.some((m) => m.event === "INSTANCE_DELETED"))), "nothing is removed on the first click");
  await remove.click();
  await page.waitForFunction(() => window.hostMessages.some((m) => m.event === "INSTANCE_DELETED"), null, { timeout: 30000 });
  const deleted = (await page.evaluate(() => window.hostMessages)).find((m) => m.event === "INSTANCE_DELETED");
  check(deleted.data.instanceId === process.env.INSTANCE_ID, "INSTANCE_DELETED names the removed instance");
  check(deleted.data.integrationName === "Embedded Demo" && typeof deleted.data.customerName === "string" && deleted.data.customerName !== "", "with the SDK's fields");
  check(await visible(frame.locator("[data-removed]")), "the screen says it is removed");
  await page.screenshot({ path: join(shots, "06-removed.png"), fullPage: true });
}

try {
  if (process.env.PHASE === "remove") {
    await removePhase();
    throw "done";
  }
  // ----- the allowed origin -----
  const { page, bodies } = await hostPageAt(`http://127.0.0.2:${hostPort}`);
  check(await page.evaluate(() => window.authenticated === true), "the SDK authenticates with the JWT (cross-origin)");
  const frame = page.frameLocator("#pio__iframe");
  check(await visible(frame.locator("article.card", { hasText: "Embedded Demo" })), "the marketplace lists the integration");
  await page.screenshot({ path: join(shots, "01-marketplace.png"), fullPage: true });
  await frame.locator("input[name=search]").fill("no such thing");
  await frame.locator("form.search button").click();
  check(await visible(frame.locator(".empty")), "a search matching nothing shows the empty state");
  await frame.locator("input[name=search]").fill("demo");
  await frame.locator("form.search button").click();
  check(await visible(frame.locator("article.card", { hasText: "Embedded Demo" })), "a search for its name finds it");

  await frame.locator("article.card", { hasText: "Embedded Demo" }).locator("button", { hasText: "Activate" }).click();
  check(await visible(frame.locator("section[data-page='0']", { hasText: "Connect" })), "the wizard opens on its first config page");
  check(await visible(frame.locator("text=Connect your Vendor account")), "an HTML element of the page shows as text");
  await frame.locator("input[name='conn.Vendor API.apiKey']").fill("customer-vendor-key-1");
  await frame.locator("button[data-next]").click();
  check(
    await visible(frame.locator("[data-error-for='cv.region']", { hasText: "region is required" })),
    "Next refuses the page without its picklist"
  );
  await frame.locator("select[name='cv.region']").selectOption("eu");
  await frame.locator("button[data-next]").click();
  check(await visible(frame.locator("section[data-page='1']", { hasText: "Preferences" })), "Next shows the second page");
  check(
    (await frame.locator("input[name='cv.greeting']").inputValue()) === "Hello from the host",
    "setConfigVars pre-filled the string"
  );
  check((await frame.locator("[name='cv.internalSecretNote']").count()) === 0, "no field of the org-only config var");
  await frame.locator("button[data-back]").click();
  check(await visible(frame.locator("section[data-page='0']")), "Back shows the first page again");
  await frame.locator("button[data-next]").click();
  await frame.locator("input[name='cv.notify']").check();
  check(
    !(await frame.locator("button[data-next]").isVisible()) && (await frame.locator("button[data-deploy]").isVisible()),
    "the last page offers Deploy, not Next"
  );
  await page.screenshot({ path: join(shots, "02-wizard.png"), fullPage: true });
  const html = await frame.locator("body").innerHTML();
  for (const h of hidden) check(!html.includes(h), `the wizard's page holds no ${h}`);
  await frame.locator("button[data-deploy]").click();
  check(await visible(frame.locator("[data-deployed]")), "deploy succeeds");
  await page.waitForFunction(() => window.hostMessages.some((m) => m.event === "INSTANCE_DEPLOYED"), null, {
    timeout: 10000,
  });
  await page.screenshot({ path: join(shots, "03-deployed.png"), fullPage: true });
  const messages = await page.evaluate(() => window.hostMessages);
  const of = (event) => messages.filter((m) => m.event === event);
  for (const event of [
    "INSTANCE_CONFIGURATION_OPENED",
    "INSTANCE_CONFIGURATION_LOADED",
    "INSTANCE_CONFIGURATION_PAGE_LOADED",
    "INSTANCE_CREATED",
    "INSTANCE_DEPLOYED",
    "INSTANCE_CONFIGURATION_CLOSED",
  ]) {
    check(of(event).length > 0, `the host got ${event}`);
    for (const m of of(event)) {
      const d = m.data;
      check(
        d.customerName === "Acme Customer" &&
          d.integrationName === "Embedded Demo" &&
          d.integrationVersionNumber === 1 &&
          d.readOnly === false &&
          typeof d.customerId === "string" &&
          typeof d.instanceId === "string" &&
          typeof d.instanceName === "string",
        `${event} has the SDK's InstanceConfigurationData fields`
      );
    }
  }
  const deployed = of("INSTANCE_DEPLOYED")[0].data;
  check(deployed.instanceId.length > 0 && deployed.instanceName === "Embedded Demo", "INSTANCE_DEPLOYED names the instance");
  const loaded = of("INSTANCE_CONFIGURATION_LOADED")[0].data;
  check(
    ["Vendor API", "region", "greeting", "notify"].every((k) => k in loaded.configVars),
    "INSTANCE_CONFIGURATION_LOADED has the customer's configVars"
  );
  check(loaded.configVars.region.pickList.join(",") === "us,eu", "a picklist's choices are in its configVar");
  const pages = of("INSTANCE_CONFIGURATION_PAGE_LOADED").map((m) => m.data.pageName);
  check(pages.includes("Connect") && pages.includes("Preferences"), "PAGE_LOADED names each page");
  const second = of("INSTANCE_CONFIGURATION_PAGE_LOADED").find((m) => m.data.pageName === "Preferences");
  check("greeting" in second.data.pageContent, "PAGE_LOADED has the page's content");
  const everything = JSON.stringify(messages) + bodies.join("\n");
  for (const h of hidden) check(!everything.includes(h), `no message or response holds ${h}`);
  check(!everything.includes("customer-vendor-key-1"), "the customer's API key is never sent back");
  console.log(`instance: ${deployed.instanceId}`);

  // Reconfigure through the SDK: the instance's values are shown; Cancel tells the host.
  await page.evaluate((id) => {
    window.hostMessages = [];
    prismatic.configureInstance({ instanceId: id, selector: "#box", skipRedirectOnRemove: true });
  }, deployed.instanceId);
  const again = page.frameLocator("#pio__iframe");
  check(await visible(again.locator("h1", { hasText: "Configure Embedded Demo" })), "configureInstance({instanceId}) opens the instance's wizard");
  check((await again.locator("select[name='cv.region']").inputValue()) === "eu", "the instance's values are filled in");
  check(
    (await again.locator("input[name='conn.Vendor API.apiKey']").getAttribute("placeholder")).includes("set"),
    "a stored secret shows as set, never its value"
  );
  await again.locator("button[data-cancel]").click();
  await page.waitForFunction(() => window.hostMessages.some((m) => m.event === "INSTANCE_CONFIGURATION_CANCELED"), null, {
    timeout: 10000,
  });
  const canceled = (await page.evaluate(() => window.hostMessages)).find((m) => m.event === "INSTANCE_CONFIGURATION_CANCELED");
  check(canceled.data.instanceId === deployed.instanceId, "Cancel posts INSTANCE_CONFIGURATION_CANCELED for the instance");

  // By name: an integration the customer has (once) opens its instance.
  await page.evaluate(() => prismatic.configureInstance({ integrationName: "Embedded Demo", selector: "#box" }));
  const byName = page.frameLocator("#pio__iframe");
  check(await visible(byName.locator("h1", { hasText: "Configure Embedded Demo" })), "configureInstance({integrationName}) opens the customer's instance");

  // The customer's own connections: the customer-activated one, never the organization's.
  await page.evaluate(() => prismatic.showConnections({ selector: "#box" }));
  const conns = page.frameLocator("#pio__iframe");
  check(await visible(conns.locator("form[data-connection-form]", { hasText: "Vendor API" })), "showConnections lists the customer's connection");
  const connsHtml = await conns.locator("body").innerHTML();
  for (const h of hidden) check(!connsHtml.includes(h), `the connections screen holds no ${h}`);
  await conns.locator("input[name='in.apiKey']").fill("customer-vendor-key-2");
  await conns.locator("form[data-connection-form]", { hasText: "Vendor API" }).locator("button[type=submit]").click();
  check(await visible(conns.locator(".notice.ok", { hasText: "Saved." })), "the customer saves a new API key");
  check(!(await conns.locator("body").innerHTML()).includes("customer-vendor-key-2"), "and it is not shown back");

  // OAuth 2.0: Connect opens the authorization in a pop-up; once the callback has stored the
  // tokens, the screen closes the pop-up and shows the connection connected.
  const oauthForm = () => conns.locator("form[data-connection-form]", { hasText: "Vendor OAuth" });
  check(await visible(oauthForm().locator("[data-oauth-state]", { hasText: "Not connected" })), "the OAuth connection shows Not connected");
  check(!(await conns.locator("body").innerHTML()).includes("PLANTED-OAUTH-CLIENT-SECRET"), "the OAuth app's secret is not on the screen");
  const seen = [];
  page.context().on("request", (r) => seen.push(r.url()));
  const popupOpened = page.context().waitForEvent("page", { timeout: 10000 });
  await oauthForm().locator("button[data-authorize]").click();
  const popup = await popupOpened;
  if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 20000 });
  check(seen.some((u) => u.includes("/authorize?")), "the pop-up opened the authorization server");
  check(seen.some((u) => u.includes("/oauth2/callback?")), "which sent it to plumb's callback");
  check(await visible(oauthForm().locator(".status.ok", { hasText: "Connected" })), "the screen closes the pop-up and shows the connection connected");
  await page.screenshot({ path: join(shots, "05-oauth-connected.png"), fullPage: true });

  // SET_FILTERS: without the active integrations, nothing is left.
  await page.evaluate(() =>
    prismatic.showMarketplace({ selector: "#box", filters: { marketplace: { includeActiveIntegrations: false } } })
  );
  const filtered = page.frameLocator("#pio__iframe");
  check(await visible(filtered.locator(".empty")), "SET_FILTERS includeActiveIntegrations: false leaves out the deployed one");

  // ----- another origin -----
  const other = await hostPageAt(`http://127.0.0.3:${otherPort}`);
  check(
    await other.page.evaluate(() => typeof window.authError === "string"),
    "the SDK's sign-in from another origin is refused (CORS)"
  );
  await other.page.waitForSelector("#pio__iframe", { state: "attached" });
  // Give the framed screen every chance to render before looking.
  await other.page.waitForTimeout(2000);
  const otherFrame = other.page.frameLocator("#pio__iframe");
  check((await otherFrame.locator("[data-view]").count()) === 0, "a page on another origin gets nothing rendered");
  check(other.screenRequests.length === 0, "and loads no screen content");
  check(
    await other.page.evaluate(() => window.screenInitialized !== true),
    "the blocked screen never asked the page for a token"
  );
  await other.page.screenshot({ path: join(shots, "04-other-origin.png"), fullPage: true });
} catch (e) {
  if (e !== "done") throw e;
} finally {
  await browser.close();
  for (const s of servers) s.close();
}
console.log(`${checks} checks passed`);
