// The page shell in both projects: every section renders with navigation and a title, the 404
// page, keyboard access to the navigation, and a phone-width layout. Screenshots go to
// end2end/screenshots/ for people to look at.
import { test, expect } from "@playwright/test";

const sections = [
  { path: "/", name: "Overview" },
  { path: "/workloads", name: "Workloads" },
  { path: "/policies", name: "Policies" },
  { path: "/history", name: "History" },
  { path: "/audit", name: "Audit" },
];

test("every section renders with navigation and title", async ({ page }, info) => {
  for (const s of sections) {
    await page.goto(s.path);
    await expect(page.getByRole("heading", { level: 1, name: s.name })).toBeVisible();
    await expect(page).toHaveTitle(`${s.name} · ebb`);
    const nav = page.getByRole("navigation", { name: "Primary" });
    for (const other of sections) {
      await expect(nav.getByRole("link", { name: other.name, exact: true })).toBeVisible();
    }
    await expect(nav.getByRole("link", { name: s.name, exact: true })).toHaveAttribute("aria-current", "page");
    await page.screenshot({ path: `screenshots/${info.project.name}-${s.name.toLowerCase()}.png`, fullPage: true });
  }
});

test("unknown address shows the 404 page", async ({ page }, info) => {
  const res = await page.goto("/no/such/page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await page.screenshot({ path: `screenshots/${info.project.name}-404.png` });
});

test("navigation works from the keyboard", async ({ page }) => {
  await page.goto("/");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Overview", exact: true })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Workloads" })).toBeVisible();
});

test("phone width keeps everything reachable without sideways scrolling", async ({ page }, info) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Audit", exact: true })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `screenshots/${info.project.name}-phone-overview.png`, fullPage: true });
  // Wide tables (instances, history) scroll inside their panel, never the page.
  for (const path of ["/workloads/1", "/workloads/2", "/workloads/3", "/history", "/audit", "/backends"]) {
    await page.goto(path);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(wide, path).toBeLessThanOrEqual(0);
  }
});
