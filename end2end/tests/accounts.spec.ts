// Accounts in both projects (JavaScript on and off): signing in and out, a viewer cannot
// save a policy, and the audit trail names the person who changed a policy.
import { test, expect, Browser } from "@playwright/test";

async function signIn(browser: Browser, baseURL: string, user: string, password: string, js: boolean) {
  const ctx = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] }, javaScriptEnabled: js });
  const page = await ctx.newPage();
  await page.goto("/login");
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  return { ctx, page };
}

test("a stranger is sent to the login page; a wrong password gets a generic error", async ({ browser, baseURL }, info) => {
  const js = info.project.name === "hydrated";
  const { ctx, page } = await signIn(browser, baseURL!, "e2e", "not the password", js);
  await expect(page.locator("#login-message")).toHaveText("Unknown user or wrong password.");
  await page.goto("/history");
  await expect(page).toHaveURL(/\/login\?next=%2Fhistory/);
  await page.screenshot({ path: `screenshots/${info.project.name}-login.png` });
  await ctx.close();
});

test("sign out ends the session", async ({ browser, baseURL, page }, info) => {
  const js = info.project.name === "hydrated";
  // A separate account so the shared session stays valid.
  await page.goto("/admin");
  const name = `out-${info.project.name}-${Date.now()}`;
  await page.getByLabel("User name").fill(name);
  await page.getByRole("button", { name: "Add user" }).click();
  const password = (await page.locator("#one-time-password").textContent())!.trim();
  const { ctx, page: p } = await signIn(browser, baseURL!, name, password, js);
  await expect(p.locator("#user-name")).toHaveText(name);
  await p.getByRole("button", { name: "Sign out" }).click();
  await expect(p.locator("#login-message")).toHaveText("You are signed out.");
  await p.goto("/");
  await expect(p).toHaveURL(/\/login/);
  await ctx.close();
});

test("a viewer cannot save a policy, and the audit trail names who changed one", async ({ browser, baseURL, page }, info) => {
  const js = info.project.name === "hydrated";
  await page.goto("/admin");
  const viewer = `viewer-${info.project.name}-${Date.now()}`;
  await page.getByLabel("User name").fill(viewer);
  await page.locator("#new-role").selectOption("viewer");
  await page.getByRole("button", { name: "Add user" }).click();
  const password = (await page.locator("#one-time-password").textContent())!.trim();
  await page.screenshot({ path: `screenshots/${info.project.name}-admin.png`, fullPage: true });

  const { ctx, page: v } = await signIn(browser, baseURL!, viewer, password, js);
  await v.goto("/policies/new");
  const policyName = `viewer-try-${info.project.name}-${Date.now()}`;
  await v.getByLabel("Name", { exact: true }).fill(policyName);
  await v.getByLabel("Comment", { exact: false }).first().fill("should not be stored");
  await v.getByRole("button", { name: /^Save/ }).first().click();
  await expect(v.getByText(/not allowed|needs editor/i).first()).toBeVisible();
  await v.goto("/policies");
  await expect(v.getByText(policyName)).toHaveCount(0);
  await ctx.close();

  await page.goto("/audit");
  const entry = page.locator(".audit-entry", { hasText: "policy." }).first();
  await expect(entry.locator(".actor")).toHaveText(/e2e|ebb \(demo seed\)/);
  await expect(page.locator(".audit-entry .actor", { hasText: "e2e" }).first()).toBeVisible();
  await page.screenshot({ path: `screenshots/${info.project.name}-audit.png`, fullPage: true });
});
