// The web console in a real browser (Debian's chromium through playwright-core), started by
// crates/cli/tests/console_browser.rs against a running `plumb serve`:
//
//   PLUMB_URL=http://127.0.0.1:PORT PLUMB_TOKEN=<admin> PLUMB_VIEWER_TOKEN=<viewer> \
//   SCREENSHOT_DIR=dir node testsupport/browser/console.mjs
//
// Walks the seed story's console part as a person would (clicks, typing, the keyboard): sign in;
// the customers "Smith Rocket Company" and "FTL Rockets" with their config variables; the
// organization's bucket config variable; a name with markup shown as text; a forged form without
// its CSRF token refused; delete with confirmation; sign out; a viewer sees no edit buttons and its
// POSTs are refused; a test run watched as it happens (its page open while it runs). Writes a
// screenshot of every page (1280 px, and 768 px for the lists).
// Prints one line per check; exits 1 at the first failed check.

import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const base = process.env.PLUMB_URL;
const token = process.env.PLUMB_TOKEN;
const viewerToken = process.env.PLUMB_VIEWER_TOKEN;
const shots = process.env.SCREENSHOT_DIR || "console-screenshots";
mkdirSync(shots, { recursive: true });

let checks = 0;
function check(condition, what) {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
  checks += 1;
  console.log(`ok: ${what}`);
}

