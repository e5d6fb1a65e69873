// Signing in from a fresh browser context (tests that need a second person).
import { Browser } from "@playwright/test";

export async function signIn(browser: Browser, baseURL: string, user: string, password: string, js: boolean) {
  const ctx = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] }, javaScriptEnabled: js });
  const page = await ctx.newPage();
  await page.goto("/login");
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  return { ctx, page };
}
