import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, neutralise, restore, toCsv } from '../../src/domain/csv.js';
import { parseCsv } from '../support/csv.js';

describe('csvField (RFC 4180 quoting)', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rinside', '"cr\rinside"'],
    ['semi;colon and space', 'semi;colon and space'],
  ])('field_%j_is_%j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('records_endWithCrlf_theLastOneToo', () => {
    expect(
      toCsv([
        ['a', 'b'],
        ['c', 'd'],
      ]),
    ).toBe('a,b\r\nc,d\r\n');
    expect(toCsv([])).toBe('');
  });
});

describe('formula injection', () => {
  it.each([
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ["'already quoted", "''already quoted"],
  ])('cellStartingWithATrigger_%j_getsAQuote', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it.each([['a=b'], ['1-2'], ['x@y'], [' =1'], ['203.0.113.7/32'], ['2026-01-31T12:00:00.000Z']])('triggerNotAtTheStart_%j_isLeftAlone', (value) => {
    expect(neutralise(value)).toBe(value);
  });

  it('neutraliseThenRestore_givesBackAnyText', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (value) => restore(neutralise(value)) === value));
  });

  it('noNeutralisedCell_startsWithAFormulaTrigger', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (value) => !/^[=+\-@\t\r]/.test(neutralise(value))));
  });
});

describe('round trip', () => {
  // Any text, with the characters that matter over-represented.
  const cell = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('"', ',', '\r', '\n', '=', '+', '-', '@', '\t', "'", 'a', ' ') }));

  it('parsedBackByAnIndependentReader_givesTheNeutralisedCells', () => {
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), (records) => {
        const parsed = parseCsv(toCsv(records));
        expect(parsed).toEqual(records.map((record) => record.map(neutralise)));
        expect(parsed.map((record) => record.map(restore))).toEqual(records);
      }),
    );
  });
});
