// The web application end to end: Debian's Chromium, driven by playwright-core, against a live
// `vitrine serve` on loopback serving the built application (web/dist) and real Sticky Pi photos.
//
//   node tests/e2e/app.e2e.mjs VITRINE_BINARY WORK_DIR STICKYPI_DATA_DIR
//
// A person's session (sign in, a project with an ontology and a member, two photos uploaded,
// the viewer: zoom, a polygon drawn, a term assigned, seen again after a reload and through
// /api/v1; a device series scrubbed; a job started and followed to COMPLETE), then the same
// project as a viewer (no edit controls, and the API refuses edits anyway). A screenshot of each
// screen goes to WORK_DIR/screenshots/. Exits non-zero on the first failed check; every wait is
// bounded, and a watchdog ends the run after WATCHDOG_MS.

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./chromium.mjs";

const WATCHDOG_MS = 300_000;
const WAIT_MS = 30_000;

const [binary, workArg, stickypiArg] = process.argv.slice(2);
if (!binary || !workArg || !stickypiArg) {
  console.error("usage: node tests/e2e/app.e2e.mjs VITRINE_BINARY WORK_DIR STICKYPI_DATA_DIR");
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const appDir = path.resolve(here, "..", "..", "dist");
const work = path.resolve(workArg);
const screenshots = path.join(work, "screenshots");
const photos = path.join(path.resolve(stickypiArg), "raw_images", "0a5bb6f4");

let passed = 0;
function check(name, ok, detail = "") {
  if (!ok) throw new Error(`FAIL ${name}${detail ? ": " + detail : ""}`);
  passed++;
  console.log(`ok   ${name}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const data = path.join(work, "data");
  const port = await freePort();
  const log = fs.openSync(path.join(work, "server.log"), "a");
  const server = spawn(
    binary,
    ["serve", "--data", data, "--listen", `127.0.0.1:${port}`, "--app", appDir, "--job-workers", "1", "--no-access-log"],
    { stdio: ["ignore", log, log] },
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) break;
    try {
      if ((await fetch(`${base}/api/v1/health`)).ok) return { server, base, data };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  server.kill("SIGKILL");
  throw new Error(`vitrine serve did not start (see ${work}/server.log)`);
}

// A thin /api/v1 client for seeding and for checking what the browser did.
function api(base, token) {
  return async (method, route, body, headers = {}) => {
    const response = await fetch(`${base}/api/v1${route}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined && !(body instanceof Uint8Array) ? { "Content-Type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: the caller looks at the status
    }
    return { status: response.status, json, text };
  };
}

async function tokenFor(base, username, password) {
  const reply = await api(base)("POST", "/auth/token", { username, password });
  if (reply.status !== 200) throw new Error(`cannot sign ${username} in: ${reply.status} ${reply.text}`);
  return reply.json.token;
}

async function shoot(page, name) {
  const file = path.join(screenshots, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`     screenshot ${file}`);
}

async function signIn(page, base, username, password) {
  await page.goto(`${base}/`);
  await page.waitForURL(/#\/signin/, { timeout: WAIT_MS });
  await page.fill("#username", username);
  await page.fill("#password", password);
  return async () => {
    await page.click("form.signin button[type=submit]");
    await page.waitForSelector("h1:text-is('Projects')", { timeout: WAIT_MS });
  };
}

// The osd element's load counter: the overlay raises it after each annotation fetch it draws.
const loads = (page) => page.locator("#osd").getAttribute("data-loads").then((v) => Number(v ?? 0));

async function main() {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(screenshots, { recursive: true });
  const photoFiles = fs.readdirSync(photos).filter((f) => f.endsWith(".jpg")).sort().map((f) => path.join(photos, f));
  check("the shared Sticky Pi photos are there", photoFiles.length >= 5, photos);

  const { server, base, data } = await startServer();
  const browser = await launchChromium();
  const watchdog = setTimeout(() => {
    console.error(`FAIL the run took over ${WATCHDOG_MS / 1000} s`);
    server.kill("SIGKILL");
    process.exit(1);
  }, WATCHDOG_MS);
  const pageErrors = [];
  let finished = false;
  try {
    const adminPassword = fs.readFileSync(path.join(data, "admin-password"), "utf8").trim();
    const adminToken = await tokenFor(base, "admin", adminPassword);
    const asAdmin = api(base, adminToken);
    const viewerPassword = "viewer-password-e2e";
    check(
      "a second user is created for the permission checks",
      (await asAdmin("POST", "/users", { username: "viewer1", password: viewerPassword })).status === 201,
    );

    // --- the application is served at / -------------------------------------------------------
    const root = await fetch(`${base}/`);
    check("GET / serves the application's page", root.ok && (await root.text()).includes('id="main"'));
    check("with a content security policy that allows no other origin", (root.headers.get("content-security-policy") ?? "").includes("default-src 'self'"));

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("console", (message) => message.type() === "error" && console.error(`     console: ${message.text()}`));
    const requested = [];
    page.on("request", (request) => requested.push(request.url()));
    const offOrigin = () => requested.filter((url) => !url.startsWith(base) && !url.startsWith("data:") && !url.startsWith("blob:"));

    // --- sign in --------------------------------------------------------------------------------
    await page.goto(`${base}/`);
    await page.waitForURL(/#\/signin/, { timeout: WAIT_MS });
    await page.fill("#username", "admin");
    await page.fill("#password", "not-the-password");
    await page.click("form.signin button[type=submit]");
    await page.waitForSelector("#notice:not([hidden])", { timeout: WAIT_MS });
    check("a wrong password is said in words", /password|credentials|sign/i.test(await page.textContent("#notice")), await page.textContent("#notice"));
    await page.fill("#password", adminPassword);
    await shoot(page, "signin");
    await page.click("form.signin button[type=submit]");
    await page.waitForSelector("h1:text-is('Projects')", { timeout: WAIT_MS });
    check("signing in leads to the projects", page.url().includes("#/projects"), page.url());

    // --- a project, its ontology and a member -------------------------------------------------
    await page.fill("#new-project-name", "E2E traps");
    await page.fill("#new-project-description", "made by the browser test");
    await page.click("form[aria-label='New project'] button[type=submit]");
    await page.waitForSelector("h1:text-is('E2E traps')", { timeout: WAIT_MS });
    const projectId = Number(/#\/projects\/(\d+)/.exec(page.url())?.[1]);
    check("creating a project opens it", projectId > 0, page.url());
    await page.goto(`${base}/#/projects`);
    await page.waitForSelector("table[aria-label='Projects'] a:text-is('E2E traps')", { timeout: WAIT_MS });
    await shoot(page, "projects");

    await page.goto(`${base}/#/projects/${projectId}/settings`);
    await page.click("button:text-is('Create an ontology')", { timeout: WAIT_MS });
    await page.waitForSelector("#term-name", { timeout: WAIT_MS });
    await page.fill("#term-name", "insect");
    await page.click("form[aria-label='Add a term'] button[type=submit]");
    await page.waitForSelector("ul[aria-label='Terms'] li:has-text('insect')", { timeout: WAIT_MS });
    await page.fill("#member-user", "viewer1");
    await page.selectOption("#member-role", "viewer");
    await page.click("form[aria-label='Add a member'] button[type=submit]");
    await page.waitForSelector("section[aria-label='Members'] td:text-is('viewer1')", { timeout: WAIT_MS });
    await shoot(page, "settings");
    const members = await asAdmin("GET", `/projects/${projectId}/members`);
    check(
      "the member added in the browser is in /api/v1 as a viewer",
      JSON.stringify(members.json).includes('"viewer"') && JSON.stringify(members.json).includes("viewer1"),
      members.text.slice(0, 300),
    );
    const ontologyId = (await asAdmin("GET", `/projects/${projectId}/ontology`)).json?.ontology_id;
    const terms = (await asAdmin("GET", `/ontologies/${ontologyId}`)).json?.terms ?? [];
    const insect = terms.find((t) => t.name === "insect");
    check("the ontology and its term made in the browser exist", Boolean(insect), JSON.stringify(terms));

    // --- upload two photos, see their thumbnails ----------------------------------------------
    await page.goto(`${base}/#/projects/${projectId}`);
    await page.waitForSelector("#upload-files", { state: "attached", timeout: WAIT_MS });
    await page.setInputFiles("#upload-files", photoFiles.slice(0, 2));
    await page.waitForSelector("ul.uploads progress", { timeout: WAIT_MS });
    check("each upload shows its own progress bar", (await page.locator("ul.uploads progress").count()) >= 1);
    await page.waitForFunction(() => document.querySelector("#notice")?.textContent === "2 files stored", null, { timeout: 60_000 });
    await page.waitForFunction(
      () => {
        const images = [...document.querySelectorAll("ul.grid li.tile img")];
        return images.length === 2 && images.every((img) => img.complete && img.naturalWidth > 0);
      },
      null,
      { timeout: WAIT_MS },
    );
    check("two uploads, two thumbnails drawn", true);
    await shoot(page, "project");
    const listed = await asAdmin("GET", `/images?project=${projectId}&sort=captured_at&order=asc`);
    check("both photos are in /api/v1 with their device", listed.json?.items?.length === 2 && listed.json.items.every((i) => i.device === "0a5bb6f4"), listed.text.slice(0, 300));
    const firstImage = listed.json.items[0];

    await page.goto(`${base}/#/projects/${projectId}?filename=${encodeURIComponent(path.basename(photoFiles[1]))}`);
    await page.waitForFunction((want) => document.querySelector("p.count")?.textContent === want, "1 image", { timeout: WAIT_MS });
    check("the filename filter narrows the grid to one", (await page.locator("ul.grid li.tile").count()) === 1);

    // The rest of the device's photos, for its series.
    for (const file of photoFiles.slice(2)) {
      const stored = await asAdmin("POST", `/projects/${projectId}/images?filename=${encodeURIComponent(path.basename(file))}`, new Uint8Array(fs.readFileSync(file)), {
        "Content-Type": "application/octet-stream",
      });
      if (stored.status !== 201) throw new Error(`seeding ${file}: ${stored.status} ${stored.text}`);
    }

    // --- the viewer: zoom, draw a polygon, assign a term -------------------------------------
    await page.goto(`${base}/#/images/${firstImage.id}`);
    await page.waitForSelector("#osd[data-loads]", { timeout: WAIT_MS });
    check("the viewer opens with its annotation layer loaded", (await loads(page)) >= 1);
    const levelsBefore = new Set(requested.filter((u) => u.includes("_files/")).map((u) => Number(/_files\/(\d+)\//.exec(u)?.[1])));
    const deepestBefore = Math.max(...levelsBefore);
    await page.click("button[aria-label='Zoom in']");
    await page.click("button[aria-label='Zoom in']");
    await page.waitForFunction(
      ([before]) => performance.getEntriesByType("resource").some((e) => Number(/_files\/(\d+)\//.exec(e.name)?.[1] ?? -1) > before),
      [deepestBefore],
      { timeout: WAIT_MS },
    );
    check("zooming in fetches tiles of a deeper level", true);
    const settled = await page.locator("#osd").getAttribute("data-settled").then((v) => Number(v ?? 0));
    await page.click("button:text-is('Fit')");
    await page.waitForFunction((before) => Number(document.querySelector("#osd")?.dataset.settled ?? 0) > before, settled, { timeout: WAIT_MS });

    const box = await page.locator("#osd canvas.annotation-overlay").boundingBox();
    check("the annotation layer covers the viewer", box && box.width > 400 && box.height > 300, JSON.stringify(box));
    await page.focus("#osd");
    await page.keyboard.press("g");
    check("the g key picks the polygon tool", (await page.getAttribute("button:text-is('Polygon')", "aria-pressed")) === "true");
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    for (const [dx, dy] of [[-60, -40], [60, -40], [70, 40], [-50, 50]]) await page.mouse.click(cx + dx, cy + dy);
    await page.keyboard.press("Enter");
    await page.waitForSelector("aside.panel section.selected", { timeout: WAIT_MS });
    const created = await asAdmin("GET", `/annotations?image=${firstImage.id}`);
    check("the polygon drawn is stored", created.json?.items?.length === 1 && /POLYGON/i.test(created.json.items[0].wkt ?? ""), created.text.slice(0, 300));
    const annotationId = created.json.items[0].id;
    await page.check(`aside.panel fieldset.terms input[value='${insect.id}']`);
    await page.waitForFunction((id) => document.querySelector("#notice")?.textContent === `Terms of annotation ${id} saved`, annotationId, { timeout: WAIT_MS });
    await shoot(page, "viewer");

    await page.reload();
    await page.waitForSelector("#osd[data-annotations-shown='1']", { timeout: WAIT_MS });
    const again = await page.locator("#osd canvas.annotation-overlay").boundingBox();
    await page.mouse.click(again.x + again.width / 2, again.y + again.height / 2);
    await page.waitForSelector(`aside.panel section[aria-label='Annotation ${annotationId}']`, { timeout: WAIT_MS });
    check("after a reload the polygon is there, with its term", await page.isChecked(`aside.panel fieldset.terms input[value='${insect.id}']`));
    const stored = await asAdmin("GET", `/annotations/${annotationId}`);
    check("and /api/v1 has it with the term", JSON.stringify(stored.json?.terms) === JSON.stringify([insect.id]), stored.text.slice(0, 300));

    // --- edit the shape: drag its first corner, save with Enter -----------------------------
    const corners = (wkt) => [...wkt.matchAll(/(-?[\d.]+) (-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const before = corners(stored.json.wkt);
    await page.focus("#osd");
    await page.keyboard.press("e");
    await page.waitForSelector("aside.panel button:text-is('Save shape')", { timeout: WAIT_MS });
    await page.mouse.move(cx - 60, cy - 40);
    await page.mouse.down();
    await page.mouse.move(cx - 90, cy - 60, { steps: 5 });
    await page.mouse.move(cx - 120, cy - 80, { steps: 5 });
    await page.mouse.up();
    await shoot(page, "viewer-editing");
    await page.keyboard.press("Enter");
    await page.waitForFunction((id) => document.querySelector("#notice")?.textContent === `Shape of annotation ${id} saved`, annotationId, { timeout: WAIT_MS });
    const after = corners((await asAdmin("GET", `/annotations/${annotationId}`)).json?.wkt ?? "");
    check(
      "dragging a corner moves that corner only, and the ring stays closed",
      after.length === before.length &&
        after[0][0] < before[0][0] - 10 &&
        after[0][1] < before[0][1] - 10 &&
        JSON.stringify(after[0]) === JSON.stringify(after[after.length - 1]) &&
        JSON.stringify(after.slice(1, -1)) === JSON.stringify(before.slice(1, -1)),
      `${JSON.stringify(before)} → ${JSON.stringify(after)}`,
    );

    // --- draw a rectangle and delete it with the Delete key ---------------------------------
    await page.keyboard.press("r");
    await page.mouse.move(cx + 150, cy + 100);
    await page.mouse.down();
    await page.mouse.move(cx + 200, cy + 140, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => /Annotation \d+ saved/.test(document.querySelector("#notice")?.textContent ?? ""), null, { timeout: WAIT_MS });
    const withRectangle = await asAdmin("GET", `/annotations?image=${firstImage.id}`);
    check("the rectangle drawn is stored", withRectangle.json?.items?.length === 2, withRectangle.text.slice(0, 300));
    const rectangleId = withRectangle.json.items.find((a) => a.id !== annotationId).id;
    await page.waitForSelector(`aside.panel section[aria-label='Annotation ${rectangleId}']`, { timeout: WAIT_MS });
    await page.keyboard.press("Delete");
    await page.click("dialog.confirm button.danger");
    await page.waitForFunction((id) => document.querySelector("#notice")?.textContent === `Annotation ${id} deleted`, rectangleId, { timeout: WAIT_MS });
    const afterDelete = await asAdmin("GET", `/annotations?image=${firstImage.id}`);
    check("the Delete key deletes it, after asking", afterDelete.json?.items?.length === 1 && afterDelete.json.items[0].id === annotationId, afterDelete.text.slice(0, 300));

    // --- a device series ----------------------------------------------------------------------
    await page.goto(`${base}/#/series?device=0a5bb6f4`);
    await page.waitForSelector("#series-slider", { timeout: WAIT_MS });
    const count = await page.textContent("p.count");
    check("the series holds the device's five captures", count.startsWith(`${photoFiles.length} captures`), count);
    await page.focus("#series-slider");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => document.querySelector(".series-caption")?.textContent?.startsWith("3 of "), null, { timeout: WAIT_MS });
    await page.waitForFunction(() => {
      const img = document.querySelector("img.series-photo");
      return img?.complete && img.naturalWidth > 0 && img.alt.includes("2020-06-20_20-56-43");
    }, null, { timeout: WAIT_MS });
    check("scrubbing shows the third capture in time order", true);
    await shoot(page, "series");

    // --- a job ----------------------------------------------------------------------------------
    await page.goto(`${base}/#/jobs?project=${projectId}`);
    await page.waitForSelector("#job-analytic", { timeout: WAIT_MS });
    const darkObjects = await page.locator("#job-analytic option", { hasText: "vitrine/dark-objects" }).getAttribute("value");
    await page.selectOption("#job-analytic", darkObjects);
    await page.waitForFunction(() => document.querySelector(".start-job .description")?.textContent?.length > 0, null, { timeout: WAIT_MS });
    await page.fill("#job-device", "0a5bb6f4");
    await page.click(".start-job button[type=submit]");
    await page.waitForURL(/#\/jobs\/\d+/, { timeout: WAIT_MS });
    await page.waitForFunction(() => ["COMPLETE", "FAILED"].includes(document.querySelector("#job-state")?.textContent ?? ""), null, { timeout: 120_000 });
    check("the job started in the browser completes", (await page.textContent("#job-state")) === "COMPLETE", await page.textContent("p.failed"));
    await page.waitForSelector("ul[aria-label='Outputs'] li", { timeout: WAIT_MS });
    await shoot(page, "job");
    const [saved] = await Promise.all([
      page.waitForEvent("download", { timeout: WAIT_MS }),
      page.click("ul[aria-label='Outputs'] button:text-is('dark-objects.json')"),
    ]);
    const summary = JSON.parse(fs.readFileSync(await saved.path(), "utf8"));
    check("the job's output downloads, naming the five photos", saved.suggestedFilename() === "dark-objects.json" && JSON.stringify(summary).split('"image').length - 1 >= photoFiles.length, JSON.stringify(summary).slice(0, 300));
    await page.goto(`${base}/#/jobs`);
    await page.waitForSelector("table[aria-label='Jobs'] td.state.complete", { timeout: WAIT_MS });
    await shoot(page, "jobs");

    await page.goto(`${base}/#/images/${firstImage.id}`);
    await page.waitForSelector("fieldset.runs label:has-text('vitrine/dark-objects')", { timeout: WAIT_MS });
    check("the job's annotation run can be toggled in the viewer", true);

    await page.goto(`${base}/#/account`);
    await page.waitForSelector("h1:text-is('Your account')", { timeout: WAIT_MS });
    await shoot(page, "account");

    await page.goto(`${base}/#/images/999999`);
    await page.waitForSelector("#notice:not([hidden])", { timeout: WAIT_MS });
    check("an image that does not exist is said in words", /not found|no image|999999/i.test(await page.textContent("#notice")), await page.textContent("#notice"));
    await shoot(page, "not-found");

    const browserToken = await page.evaluate(() => sessionStorage.getItem("vitrine.token"));
    check("the browser's session has a token of its own", Boolean(browserToken) && browserToken !== adminToken);
    check("which the API accepts", (await api(base, browserToken)("GET", "/users/me")).status === 200);
    await page.click("button:text-is('Sign out')");
    await page.waitForURL(/#\/signin/, { timeout: WAIT_MS });
    check("signing out forgets the token", (await page.evaluate(() => sessionStorage.getItem("vitrine.token"))) === null);
    const afterSignOut = await api(base, browserToken)("GET", "/users/me");
    check("and the server no longer accepts it", afterSignOut.status === 401, `${afterSignOut.status} ${afterSignOut.text}`);
    check("nothing was fetched from another origin", offOrigin().length === 0, offOrigin().join(", "));
    await context.close();

    // --- a viewer sees no edit controls, and the API refuses edits anyway -------------------
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const viewerPage = await viewerContext.newPage();
    viewerPage.on("pageerror", (error) => pageErrors.push(String(error)));
    const submit = await signIn(viewerPage, base, "viewer1", viewerPassword);
    await submit();
    await viewerPage.goto(`${base}/#/projects/${projectId}`);
    await viewerPage.waitForSelector("ul.grid li.tile", { timeout: WAIT_MS });
    check("a viewer gets no upload area", (await viewerPage.locator(".dropzone").count()) === 0);
    check("nor delete buttons", (await viewerPage.locator("ul.grid button.danger").count()) === 0);
    await viewerPage.goto(`${base}/#/images/${firstImage.id}`);
    await viewerPage.waitForSelector("#osd[data-loads]", { timeout: WAIT_MS });
    check("nor drawing tools", (await viewerPage.locator("button:text-is('Polygon')").count()) === 0);
    const seen = await viewerPage.locator("#osd canvas.annotation-overlay").boundingBox();
    await viewerPage.mouse.click(seen.x + seen.width / 2, seen.y + seen.height / 2);
    await viewerPage.waitForSelector(`aside.panel section[aria-label='Annotation ${annotationId}']`, { timeout: WAIT_MS });
    check("a viewer sees the annotation's terms, not editable", await viewerPage.isDisabled(`aside.panel fieldset.terms input[value='${insect.id}']`));
    check("and no delete button", (await viewerPage.locator("aside.panel button:text-is('Delete annotation')").count()) === 0);
    check("nor an edit button", (await viewerPage.locator("aside.panel button:text-is('Edit shape')").count()) === 0);
    await viewerPage.focus("#osd");
    await viewerPage.keyboard.press("g");
    check("the drawing keys do nothing for a viewer", (await viewerPage.locator("canvas.annotation-overlay.drawing").count()) === 0);
    await shoot(viewerPage, "viewer-as-viewer");
    const viewerToken = await viewerPage.evaluate(() => sessionStorage.getItem("vitrine.token"));
    const asViewer = api(base, viewerToken);
    const refusedCreate = await asViewer("POST", "/annotations", { image_id: firstImage.id, wkt: "POINT (10 10)" });
    check("the API refuses a viewer's annotation", refusedCreate.status === 403, `${refusedCreate.status} ${refusedCreate.text}`);
    const refusedEdit = await asViewer("PATCH", `/annotations/${annotationId}`, { terms: [] });
    check("and a viewer's term change", refusedEdit.status === 403, `${refusedEdit.status} ${refusedEdit.text}`);
    const refusedDelete = await asViewer("DELETE", `/images/${firstImage.id}`);
    check("and a viewer's image deletion", refusedDelete.status === 403, `${refusedDelete.status} ${refusedDelete.text}`);
    check("the annotation is untouched", JSON.stringify((await asAdmin("GET", `/annotations/${annotationId}`)).json?.terms) === JSON.stringify([insect.id]));
    await viewerContext.close();

    check("no script error on any page", pageErrors.length === 0, pageErrors.join(" | "));
    console.log(`${passed} checks passed; screenshots in ${screenshots}`);
    finished = true;
  } finally {
    clearTimeout(watchdog);
    if (!finished) {
      // What the browser showed when a check failed, and what it said.
      for (const [i, open] of browser.contexts().flatMap((c) => c.pages()).entries()) {
        await open.screenshot({ path: path.join(screenshots, `failure-${i}.png`) }).catch(() => undefined);
        console.error(`     at ${open.url()}: ${await open.textContent("#notice").catch(() => "")}`);
      }
      if (pageErrors.length > 0) console.error(`     script errors: ${pageErrors.join(" | ")}`);
    }
    await browser.close().catch(() => undefined);
    server.kill("SIGTERM");
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
