// JavaScript on: the page hydrates without errors and a client-side interaction works (the
// refresh button re-reads the status through a server function, without a page load).
import { test, expect } from "@playwright/test";

test("hydrates and refreshes the status in place", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto("/");
  const status = page.locator("#status");
  await expect(status).toBeVisible();
  let navigations = 0;
  page.on("framenavigated", () => navigations++);
  // Clicks before the wasm has loaded are ordinary form submissions; retry until hydrated.
  await expect(async () => {
    await page.locator("#refresh-status").click();
    await expect(status).toHaveAttribute("data-checks", /^[1-9]/, { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  expect(errors).toEqual([]);
  const before = navigations;
  await page.locator("#refresh-status").click();
  await expect(status).toHaveAttribute("data-checks", /^[2-9]/);
  expect(navigations).toBe(before);
});
