// JavaScript on: the engine's validation runs in the browser as the user types (no request),
// and lint warnings appear before saving.
import { test, expect } from "@playwright/test";
import { signIn } from "./policies.auth";

test.beforeEach(async ({ page, baseURL }) => { await signIn(page, baseURL); });

test("validation runs in the browser while editing", async ({ page }, info) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto("/policies/new");
  let posts = 0;
  page.on("request", (r) => { if (r.method() === "POST") posts++; });
  // Typing before hydration changes nothing; retry until the wasm validates.
  await expect(async () => {
    await page.locator("#f-min_replicas").fill("");
    await page.locator("#f-min_replicas").fill("9");
    await page.locator("#f-max_replicas").fill("4");
    await expect(page.locator("#f-min_replicas-error")).toContainText("greater than max_replicas", { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.locator("#error-summary")).toBeVisible();
  await page.locator("#f-min_replicas").fill("2");
  await expect(page.locator("#f-min_replicas-error")).toHaveCount(0);
  await expect(page.locator("#error-summary")).toHaveCount(0);
  // Lints show before saving: two schedules whose windows overlap.
  await page.getByRole("button", { name: "Add schedule" }).click();
  await page.locator("#f-schedules-0-name").fill("a");
  await page.locator("#f-schedules-0-cron").fill("0 8 * * *");
  await page.locator("#f-schedules-0-min_replicas").fill("3");
  await page.getByRole("button", { name: "Add schedule" }).click();
  await page.locator("#f-schedules-1-name").fill("b");
  await page.locator("#f-schedules-1-cron").fill("30 8 * * *");
  await page.locator("#f-schedules-1-min_replicas").fill("4");
  await expect(page.locator("#lints")).toContainText("overlaps");
  expect(posts).toBe(0);
  expect(errors).toEqual([]);
  await page.screenshot({ path: `screenshots/${info.project.name}-policy-live-validation.png`, fullPage: true });

  // Saving goes through the server function client (a fetch), not a page load.
  const fetched: string[] = [];
  page.on("request", (r) => { if (r.resourceType() === "fetch") fetched.push(r.url()); });
  await page.locator("#f-name").fill(`live-${Date.now().toString(36)}`);
  await page.locator("#f-comment").fill("saved from the live page");
  await page.locator("#save-policy").click();
  await expect(page).toHaveURL(/\?saved=1$/);
  expect(fetched.some((u) => u.endsWith("/api/policy_submit"))).toBe(true);
  expect(errors).toEqual([]);
});
