// The pictures the command line and the benchmarks write, opened in Debian's Chromium as a user
// opens them (file://): train --plot's SVG, evaluate --report's and compare --report's pages, and
// bench/results/report.html. Each parses as XML in the browser's own DOMParser, loads with no
// console error and no request, draws every figure at a real size, and its screenshot is not
// blank; the screenshots are left in test/browser/artifacts/pictures-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import type { Browser } from 'playwright-core';
import { compareCommand } from '../../src/commands/compare.js';
import { describeInChromium, ensureArtifactsDir, launchChromium, REPO_ROOT, watchPage } from './harness.js';

const CLI = path.join(REPO_ROOT, 'src/cli.ts');

function simdnet(...args: string[]): void {
  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(run.status, 0, `simdnet ${args.join(' ')}: ${run.stderr}`);
}

/** Share of pixels that are not (near) white, and how many distinct colours the picture holds. */
function inked(png: Buffer): { share: number; colours: number } {
  const { data, width, height } = PNG.sync.read(png);
  let ink = 0;
  const colours = new Set<number>();
  for (let i = 0; i < width * height; i++) {
    const r = data[4 * i]!,
      g = data[4 * i + 1]!,
      b = data[4 * i + 2]!;
    if (r < 240 || g < 240 || b < 240) ink++;
    colours.add((r << 16) | (g << 8) | b);
  }
  return { share: ink / (width * height), colours: colours.size };
}

describeInChromium('the pictures in Chromium', { timeout: 600_000 }, () => {
  let dir: string;
  let browser: Browser;
  const files: Record<string, { file: string; figures: number; type: 'image/svg+xml' | 'application/xhtml+xml' }> = {};

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'simdnet-pictures-browser-'));
    const model = path.join(dir, 'net.snet');
    simdnet(
      'train',
      '--layers',
      '784,32,10',
      '--optimizer',
      'adam',
      '--epochs',
      '2',
      '--save',
      model,
      '--plot',
      path.join(dir, 'train.svg'),
    );
    simdnet('evaluate', model, '--report', path.join(dir, 'evaluate.html'));
    const err: string[] = [];
    const code = await compareCommand(['--quick', '--report', path.join(dir, 'compare.html')], {
      stdout: () => {},
      stderr: (s) => {
        err.push(s);
      },
    });
    assert.equal(code, 0, err.join(''));
    files.train = { file: path.join(dir, 'train.svg'), figures: 1, type: 'image/svg+xml' };
    files.evaluate = { file: path.join(dir, 'evaluate.html'), figures: 2, type: 'application/xhtml+xml' };
    files.compare = { file: path.join(dir, 'compare.html'), figures: 4, type: 'application/xhtml+xml' };
    files.bench = {
      file: path.join(REPO_ROOT, 'bench/results/report.html'),
      figures: 3,
      type: 'application/xhtml+xml',
    };
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const name of ['train', 'evaluate', 'compare', 'bench']) {
    it(`${name}: well-formed, no console error, every figure drawn, a screenshot that is not blank`, async () => {
      const { file, figures, type } = files[name]!;
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems = watchPage(page);
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForLoadState('load');
      const source = await readFile(file, 'utf8');
      const seen = await page.evaluate(
        ({ source, type }) => {
          const parsed = new DOMParser().parseFromString(source, type);
          const svgs = [...document.querySelectorAll('svg')];
          return {
            parseError: parsed.getElementsByTagName('parsererror')[0]?.textContent ?? null,
            svgs: svgs.map((s) => {
              const r = s.getBoundingClientRect();
              return { width: r.width, height: r.height, texts: s.querySelectorAll('text').length };
            }),
            scripts: document.querySelectorAll('script').length,
          };
        },
        { source, type },
      );
      assert.equal(seen.parseError, null, `${name} is not well-formed XML`);
      assert.equal(seen.scripts, 0);
      assert.ok(seen.svgs.length >= figures, `${name}: ${seen.svgs.length} figures, expected ${figures}`);
      for (const s of seen.svgs)
        assert.ok(
          s.width > 200 && s.height > 150 && s.texts > 3,
          `${name}: a figure drawn ${s.width}×${s.height} with ${s.texts} labels`,
        );
      // A standalone SVG document has no page to scroll: Chromium never finishes a full-page shot of one.
      const shot = await page.screenshot({ fullPage: type !== 'image/svg+xml' });
      await writeFile(path.join(await ensureArtifactsDir(), `pictures-${name}.png`), shot);
      const { share, colours } = inked(shot);
      assert.ok(
        share > 0.005 && colours > 20,
        `${name}: the screenshot looks blank (${(100 * share).toFixed(2)}% ink, ${colours} colours)`,
      );
      assert.deepEqual(problems.errors, [], `${name}: console errors`);
      assert.deepEqual([...problems.requests, ...requests], [], `${name}: requests beyond the file itself`);
      await page.close();
    });
  }
});
