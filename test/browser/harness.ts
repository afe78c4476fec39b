// Shared by the browser tests: finding Debian's Chromium (skip when it is missing on a developer's
// machine, fail in CI), launching it through playwright-core, and collecting every console error,
// uncaught page error and CSP violation of a page so a test can assert there were none.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = fileURLToPath(new URL('./artifacts/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * `false` when Chromium is there; otherwise the reason to skip. In CI a missing browser is an
 * error (.ci/run installs it), never a silent skip.
 */
export function skipWithoutChromium(): string | false {
  if (existsSync(CHROMIUM_PATH)) return false;
  const message = `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`;
  if (IN_CI) throw new Error(`${message}. CI=true, so the browser tests fail instead of skipping.`);
  process.stderr.write(`# skipping the browser tests: ${message}\n`);
  return message;
}

/**
 * describe() for a suite that needs Chromium. Without it (and not in CI) the suite is one skipped
 * test carrying the reason, so the runner's summary counts it as skipped rather than showing nothing.
 */
export function describeInChromium(name: string, options: { timeout: number }, fn: () => void): void {
  const skip = skipWithoutChromium();
  if (skip) it(name, { skip }, () => {});
  else describe(name, options, fn);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface PageProblems {
  /** console.error messages, uncaught exceptions, and CSP violations, in order. */
  errors: string[];
  /** Failed requests and HTTP errors (status ≥ 400). */
  requests: string[];
}

/** Records everything that went wrong on `page` from now on. */
export function watchPage(page: Page): PageProblems {
  const problems: PageProblems = { errors: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.errors.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => problems.requests.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.requests.push(`${response.url()}: HTTP ${response.status()}`);
  });
  return problems;
}

/** Adds a listener for CSP violations before any page script runs; read them with cspViolations(). */
export async function recordCspViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
}

export async function ensureArtifactsDir(): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return ARTIFACTS_DIR;
}
