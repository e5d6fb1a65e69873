// Signing in from a fresh browser context (tests that need a second person). An account made
// with a one-time password lands on the password form first; `signIn` chooses its own
// password there, as a person must, and `ownPassword` says which.
import { Browser, Page, expect } from "@playwright/test";

/// The password a test account chooses in place of its one-time password.
export function ownPassword(oneTime: string): string {
  return `${oneTime}-own-choice`;
}

/// On the account page after a sign-in with a one-time password: replaces it (the form works
/// with JavaScript on and off), waits until the rest of the site opens and goes to the overview.
export async function replaceOneTimePassword(page: Page, oneTime: string) {
  if (!new URL(page.url()).pathname.startsWith("/account")) return;
  await expect(page.locator("#first-password")).toBeVisible();
  await page.getByLabel("Current password").fill(oneTime);
  await page.getByLabel("New password (12 characters or more)").fill(ownPassword(oneTime));
  await page.getByLabel("New password again").fill(ownPassword(oneTime));
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(async () => {
    const res = await page.request.get("/", { maxRedirects: 0 });
    expect(res.status()).toBe(200);
  }).toPass({ timeout: 15_000 });
  await page.goto("/");
}

export async function signIn(browser: Browser, baseURL: string, user: string, password: string, js: boolean) {
  const ctx = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] }, javaScriptEnabled: js });
  const page = await ctx.newPage();
  await page.goto("/login");
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState();
  await replaceOneTimePassword(page, password);
  return { ctx, page };
}
