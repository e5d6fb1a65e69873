// The Backends page in both projects (JavaScript on and off), as the e2e user (admin): register
// a Swarm backend on a socket that does not exist, test its connection and read a clear error,
// edit it (a bad socket path is refused beside its field, then a good edit is shown), and
// remove it. Screenshots go to end2end/screenshots/.
import { test, expect, Page, Locator } from "@playwright/test";
import { signIn } from "./policies.auth";

test.beforeEach(async ({ page, baseURL }) => { await signIn(page, baseURL); });

const MISSING = "/tmp/ebb-e2e-missing.sock";
const MOVED = "/tmp/ebb-e2e-moved.sock";

function uniqueName(prefix: string, project: string): string {
  return `${prefix}-${project}-${Date.now().toString(36)}`;
}

// The panel of backend `name` (its heading holds the name and the kind badge).
function panel(page: Page, name: string, kind = "swarm"): Locator {
  return page.locator("section.backend", {
    has: page.locator("h2", { hasText: new RegExp(`^${name}\\s*${kind}$`) }),
  });
}

test("register, test, edit and remove a Swarm backend", async ({ page }, info) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const name = uniqueName("e2e-swarm", info.project.name);

  // Register.
  await page.goto("/backends");
  await expect(page.getByRole("heading", { level: 1, name: "Backends" })).toBeVisible();
  await page.locator("#sw-name").fill(name);
  await page.locator("#sw-socket").fill(MISSING);
  await page.locator("#register-swarm").getByRole("button", { name: "Register backend" }).click();
  await expect(page).toHaveURL(/\/backends$/);
  const registered = panel(page, name);
  await expect(registered).toBeVisible();
  await expect(registered.locator("dd").first()).toHaveText(`unix://${MISSING}`);

  // Test the connection: the daemon is not there, and the panel says so and what to check.
  await registered.getByRole("button", { name: "Test connection" }).click();
  await expect(page).toHaveURL(/\/backends\?test=\d+$/);
  const result = panel(page, name).locator(".test-result");
  await expect(result).toContainText("connection test failed", { timeout: 15_000 });
  await expect(result).toContainText(MISSING);
  await expect(result).toContainText("is dockerd running");
  await page.screenshot({ path: `screenshots/${info.project.name}-backend-test.png`, fullPage: true });

  // Edit: a relative socket path is refused beside its field and changes nothing.
  await panel(page, name).getByRole("link", { name: "Edit settings" }).click();
  await expect(page).toHaveURL(/\/backends\?edit=\d+$/);
  const form = panel(page, name).locator("#edit-swarm");
  await expect(form).toBeVisible();
  await expect(form.locator("#ed-socket")).toHaveValue(MISSING);
  await form.locator("#ed-socket").fill("relative.sock");
  await form.locator("#save-backend").click();
  await expect(panel(page, name).locator(".field-error")).toContainText("the socket path must be absolute");
  await expect(panel(page, name).locator("dd").first()).toHaveText(`unix://${MISSING}`);

  // A good edit: new name, socket and label filter.
  const edited = `${name}-ed`;
  const again = panel(page, name).locator("#edit-swarm");
  await again.locator("#ed-name").fill(edited);
  await again.locator("#ed-socket").fill(MOVED);
  await again.locator("#ed-host").fill("");
  await again.locator("#ed-label").fill("team=web");
  await again.locator("#save-backend").click();
  await expect(page).toHaveURL(/\/backends$/);
  const moved = panel(page, edited);
  await expect(moved).toBeVisible();
  await expect(moved.locator("dd").nth(0)).toHaveText(`unix://${MOVED}`);
  await expect(moved.locator("dd").nth(1)).toHaveText("team=web");
  await expect(panel(page, name)).toHaveCount(0);
  await expect(moved.locator("#edit-swarm")).toHaveCount(0);
  await page.screenshot({ path: `screenshots/${info.project.name}-backend-edited.png`, fullPage: true });

  // Remove: a confirmation step in the panel, then the backend is gone.
  await moved.getByRole("link", { name: "Remove…" }).click();
  await expect(page).toHaveURL(/\/backends\?remove=\d+$/);
  const confirm = panel(page, edited).locator(".remove-backend");
  await expect(confirm).toContainText(`Remove backend ${edited}?`);
  await expect(confirm).toContainText("It has no workloads");
  await confirm.locator("#confirm-remove").click();
  await expect(page).toHaveURL(/\/backends$/);
  await expect(panel(page, edited)).toHaveCount(0);
  await page.goto("/backends");
  await expect(panel(page, edited)).toHaveCount(0);

  if (info.project.name === "hydrated") expect(errors).toEqual([]);
});

