// The policy editor in both projects (JavaScript on and off): an invalid policy shows its field
// error and stores nothing; a valid one becomes version 1; an edit becomes version 2 with a
// diff; rollback makes version 3 with version 1's body; a what-if run shows both curves.
// Screenshots go to end2end/screenshots/.
import { test, expect, Page } from "@playwright/test";
import { signIn } from "./policies.auth";

test.beforeEach(async ({ page, baseURL }) => { await signIn(page, baseURL); });

function uniqueName(prefix: string, project: string): string {
  return `${prefix}-${project}-${Date.now().toString(36)}`;
}

async function newPolicy(page: Page, name: string, comment = "first version") {
  await page.goto("/policies/new");
  await expect(page.getByRole("heading", { level: 1, name: "New policy" })).toBeVisible();
  await page.locator("#f-name").fill(name);
  await page.locator("#f-comment").fill(comment);
}

test("an invalid policy shows the field error and stores nothing", async ({ page }, info) => {
  const name = uniqueName("invalid", info.project.name);
  await newPolicy(page, name);
  // Rows can be added and removed (in place with JavaScript, by a round trip without).
  await page.getByRole("button", { name: "Add metric" }).click();
  await expect(page.locator('input[name="metrics[1][target_value]"]')).toBeVisible();
  await page.getByRole("button", { name: "Remove metric 2" }).click();
  await expect(page.locator('input[name="metrics[1][target_value]"]')).toHaveCount(0);
  await expect(page.locator("#f-name")).toHaveValue(name);

  await page.locator("#f-max_replicas").fill("0");
  await page.locator("#f-comment").fill("should not be stored");
  await page.locator("#save-policy").click();
  await expect(page.locator("#error-summary")).toContainText("nothing was saved");
  await expect(page.locator("#f-max_replicas-error")).toContainText("max_replicas must be at least 1");
  await expect(page.locator("#f-max_replicas")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#f-name")).toHaveValue(name);
  await page.screenshot({ path: `screenshots/${info.project.name}-policy-invalid.png`, fullPage: true });

  await page.goto("/policies");
  await expect(page.getByRole("heading", { level: 1, name: "Policies" })).toBeVisible();
  await expect(page.locator(`tr[data-policy="${name}"]`)).toHaveCount(0);
});

test("save, edit with a diff, and roll back make versions 1, 2 and 3", async ({ page }, info) => {
  const name = uniqueName("web", info.project.name);
  await newPolicy(page, name);
  await page.locator("#f-max_replicas").fill("10");
  await page.locator("#save-policy").click();
  await expect(page).toHaveURL(/\/policies\/\d+\?saved=1$/);
  await expect(page.getByRole("heading", { level: 1, name: `Policy ${name} (v1)` })).toBeVisible();
  await expect(page.locator("#saved-notice")).toHaveText("Saved version 1.");

  // Edit: version 2, with a field-by-field diff.
  await page.locator("#f-max_replicas").fill("7");
  await page.locator("#f-cooldown-scale_down_secs").fill("120");
  await page.locator("#f-comment").fill("tighter cap");
  await page.locator("#save-policy").click();
  await expect(page).toHaveURL(/\?saved=2$/);
  await expect(page.getByRole("heading", { level: 1, name: `Policy ${name} (v2)` })).toBeVisible();
  const v2 = page.locator('tr[data-version="2"]');
  await expect(v2).toContainText("tighter cap");
  await v2.locator("summary").click();
  const diff = page.locator("#diff-v2");
  await expect(diff).toContainText("2 changed");
  await expect(diff.locator("tr", { hasText: "max_replicas" })).toContainText("10");
  await expect(diff.locator("tr", { hasText: "max_replicas" })).toContainText("7");
  await expect(diff.locator("tr", { hasText: "cooldown.scale_down_secs" })).toContainText("120");
  await page.screenshot({ path: `screenshots/${info.project.name}-policy-v2-diff.png`, fullPage: true });

  // Rollback to version 1: a new version 3 with version 1's body.
  await page.locator("#rollback-reason-1").fill("cap too tight");
  await page.locator("#rollback-1").click();
  await expect(page).toHaveURL(/\?saved=3$/);
  await expect(page.getByRole("heading", { level: 1, name: `Policy ${name} (v3)` })).toBeVisible();
  await expect(page.locator('tr[data-version="3"]')).toContainText("rollback to v1: cap too tight");
  await expect(page.locator("#f-max_replicas")).toHaveValue("10");
  await expect(page.locator("#f-cooldown-scale_down_secs")).toHaveValue("300");

  await page.goto("/policies");
  await expect(page.locator(`tr[data-policy="${name}"]`)).toContainText("v3");
  await page.screenshot({ path: `screenshots/${info.project.name}-policies.png`, fullPage: true });
});

test("a what-if run shows the edited, the current and HPA's default policy's curves", async ({ page }, info) => {
  const name = uniqueName("whatif", info.project.name);
  await newPolicy(page, name);
  await page.locator("#save-policy").click();
  await expect(page).toHaveURL(/\?saved=1$/);

  await page.locator("#f-max_replicas").fill("3");
  await page.locator("#f-whatif-source").selectOption("trace");
  await page.locator("#f-whatif-trace").selectOption("aws_elb_requests_8c0756.csv");
  await page.locator("#f-whatif-compare").selectOption("both");
  await page.locator("#preview-policy").click();
  const result = page.locator("#whatif-result");
  await expect(result).toBeVisible({ timeout: 20_000 });
  if (info.project.name === "hydrated") {
    // Live page: uPlot draws both curves (the SVG fallback is hidden).
    await expect(result.locator(".series-chart canvas")).toBeVisible({ timeout: 10_000 });
    await expect(result.locator(".series-chart .u-legend")).toContainText("edited");
    await expect(result.locator(".series-chart .u-legend")).toContainText("current");
    await expect(result.locator(".series-chart .u-legend")).toContainText("HPA defaults");
  } else {
    await expect(result.locator('polyline[data-series="edited"]')).toBeVisible();
    await expect(result.locator('polyline[data-series="current"]')).toBeVisible();
    await expect(result.locator('polyline[data-series="other"]')).toBeVisible();
  }
  await expect(result.locator('tr[data-run="edited"]')).toContainText(/\d/);
  await expect(result.locator('tr[data-run="current v1"]')).toContainText(/\d/);
  await expect(result.locator('tr[data-run="HPA defaults"]')).toContainText(/\d/);
  // The whole 14-day trace was replayed.
  await expect(result).not.toContainText("replayed the first");
  // The form keeps what was typed.
  await expect(page.locator("#f-max_replicas")).toHaveValue("3");
  await result.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `screenshots/${info.project.name}-policy-whatif.png`, fullPage: true });
});

test("a long what-if runs in the background with its progress and can be cancelled", async ({ page }, info) => {
  const name = uniqueName("longwhatif", info.project.name);
  await newPolicy(page, name);
  // The 215-day taxi trace, three policies: far longer than a request waits.
  await page.locator("#f-whatif-source").selectOption("trace");
  await page.locator("#f-whatif-trace").selectOption("nyc_taxi_passengers_30min.csv");
  await page.locator("#f-whatif-compare").selectOption("both");
  await page.locator("#preview-policy").click();
  const progress = page.locator("#whatif-progress");
  await expect(progress).toBeVisible({ timeout: 20_000 });
  await expect(progress).toContainText("replaying");
  await expect(progress.locator("progress")).toBeVisible();
  await page.screenshot({ path: `screenshots/${info.project.name}-policy-whatif-progress.png`, fullPage: true });
  await page.locator("#cancel-whatif").click();
  await expect(page.locator("#whatif-stopped")).toContainText("Cancelled: you stopped it.", { timeout: 20_000 });
  await expect(progress).toHaveCount(0);
});
