// JavaScript on: a decision reaches open pages without a reload (workload page and History),
// and the CSV export downloads the filtered rows.
import { test, expect } from "@playwright/test";
import * as fs from "fs";

test("a pin produces a decision that appears live on the workload page and in History", async ({ page, context }) => {
  test.setTimeout(90_000);
  await page.goto("/workloads");
  await page.getByRole("link", { name: "search" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "search" })).toBeVisible();
  await expect(page.locator(".live-badge")).toHaveAttribute("data-state", "live", { timeout: 15_000 });
  const workloadUrl = page.url();
  const id = workloadUrl.split("/").pop();
  const history = await context.newPage();
  await history.goto(`/history?workload=${id}`);
  await expect(history.locator(".live-badge")).toHaveAttribute("data-state", "live", { timeout: 15_000 });
  const before = await history.locator("#history-table tbody tr").count();

  let navigations = 0;
  page.on("framenavigated", () => navigations++);
  await page.locator("#ov-kind").selectOption("pin");
  await page.locator("#ov-replicas").fill("7");
  await page.locator("#ov-minutes").fill("5");
  await page.locator("#ov-reason").fill("e2e: load test");
  await page.getByRole("button", { name: "Apply override" }).click();
  await expect(page.locator(".overrides .override.active")).toContainText("Pinned at 7");
  // The next evaluations (every 10 s) apply the pin: in one step, or two when HPA's scale-up
  // rate limit caps the first (a workload the demo's schedule has only just raised to 2).
  await expect(page.locator("#replicas")).toContainText("7 /", { timeout: 45_000 });
  await expect(page.locator("#decision-list .decision").first()).toContainText(/pinned/i, { timeout: 15_000 });
  await expect(history.locator("#history-table tbody tr").first()).toContainText(/pinned/i, { timeout: 15_000 });
  expect(await history.locator("#history-table tbody tr").count()).toBeGreaterThan(before);
  await page.screenshot({ path: "screenshots/hydrated-workload.png", fullPage: true });
  await history.screenshot({ path: "screenshots/hydrated-history-live.png", fullPage: true });

  // End it again so other tests see the policy at work.
  await page.getByRole("button", { name: "End now" }).click();
  await expect(page.locator(".overrides .override.active")).toHaveCount(0);
});

test("the chart draws load and replicas with uPlot", async ({ page }) => {
  await page.goto("/workloads");
  await page.getByRole("link", { name: "nasa-web" }).click();
  await expect(page.locator("#workload-chart canvas")).toBeVisible({ timeout: 15_000 });
  await expect(page.locator("#workload-chart")).toHaveAttribute("data-drawn", /[1-9]/);
});

test("CSV export downloads exactly the filtered rows", async ({ page }) => {
  await page.goto("/history");
  await page.locator("#f-workload").selectOption({ label: "thumbnailer" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/workload=/);
  // The controller may not have evaluated thumbnailer yet when this runs right after start-up:
  // matching decisions arrive live, so wait for the first one before exporting.
  await expect(page.locator("#history-table tbody tr[data-decision]").first()).toBeVisible({ timeout: 60_000 });
  const download = page.waitForEvent("download");
  await page.locator("#export-csv").click();
  const file = await (await download).path();
  const lines = fs.readFileSync(file!, "utf8").trim().split("\n");
  expect(lines[0]).toBe("id,at,workload,current_replicas,desired_replicas,direction,reason,outcome,sentence,error");
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines.slice(1)) {
    expect(line.split(",")[2]).toBe("thumbnailer");
  }
});