// Waits (up to 5 s) for a locator to be visible.
async function visible(locator) {
  try {
    await locator.first().waitFor({ state: "visible", timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

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

// Any script a page runs from data would show up as a dialog; confirmations are ours.
const unexpectedDialogs = [];

async function newPage(width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.on("dialog", async (d) => {
    if (d.type() === "confirm") {
      await d.accept();
    } else {
      unexpectedDialogs.push(d.message());
      await d.dismiss();
    }
  });
  return page;
}

async function signIn(page, secret) {
  await page.goto(`${base}/`);
  check(new URL(page.url()).pathname === "/login", "an anonymous visit lands on the sign-in page");
  await page.getByLabel("API token").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/customers`);
}

async function createCustomer(page, name, description) {
  await page.goto(`${base}/customers`);
  await page.locator("#new-name").fill(name);
  if (description) {
    await page.locator("#new-description").fill(description);
  }
  await page.getByRole("button", { name: "Create customer" }).click();
  await page.waitForURL(/\/customers\/[^/?]+\?done=created$/);
  check((await page.locator("h1").textContent()) === name, `customer "${name}" created and opened`);
}

async function addVar(page, key, value) {
  await page.locator("#var-key").fill(key);
  await page.locator("#var-value").fill(value);
  // The keyboard submits the form too.
  await page.locator("#var-value").press("Enter");
  await page.waitForURL(/\?done=created$/);
  const row = page.locator("tr", { hasText: key });
  check((await row.count()) === 1, `config variable ${key} listed`);
  check((await row.locator("input[name=value]").inputValue()) === value, `${key} = ${value}`);
}

// Submits a form built in the page (as a forged or hand-made request would be); answers the
// POST's status once the answer page has loaded.
async function submitForm(page, url, fields, withCsrf) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === url && r.request().method() === "POST"),
    page.evaluate(({ url, fields, withCsrf }) => {
      const f = document.createElement("form");
      f.method = "post";
      f.action = url;
      const all = [...fields];
      if (withCsrf) {
        all.push(["_csrf", document.querySelector("input[name=_csrf]").value]);
      }
      for (const [k, v] of all) {
        const i = document.createElement("input");
        i.name = k;
        i.value = v;
        f.appendChild(i);
      }
      document.body.appendChild(f);
      f.submit();
    }, { url, fields, withCsrf }),
  ]);
  await page.waitForLoadState();
  return response.status();
}


// The wizard's stages, through the Authenticate stage, for `destination` (an option label).
async function credentialWizard(page, name, destination, inputs) {
  await page.goto(`${base}/settings`);
  await page.getByRole("link", { name: "+ Credential" }).click();
  check(await visible(page.getByText("Name the credential")), "credential stage 1: Name");
  await page.getByRole("button", { name: "Next" }).click();
  check(
    (await page.locator("#cred-name:invalid").count()) === 1 && (await visible(page.getByText("Name the credential"))),
    "an empty name is refused before stage 2",
  );
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Next" }).click();
  check(await visible(page.getByText("✓ 1. Name")), "stage 1 checked off");
  await page.getByLabel("Entity type").selectOption("Bill");
  await page.getByRole("button", { name: "Next" }).click();
  check(await visible(page.getByText("✓ 2. Entity type")), "stage 2 checked off");
  await page.getByLabel("Destination").selectOption({ label: destination });
  await page.getByRole("button", { name: "Next" }).click();
  check(await visible(page.getByText("✓ 3. Destination")), "stage 3 checked off");
  // Back and Next keep the choices.
  await page.getByRole("button", { name: "Back" }).click();
  check(await visible(page.getByText("Destination settings")), "Back returns to the destination");
  await page.getByRole("button", { name: "Next" }).click();
  await fillInputs(page, inputs);
}

async function fillInputs(page, inputs) {
  if ((await page.locator("details summary", { hasText: "Advanced" }).count()) > 0) {
    const open = await page.locator("details").evaluate((d) => d.open);
    if (!open) await page.locator("details summary", { hasText: "Advanced" }).click();
  }
  for (const [label, value] of inputs) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
}

async function waitForStatus(page, status) {
  try {
    await page.locator(".status", { hasText: status }).first().waitFor({ timeout: 30000 });
    return true;
  } catch {
    return false;
  }
}

// A test run of a flow with a pause between its steps: Run test opens the execution at once;
// the page shows the first step while the run is PENDING, and refreshes itself until SUCCESS.
async function watchedTestRun(page) {
  const definition = [
    "name: Watched Run",
    "definitionVersion: 7",
    "flows:",
    "  - name: Slow",
    "    steps:",
    "      - name: Trigger",
    "        isTrigger: true",
    "        action: {key: webhook, component: {key: webhook-triggers}}",
    "      - name: First",
    "        action: {key: runCode, component: {key: code}}",
    "        inputs:",
    "          code: {type: value, value: 'module.exports = async () => ({ data: \"first done\" });'}",
    "      - name: Pause",
    "        action: {key: sleep, component: {key: sleep}}",
    "        inputs:",
    "          ms: {type: value, value: '3000'}",
    "      - name: Last",
    "        action: {key: runCode, component: {key: code}}",
    "        inputs:",
    "          code: {type: value, value: 'module.exports = async () => ({ data: \"last done\" });'}",
    "",
  ].join("\n");
  await page.getByRole("navigation").getByRole("link", { name: "Integrations" }).click();
  await page.getByLabel("Definition (YAML)").fill(definition);
  await page.getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/integrations\/[^/?]+\?done=created$/);
  const started = Date.now();
  await page.getByRole("button", { name: "Run test" }).click();
  await page.waitForURL(/\/executions\//);
  const opened = Date.now() - started;
  check(opened < 2500, `Run test opens the execution while it runs (after ${opened} ms)`);
  check(await visible(page.locator(".status", { hasText: "PENDING" })), "the running test run shows PENDING");
  check(await visible(page.locator(".step-head", { hasText: "First" })), "the first step's result shows while the run goes on");
  check((await page.locator(".step-head", { hasText: "Last" }).count()) === 0, "the last step is not there yet");
  await shot(page, "15-test-run-live");
  check(await waitForStatus(page, "SUCCESS"), "the page refreshes itself until the run succeeds");
  check(await visible(page.locator(".step-head", { hasText: "Last" })), "the last step shows once it ran");
}

async function seedStory(page) {
  const env = process.env;
  // Settings: the PokeAPI base URL shared by every customer.
  await page.goto(`${base}/settings`);
  await page.locator("#org-key").fill("pokeApiBaseUrl");
  await page.locator("#org-value").fill(env.POKE_URL);
  await page.getByRole("button", { name: "Save variable" }).click();
  await page.waitForURL(/done=saved/);

  // The S3 credential (API key / secret; a type with no token: created once complete).
  await credentialWizard(page, "AWS Credentials", "aws-s3 — AWS access key and secret", [
    ["Access key ID", env.S3_KEY],
    ["Secret access key", env.S3_SECRET],
    ["Endpoint URL (S3-compatible stores)", env.S3_URL],
  ]);
  await page.getByRole("button", { name: "Create Credential" }).click();
  await page.waitForURL(/\/settings\?done=credential$/);
  check(await visible(page.locator("td", { hasText: "AWS Credentials" })), "the S3 credential is listed");

  // Seed 004: the Salesforce credential, tested by a token request.
  const sf = [
    ["External Customer Id", "acme"],
    ["Client Id", env.SF_ID],
    ["Client Secret", "wrong-secret"],
    ["Token URL (override)", env.TOKEN_URL],
  ];
  await credentialWizard(page, "Acme Salesforce", "Salesforce", sf);
  await shot(page, "10-credential-authenticate");
  await page.getByRole("button", { name: "Create Credential" }).click();
  check(await visible(page.getByText("its test failed")), "a wrong client secret fails the token request");
  check(!(await page.content()).includes("wrong-secret"), "the secret is not rendered back");
  await fillInputs(page, [["Client Secret", env.SF_SECRET]]);
  await page.getByRole("button", { name: "Create Credential" }).click();
  await page.waitForURL(/\/settings\?done=credential$/);
  check(await visible(page.getByText("Credential created and tested.")), "the Salesforce credential passes its token request");
  check(await visible(page.locator("td", { hasText: "Acme Salesforce" })), "the Salesforce credential is listed");
  check(!(await page.content()).includes(env.SF_SECRET), "no secret on the credentials page");
  await shot(page, "11-credentials");

  // Integrations: a broken definition shows its problem at its line.
  const good = readFileSync(env.DEFINITION_FILE, "utf8");
  const broken = good.replace("key: aws-s3\n            version: LATEST\n          key: putObject", "key: aws-s4\n            version: LATEST\n          key: putObject");
  await page.getByRole("navigation").getByRole("link", { name: "Integrations" }).click();
  check(await visible(page.getByText("No integrations yet.")), "the empty integration list says what to do");
  await page.getByLabel("Definition (YAML)").fill(broken);
  await page.getByRole("button", { name: "Import" }).click();
  check(await visible(page.locator("li.problem")), "the broken definition's problem line is marked");
  check(await visible(page.getByText(/line \d+, column \d+.*aws-s4/)), "the problem names its line and the component");
  await shot(page, "12-import-problem");
  await page.getByLabel("Definition (YAML)").fill(good);
  await page.getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/integrations\/[^/?]+\?done=created$/);
  check(await visible(page.locator("h1", { hasText: "Pokemon Avatar Sync" })), "the Pokemon integration imported");

  // Test values, then a test run with each step's result.
  for (const [key, value] of [
    ["pokeApiBaseUrl", env.POKE_URL],
    ["customerName", "Test Co"],
    ["pokemonAvatar", "pikachu"],
    ["pokemonAvatarS3BucketName", "pokemon-avatars"],
  ]) {
    await page.getByLabel(`Test value of ${key}`, { exact: true }).fill(value);
  }
  await page.getByRole("button", { name: "Save test values" }).click();
  await page.waitForURL(/done=saved/);
  await shot(page, "13-integration");
  await page.getByRole("button", { name: "Run test" }).click();
  await page.waitForURL(/\/executions\//);
  check(await waitForStatus(page, "SUCCESS"), "the test run succeeds");
  for (const step of ["Path Helper", "Get Pokemon Data", "Get Pokemon Avatar", "Put Object"]) {
    check(await visible(page.locator(".step-head", { hasText: step })), `the test run shows step ${step}`);
  }
  const helper = page.locator("li.step", { hasText: "Path Helper" });
  await helper.locator("details summary").click();
  check(await visible(helper.locator("pre", { hasText: "pokemonUrl" })), "a step's result is shown");
  await shot(page, "14-test-execution");

  // Publish.
  await page.goBack();
  await page.goBack();
  await page.goto(page.url().replace(/\?.*$/, ""));
  await page.getByLabel("What changed").fill("First version");
  await page.getByRole("button", { name: "Publish" }).click();
  await page.waitForURL(/done=published/);
  check(await visible(page.getByRole("link", { name: "v1" })), "version 1 published");

  // An instance per customer through the wizard; run each and open its execution.
  for (const customer of ["Smith Rocket Company", "FTL Rockets"]) {
    await page.getByRole("navigation").getByRole("link", { name: "Instances" }).click();
    await page.getByRole("link", { name: "+ Instance" }).click();
    check(await visible(page.getByText("Customer and integration")), `wizard stage 1 for ${customer}`);
    await page.getByLabel("Customer").selectOption({ label: customer });
    await page.getByLabel("Integration version").selectOption({ label: "Pokemon Avatar Sync v1" });
    await page.getByRole("button", { name: "Next" }).click();
    check(await visible(page.locator("legend", { hasText: "Configuration" })), "the config page of the definition");
    if (customer === "Smith Rocket Company") await shot(page, "15-deploy-wizard");
    await page.getByRole("button", { name: "Create and deploy" }).click();
    await page.waitForURL(/\/instances\/[^/?]+\?done=deployed$/);
    check(await visible(page.getByText("Deployed.")), `instance deployed for ${customer}`);
    check(await visible(page.getByText("/trigger/")), "its webhook URL is shown");
    if (customer === "Smith Rocket Company") await shot(page, "16-instance");
    await page.getByRole("button", { name: "Run now" }).click();
    await page.waitForURL(/\/executions\//);
    check(await waitForStatus(page, "SUCCESS"), `the run for ${customer} succeeds`);
  }
  await page.getByRole("navigation").getByRole("link", { name: "Executions" }).click();
  check((await page.locator("table tbody tr").count()) >= 3, "the executions list shows the runs");
  await shot(page, "17-executions");
}

try {
  // --- An admin walks the story.
  const page = await newPage();
  await page.goto(`${base}/login`);
  await shot(page, "01-sign-in");
  await page.getByLabel("API token").fill("plumb_wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  check(await visible(page.getByText("unknown or revoked token")), "a wrong token is refused on the form");
  await signIn(page, token);
  check(await visible(page.getByText("No customers yet.")), "the empty customer list says what to do next");
  await shot(page, "02-customers-empty");

  // A blank name is refused, naming the field.
  await page.locator("#new-name").fill("   ");
  await page.getByRole("button", { name: "Create customer" }).click();
  check(await visible(page.getByText("must not be empty")), "a blank customer name is refused at its field");

  await createCustomer(page, "Smith Rocket Company", "Rockets since 1952");
  await addVar(page, "customerName", "Smith Rocket Company");
  await addVar(page, "pokemonAvatar", "pikachu");
  await shot(page, "03-customer-config-vars");

  // A bad value for its data type is refused at its field.
  await page.locator("#var-key").fill("maxAvatars");
  await page.locator("#var-value").fill("ten");
  await page.locator("#var-type").selectOption("number");
  await page.getByRole("button", { name: "Add variable" }).click();
  check(await visible(page.getByText("for data type number")), "a non-number value is refused for a number variable");

  await createCustomer(page, "FTL Rockets");
  await addVar(page, "customerName", "FTL Rockets");
  await addVar(page, "pokemonAvatar", "onix");

  // A name with markup is text everywhere, never script.
  const xss = "<script>alert(1)</script>";
  await createCustomer(page, xss);
  await page.goto(`${base}/customers`);
  check(await visible(page.getByRole("link", { name: xss })), "a name with markup is shown as text in the list");
  check((await page.locator("table tbody tr").count()) === 3, "three customers listed");
  await shot(page, "04-customers");

  // Search.
  await page.getByLabel("Search").fill("rocket");
  await page.getByLabel("Search").press("Enter");
  await page.waitForURL(/q=rocket/);
  check((await page.locator("table tbody tr").count()) === 2, "search finds the two rocket companies");

  // Settings: the organization's bucket.
  await page.getByRole("navigation").getByRole("link", { name: "Settings" }).click();
  await page.waitForURL(`${base}/settings`);
  check(await visible(page.getByText("No organization config variables yet.")), "settings' empty state");
  await page.locator("#org-key").fill("pokemonAvatarS3BucketName");
  await page.locator("#org-value").fill("pokemon-avatars");
  await page.getByRole("button", { name: "Save variable" }).click();
  await page.waitForURL(/\/settings\?done=saved$/);
  check(await visible(page.getByText("pokemon-avatars")), "organization config variable saved");
  await shot(page, "05-settings");

  // A forged form (no CSRF token) is refused and changes nothing.
  const forgedStatus = await submitForm(page, `${base}/customers`, [["name", "Forged Inc"]], false);
  check(forgedStatus === 403, `a form without its CSRF token is answered 403 (${forgedStatus})`);
  check(await visible(page.getByText("Form refused")), "a form without its CSRF token is refused");
  await shot(page, "06-forged-form-refused");
  await page.goto(`${base}/customers`);
  check(!(await page.getByText("Forged Inc").isVisible()), "the forged form created nothing");

  // Delete (after confirming) the markup customer.
  await page.getByRole("link", { name: xss }).click();
  await page.getByRole("button", { name: "Delete customer" }).click();
  await page.waitForURL(/\/customers\?done=deleted$/);
  check((await page.locator("table tbody tr").count()) === 2, "the deleted customer is gone");

  // Readable at 768 px: no horizontal scrolling.
  const narrow = await newPage(768);
  await signIn(narrow, token);
  const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `no horizontal scroll at 768 px (overflow ${overflow})`);
  await shot(narrow, "07-customers-768");
  await narrow.getByRole("link", { name: "Smith Rocket Company" }).click();
  const overflow2 = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow2 <= 0, `customer page fits 768 px (overflow ${overflow2})`);
  await shot(narrow, "08-customer-768");

  // --- The seed story: credentials, the Pokemon integration, instances, runs.
  const story = process.env.DEFINITION_FILE;
  if (story) {
    await seedStory(page);
  }

  // --- A test run watched as it happens: its page opens while the run goes on.
  await watchedTestRun(page);

  // Sign out.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${base}/login`);
  await page.goto(`${base}/customers`);
  check(new URL(page.url()).pathname === "/login", "after sign-out the console asks to sign in again");

  // --- A viewer: no edit buttons, and its POSTs are refused.
  const viewer = await newPage();
  await signIn(viewer, viewerToken);
  check((await viewer.getByRole("button", { name: "Create customer" }).count()) === 0, "a viewer sees no create button");
  await viewer.getByRole("link", { name: "FTL Rockets" }).click();
  for (const name of ["Save", "Delete customer", "Add variable", "Delete"]) {
    check((await viewer.getByRole("button", { name, exact: true }).count()) === 0, `a viewer sees no "${name}" button`);
  }
  check(await visible(viewer.getByText("onix")), "a viewer reads the config variables");
  await shot(viewer, "09-viewer-customer");
  // Even with the session's CSRF token, a viewer's write is refused by the service.
  const viewerStatus = await submitForm(viewer, `${base}/customers`, [["name", "Viewer Corp"]], true);
  check(viewerStatus === 403, `a viewer's POST is answered 403 (${viewerStatus})`);
  check(await visible(viewer.getByText("Not allowed")), "a viewer's POST is refused");
  await viewer.goto(`${base}/customers`);
  check(!(await viewer.getByText("Viewer Corp").isVisible()), "the viewer's POST created nothing");
  await viewer.goto(`${base}/settings`);
  check((await viewer.getByRole("button", { name: "Save variable" }).count()) === 0, "a viewer cannot set organization variables");

  check(unexpectedDialogs.length === 0, `no page ran script from data (${unexpectedDialogs.join(", ")})`);
  console.log(`all ${checks} checks passed; screenshots in ${shots}`);
} finally {
  await browser.close();
}
