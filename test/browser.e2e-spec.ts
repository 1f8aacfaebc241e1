import { existsSync } from 'node:fs';
import { Browser, chromium, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { ADMIN_KEY, testConfig, TestDatabase, TestRedisPrefix } from './support/infra';

/** Debian's Chromium (.ci/run installs it); never a browser a tool downloads. */
const CHROMIUM = '/usr/bin/chromium';
/** A host name that is not loopback to the browser: mapped to the server by Chromium's resolver. */
const HOST = 'kra-api.test';

// CI installs Chromium, so there the test always runs; on a developer machine without it, it is skipped.
const runs = existsSync(CHROMIUM) || process.env.CI === 'true';

describe.runIf(runs)(
  'Swagger UI and the queue dashboard in a real browser, reached by a host name over plain HTTP',
  () => {
    const database = new TestDatabase();
    const redis = new TestRedisPrefix();
    let api: RunningApi;
    let browser: Browser;
    let origin: string;

    beforeAll(async () => {
      await database.create();
      api = await startApi(testConfig(database, redis));
      origin = `http://${HOST}:${new URL(api.baseUrl).port}`;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
        ],
      });
    });

    afterAll(async () => {
      await browser?.close();
      await api?.close();
      await database.drop();
      await redis.clear();
    });

    /** Opens a page, recording every request that failed and every one that left our server. */
    async function open(url: string): Promise<{ page: Page; failed: string[]; external: string[] }> {
      const context = await browser.newContext();
      const page = await context.newPage();
      const failed: string[] = [];
      const external: string[] = [];
      page.on('requestfailed', (request) =>
        failed.push(`${request.url().replace(ADMIN_KEY, 'KEY')}: ${request.failure()?.errorText ?? ''}`),
      );
      page.on('request', (request) => {
        if (
          !request
            .url()
            .replace(/\/\/[^@/]*@/, '//')
            .startsWith(origin)
        )
          external.push(request.url());
      });
      await page.goto(url, { waitUntil: 'networkidle' });
      return { page, failed, external };
    }

    it('should render /docs with its route groups', async () => {
      const { page, failed, external } = await open(`${origin}/docs`);
      await page.locator('.opblock-tag').first().waitFor({ timeout: 10_000 });
      const groups = await page.locator('.opblock-tag').allInnerTexts();
      expect(groups.map((group) => group.split('\n')[0].trim())).toEqual(
        expect.arrayContaining(['collection', 'jobs', 'races', 'legacy']),
      );
      expect(failed).toEqual([]);
      expect(external).toEqual([]);
      await page.context().close();
    });

    it('should render the queue dashboard opened with the key in the URL: translated, no external fonts', async () => {
      const { page, failed, external } = await open(
        `http://admin:${ADMIN_KEY}@${HOST}:${new URL(api.baseUrl).port}/admin/queues`,
      );
      await page.getByText('collection', { exact: true }).first().waitFor({ timeout: 10_000 });
      const text = await page.locator('body').innerText();
      expect(text).toContain('KRA jobs');
      expect(text).toMatch(/Queues/i);
      // Raw translation keys look like SECTION.KEY_NAME.
      expect(text).not.toMatch(/\b[A-Z]+\.[A-Z_]{3,}\b/);
      expect(failed).toEqual([]);
      expect(external).toEqual([]);
      await page.context().close();
    });

    it('should not ask browsers to upgrade to https unless SERVED_OVER_HTTPS is set', async () => {
      for (const path of ['/docs', '/admin/queues']) {
        const response = await fetch(`${api.baseUrl}${path}`, { headers: { 'x-api-key': ADMIN_KEY } });
        expect(response.headers.get('content-security-policy'), path).not.toContain('upgrade-insecure-requests');
        expect(response.headers.get('content-security-policy'), path).not.toContain('fonts.g');
      }
      const https = await startApi(testConfig(database, redis, { SERVED_OVER_HTTPS: 'true' }));
      try {
        for (const path of ['/docs', '/admin/queues']) {
          const response = await fetch(`${https.baseUrl}${path}`, { headers: { 'x-api-key': ADMIN_KEY } });
          expect(response.headers.get('content-security-policy'), path).toContain('upgrade-insecure-requests');
        }
      } finally {
        await https.close();
      }
    });
  },
);
