import { describe, expect, it } from 'vitest';
import { csvLine, textCell } from '../../src/privacy/csv.js';

describe('csvLine (RFC 4180)', () => {
  it.each([
    [['plain', 12, true, null], 'plain,12,true,\r\n'],
    [['a,b'], '"a,b"\r\n'],
    [['say "hi"'], '"say ""hi"""\r\n'],
    [['two\r\nlines'], '"two\r\nlines"\r\n'],
    [['lone\nfeed'], '"lone\nfeed"\r\n'],
    [[-0.1276, 51.5], '-0.1276,51.5\r\n'],
    [[''], '\r\n'],
  ] as const)('%j → %j', (cells, line) => {
    expect(csvLine(cells)).toBe(line);
  });
});

describe('textCell', () => {
  it('defuses text a spreadsheet would run as a formula, and leaves other text alone', () => {
    expect(textCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(textCell('+44 20 7946 0000')).toBe("'+44 20 7946 0000");
    expect(textCell('-dizzy')).toBe("'-dizzy");
    expect(textCell('@home')).toBe("'@home");
    expect(textCell('Slept badly')).toBe('Slept badly');
    expect(textCell(null)).toBeNull();
  });
});
