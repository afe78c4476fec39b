// The SVG builder and HTML pages of src/plot/ (parsed as XML: well-formed, holding the series and
// labels they were given, escaping what needs it) and the digit conversion of src/data/digit.ts
// (either polarity gives the same ink; MNIST's own digits come back as MNIST frames them).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { inkFromRgba, MNIST_SIDE, toMnistImage } from '../../src/data/digit.js';
import { loadMnist } from '../../src/data/mnist.js';
import { SimdnetError } from '../../src/errors.js';
import { htmlFacts, htmlPage, htmlTable } from '../../src/plot/html.js';
import { barChart, imageSheet, lineChart, matrixChart, ticks } from '../../src/plot/svg.js';
import { allElements, allText, parseXml } from './xml.js';

describe('src/plot', () => {
  it('ticks are round values covering the range', () => {
    assert.deepEqual(ticks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(ticks(0, 2.5, 5), [0, 0.5, 1, 1.5, 2, 2.5]);
    assert.deepEqual(ticks(90, 100, 5), [90, 92, 94, 96, 98, 100]);
    assert.deepEqual(ticks(3, 3), [3]);
  });

  it('lineChart: panels with their series, one legend entry per name, axis labels, text escaped', () => {
    const svg = lineChart({
      title: 'loss <&> "accuracy"',
      subtitle: 'a & b',
      panels: [
        {
          xLabel: 'epoch',
          yLabel: 'loss',
          series: [
            {
              name: 'train <1>',
              color: '#123456',
              points: [
                [1, 2],
                [2, 1],
                [3, Number.NaN],
                [4, 0.5],
              ],
            },
            { name: 'test', color: '#654321', dashed: true, points: [[4, 0.7]] },
          ],
        },
        {
          xLabel: 'N',
          yLabel: 'GFLOP/s',
          xScale: 'log2',
          series: [
            {
              name: 'train <1>',
              color: '#123456',
              points: [
                [64, 10],
                [256, 20],
                [1024, 30],
              ],
            },
          ],
        },
      ],
    });
    const root = parseXml(svg);
    assert.equal(root.name, 'svg');
    assert.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
    const lines = allElements(root).filter((e) => e.name === 'polyline');
    assert.deepEqual(
      lines.map((l) => l.attrs['data-series']),
      ['train <1>', 'test', 'train <1>'],
    );
    assert.equal(lines[0]!.attrs.points!.split(' ').length, 3, 'the NaN point is left out');
    assert.equal(lines[1]!.attrs['stroke-dasharray'], '6 4');
    const texts = allElements(root)
      .filter((e) => e.name === 'text')
      .map((e) => e.text);
    assert.equal(texts.filter((t) => t === 'train <1>').length, 1, 'one legend entry per series name');
    for (const label of ['loss <&> "accuracy"', 'a & b', 'epoch', 'loss', 'N', 'GFLOP/s', '64', '256', '1024', 'test'])
      assert.ok(texts.includes(label), label);
    const width = Number(root.attrs.width),
      height = Number(root.attrs.height);
    for (const p of lines.flatMap((l) => l.attrs.points!.split(' ').map((xy) => xy.split(',').map(Number)))) {
      assert.ok(
        p[0]! > 0 && p[0]! < width && p[1]! > 0 && p[1]! < height,
        `point ${p} inside the ${width}×${height} picture`,
      );
    }
  });

  it('barChart, matrixChart and imageSheet are well-formed and hold their bars, cells and captions', () => {
    const bars = parseXml(
      barChart({
        title: 'speedups',
        axisLabel: 'speedup',
        groups: [
          { label: 'a', values: [{ name: 'vs x', value: 3, color: '#f00' }] },
          { label: 'b', values: [{ name: 'vs x', value: 0.5, color: '#f00' }] },
        ],
      }),
    );
    assert.deepEqual(
      allElements(bars)
        .filter((e) => e.attrs['data-bar'])
        .map((e) => e.attrs['data-bar']),
      ['a: vs x', 'b: vs x'],
    );
    assert.ok(allText(bars).includes('3.00×') && allText(bars).includes('0.50×'));

    const matrix = parseXml(
      matrixChart({
        title: 'confusion',
        labels: ['0', '1', '2'],
        counts: [
          [5, 1, 0],
          [0, 7, 0],
          [2, 0, 9],
        ],
        rowLabel: 'true',
        colLabel: 'predicted',
      }),
    );
    const cells = allElements(matrix).filter((e) => e.name === 'rect' && e.attrs['data-cell']);
    assert.equal(cells.length, 9);
    assert.notEqual(cells[0]!.attrs.fill, cells[1]!.attrs.fill, 'the diagonal and a confusion differ in colour');
    const counts = allElements(matrix)
      .filter((e) => e.name === 'text')
      .map((e) => e.text);
    for (const c of ['5', '1', '7', '2', '9', 'true', 'predicted']) assert.ok(counts.includes(c), c);

    const sheet = parseXml(
      imageSheet({
        title: 'digits',
        cells: [
          { href: 'data:image/png;base64,AAAA', caption: '7 / 7', highlight: false },
          { href: 'data:image/png;base64,BBBB', caption: '3 / 5', highlight: true, title: 'image 9' },
        ],
      }),
    );
    const groups = allElements(sheet).filter((e) => e.name === 'g');
    assert.deepEqual(
      groups.map((g) => g.attrs['data-mistake'] ?? 'no'),
      ['no', 'true'],
    );
    assert.deepEqual(
      allElements(sheet)
        .filter((e) => e.name === 'image')
        .map((e) => e.attrs.href),
      ['data:image/png;base64,AAAA', 'data:image/png;base64,BBBB'],
    );
  });

  it('htmlPage is one well-formed document with no script, its tables and facts escaped', () => {
    const page = htmlPage({
      title: 'report <1>',
      intro: htmlFacts([['machine', 'x & y']]),
      sections: [{ heading: 'Table', body: htmlTable(['a', 'b'], [['1', '<2>']], new Set([0])) }],
    });
    assert.match(page, /^<!DOCTYPE html>/);
    assert.doesNotMatch(page, /<script/);
    const root = parseXml(page);
    assert.equal(root.name, 'html');
    const text = allText(root);
    for (const s of ['report <1>', 'x & y', '<2>']) assert.ok(text.includes(s), s);
    assert.equal(allElements(root).find((e) => e.name === 'td')!.attrs.class, 'num');
  });
});

describe('src/data/digit', () => {
  let digits: Uint8Array[];
  before(async () => {
    const { test } = await loadMnist();
    digits = Array.from({ length: 50 }, (_, i) => test.pixels.slice(i * 784, (i + 1) * 784));
  });

  const rgba = (gray: Uint8Array, map: (v: number) => [number, number, number, number]) => {
    const out = new Uint8Array(gray.length * 4);
    gray.forEach((v, i) => out.set(map(v), 4 * i));
    return out;
  };

  it('light ink on dark, dark ink on light and coloured ink give the same intensity', () => {
    for (const d of digits.slice(0, 10)) {
      // An MNIST digit is already ink on zero; its strongest ink (254 or 255) is stretched to 255.
      const light = inkFromRgba(
        rgba(d, (v) => [v, v, v, 255]),
        28,
        28,
      );
      for (let i = 0; i < 784; i++) assert.ok(Math.abs(light[i]! - d[i]!) <= 1, `pixel ${i}: ${light[i]} vs ${d[i]}`);
      assert.deepEqual(
        inkFromRgba(
          rgba(d, (v) => [255 - v, 255 - v, 255 - v, 255]),
          28,
          28,
        ),
        light,
      );
      // Blue ink on a cream page: fainter, but stretched so the strongest ink is 255.
      const blue = inkFromRgba(
        rgba(
          d,
          (v) =>
            [250 - (v * 200) / 255, 245 - (v * 200) / 255, 230 - (v * 50) / 255, 255].map(Math.round) as [
              number,
              number,
              number,
              number,
            ],
        ),
        28,
        28,
      );
      for (let i = 0; i < 784; i++) assert.ok(Math.abs(blue[i]! - d[i]!) <= 2, `pixel ${i}: ${blue[i]} vs ${d[i]}`);
    }
  });

  it('a picture of one flat colour is IMAGE_BLANK; a wrong buffer size is a RangeError', () => {
    assert.throws(
      () => inkFromRgba(new Uint8Array(16 * 4).fill(200), 4, 4, 'flat.png'),
      (e) =>
        e instanceof SimdnetError && e.code === 'IMAGE_BLANK' && /flat\.png \(4×4\) shows no digit/.test(e.message),
    );
    assert.throws(() => inkFromRgba(new Uint8Array(15), 2, 2), RangeError);
  });

  it('MNIST digits come back framed as MNIST frames them: box ≤ 20×20, centre of mass at (14, 14)', () => {
    for (const d of digits) {
      const out = toMnistImage(d, MNIST_SIDE, MNIST_SIDE);
      let mass = 0,
        mx = 0,
        my = 0,
        x0 = 28,
        x1 = -1,
        y0 = 28,
        y1 = -1;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const v = out[y * 28 + x]!;
          mass += v;
          mx += v * x;
          my += v * y;
          if (v > 0) {
            x0 = Math.min(x0, x);
            x1 = Math.max(x1, x);
            y0 = Math.min(y0, y);
            y1 = Math.max(y1, y);
          }
        }
      }
      assert.ok(x1 - x0 < 21 && y1 - y0 < 21, `box ${x1 - x0 + 1}×${y1 - y0 + 1}`);
      assert.ok(
        Math.abs(mx / mass - 14) <= 0.5 && Math.abs(my / mass - 14) <= 0.5,
        `centre of mass (${mx / mass}, ${my / mass})`,
      );
    }
    assert.deepEqual(toMnistImage(new Uint8Array(100), 10, 10), new Uint8Array(784), 'no ink: an empty frame');
  });
});
