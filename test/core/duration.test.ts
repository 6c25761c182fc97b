import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationPattern, formatDuration, parseDuration } from '../../src/core/duration.js';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['90s', 90 * S],
    ['10m', 10 * M],
    ['26h', 26 * H],
    ['2d', 2 * D],
    ['1h30m', H + 30 * M],
    ['1d2h3m4s', D + 2 * H + 3 * M + 4 * S],
    ['0s', 0],
    ['0m', 0],
    ['05m', 5 * M],
    ['120m', 120 * M],
  ])('"%s" is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    [''],
    ['10'],
    ['m'],
    ['10 minutes'],
    ['10 m'],
    [' 10m'],
    ['10m '],
    ['10M'],
    ['1.5h'],
    ['-5m'],
    ['+5m'],
    ['1m1h'],
    ['30s1m'],
    ['1h1h'],
    ['10ms'],
    ['1w'],
    ['PT10M'],
  ])('"%s" is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('agrees with the exported pattern the household schema uses', () => {
    const pattern = new RegExp(durationPattern);
    for (const text of ['1h30m', '10m', '1m1h', '10 minutes', '1.5h']) {
      expect(parseDuration(text) !== undefined, text).toBe(pattern.test(text));
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [90 * S, '1m30s'],
    [10 * M, '10m'],
    [26 * H, '1d2h'],
    [H + 30 * M, '1h30m'],
    [D + 2 * H + 3 * M + 4 * S, '1d2h3m4s'],
    [1500, '2s'],
    [0, '0s'],
    [-5 * M, '0s'],
  ])('%i ms is "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  // Anything under half a second rounds to nothing: the result must still be a duration parseDuration
  // accepts, never "" (which it refuses).
  it.each([1, 400, 499])('%i ms formats as "0s", a parseable duration', (ms) => {
    expect(formatDuration(ms)).toBe('0s');
  });

  it('round-trips every whole number of seconds through parseDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 24 * 3600 }), (seconds) => {
        expect(parseDuration(formatDuration(seconds * S))).toBe(seconds * S);
      }),
    );
  });
});
