// Signs in once as the account the test command created (EBB_E2E_USER / EBB_E2E_PASSWORD) and
// saves the session cookie for every test; tests about signing in use their own contexts. The
// account's one-time password is replaced first, as the server requires.
import { chromium, FullConfig } from "@playwright/test";
import { ownPassword, replaceOneTimePassword } from "./tests/session";

export default async function globalSetup(config: FullConfig) {
  const project = config.projects[0];
  const baseURL = project.use.baseURL as string;
  const user = process.env.EBB_E2E_USER || "e2e";
  const password = process.env.EBB_E2E_PASSWORD || "";
  const browser = await chromium.launch(project.use.launchOptions);
  const page = await browser.newPage({ baseURL });
  await page.goto("/login");
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  // The account was made with a one-time password: choose our own, and give it to the tests
  // (environment variables set here reach them).
  await replaceOneTimePassword(page, password);
  process.env.EBB_E2E_PASSWORD = ownPassword(password);
  await page.context().storageState({ path: "storage-state.json" });
  await browser.close();
}