test("register a Kubernetes backend by URL and token, test it, remove it", async ({ page }, info) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const name = uniqueName("e2e-k8s", info.project.name);
  const token = `e2e-secret-token-${Date.now()}`;
  await page.goto("/backends");
  const form = page.locator("#register-kubernetes");
  await expect(form).toBeVisible();

  // A kubeconfig that is not on the server is refused beside its field.
  await form.locator("#k8-name").fill(name);
  await form.locator("#k8-connection").selectOption("kubeconfig");
  await form.locator("#k8-kubeconfig").fill("/nonexistent/kubeconfig");
  await form.getByRole("button", { name: "Register backend" }).click();
  await expect(page.locator("#register-kubernetes .field-error")).toContainText("there is no file /nonexistent/kubeconfig");
  await expect(panel(page, name, "kubernetes")).toHaveCount(0);

  // URL and token (nothing listens there): registered, the token never shown.
  const again = page.locator("#register-kubernetes");
  await again.locator("#k8-name").fill(name);
  await again.locator("#k8-connection").selectOption("url");
  await again.locator("#k8-url").fill("https://127.0.0.1:9");
  await again.locator("#k8-token").fill(token);
  await again.locator("#k8-namespaces").fill("shop, payments");
  await again.getByRole("button", { name: "Register backend" }).click();
  await expect(page).toHaveURL(/\/backends$/);
  const registered = panel(page, name, "kubernetes");
  await expect(registered).toBeVisible();
  await expect(registered).toContainText("https://127.0.0.1:9 with a bearer token");
  await expect(registered).toContainText("namespace shop, payments; objects labelled ebb.io/enabled=true");
  expect(await page.content()).not.toContain(token);

  await registered.getByRole("button", { name: "Test connection" }).click();
  const result = panel(page, name, "kubernetes").locator(".test-result");
  await expect(result).toContainText("connection test failed", { timeout: 15_000 });
  await expect(result).toContainText("unreachable");
  await page.screenshot({ path: `screenshots/${info.project.name}-backend-kubernetes.png`, fullPage: true });

  await panel(page, name, "kubernetes").getByRole("link", { name: "Remove…" }).click();
  await panel(page, name, "kubernetes").locator("#confirm-remove").click();
  await expect(page).toHaveURL(/\/backends$/);
  await expect(panel(page, name, "kubernetes")).toHaveCount(0);
  if (info.project.name === "hydrated") expect(errors).toEqual([]);
});

test("add, test, edit and remove a Prometheus server; Test query in the policy editor says what failed", async ({ page }, info) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const name = uniqueName("e2e-prom", info.project.name);
  const token = `e2e-prom-token-${Date.now()}`;
  await page.goto("/backends");
  const form = page.locator("#register-prometheus");
  await expect(form).toBeVisible();

  // Nothing listens on port 9: registered (the token never shown), and the test says so.
  await form.locator("#pr-name").fill(name);
  await form.locator("#pr-url").fill("http://127.0.0.1:9");
  await form.locator("#pr-auth").selectOption("bearer");
  await form.locator("#pr-secret").fill(token);
  await form.getByRole("button", { name: "Add server" }).click();
  const item = page.locator("#prometheus-list li", { hasText: name });
  await expect(item).toContainText("http://127.0.0.1:9, bearer token, timeout 5000 ms");
  expect(await page.content()).not.toContain(token);
  await item.getByRole("button", { name: "Test connection" }).click();
  await expect(page.locator("#prometheus-list li", { hasText: name }).locator(".test-result"))
    .toContainText("cannot be reached", { timeout: 15_000 });

  // Edit in place: skip-verify over http:// is refused beside its field; a new timeout is kept
  // with the token (left empty).
  await page.locator("#prometheus-list li", { hasText: name }).getByRole("link", { name: "Edit settings" }).click();
  const edit = page.locator("#edit-prometheus");
  await expect(edit.locator("#pe-url")).toHaveValue("http://127.0.0.1:9");
  await expect(edit.locator("#pe-secret")).toHaveAttribute("placeholder", /set — leave empty to keep it/);
  await edit.locator("#pe-skip").check();
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator("#edit-prometheus .field-error")).toContainText("only checked over https://");
  await page.locator("#edit-prometheus #pe-skip").uncheck();
  await page.locator("#edit-prometheus #pe-timeout").fill("900");
  await page.locator("#edit-prometheus").getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator("#prometheus-list li", { hasText: name }))
    .toContainText("http://127.0.0.1:9, bearer token, timeout 900 ms");
  await expect(page.locator("#edit-prometheus")).toHaveCount(0);
  await page.locator("#prometheus").screenshot({ path: `screenshots/${info.project.name}-backend-prometheus.png` });

  // The policy editor's Test query runs on that server and shows exactly what failed.
  await page.goto("/policies/new");
  await page.locator("#f-metrics-0-source").selectOption("prometheus");
  await page.locator("#f-metrics-0-server").fill(name);
  await page.locator("#f-metrics-0-query").fill('sum(rate(http_requests_total{service="{name}"}[1m]))');
  await page.locator("#test-query-0").click();
  const result = page.locator("#test-query-result-0");
  await expect(result).toContainText("cannot be reached", { timeout: 15_000 });
  await expect(page.locator("#f-metrics-0-query")).toHaveValue('sum(rate(http_requests_total{service="{name}"}[1m]))');

  // Removed (no policy queries it).
  await page.goto("/backends");
  await page.locator("#prometheus-list li", { hasText: name }).getByRole("button", { name: "Remove" }).click();
  await expect(page.locator("#prometheus-list li", { hasText: name })).toHaveCount(0);
  if (info.project.name === "hydrated") expect(errors).toEqual([]);
});
