// Signs in once as the account the test command created (EBB_E2E_USER / EBB_E2E_PASSWORD) and
// saves the session cookie for every test; tests about signing in use their own contexts.
import { chromium, FullConfig } from "@playwright/test";

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
  await page.context().storageState({ path: "storage-state.json" });
  await browser.close();
}
