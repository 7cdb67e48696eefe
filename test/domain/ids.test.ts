import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { REQUEST_ID_ALPHABET, newRequestId, normaliseRequestId } from '../../src/domain/ids.js';

/** A fake source that hands out the given bytes in order, however many are asked for. */
function scripted(bytes: number[]): { source: (n: number) => Uint8Array; requests: number[] } {
  const queue = [...bytes];
  const requests: number[] = [];
  const source = (n: number): Uint8Array => {
    requests.push(n);
    return Uint8Array.from(queue.splice(0, n));
  };
  return { source, requests };
}

describe('newRequestId', () => {
  it('alphabet_has31CharactersWithoutLookAlikes', () => {
    expect(REQUEST_ID_ALPHABET).toHaveLength(31);
    for (const ch of '01ilo') expect(REQUEST_ID_ALPHABET).not.toContain(ch);
  });

  const cases: { name: string; bytes: number[]; expected: string }[] = [
    { name: 'lowBytes_mapToAlphabetInOrder', bytes: [0, 1, 2, 3, 4, 5], expected: '234567' },
    { name: 'byteAboveBase_wrapsModulo31', bytes: [31, 32, 30, 61, 62, 247], expected: '23zz2z' },
    { name: 'bytes248AndAbove_areRejectedNotWrapped', bytes: [248, 255, 250, 0, 1, 2, 3, 4, 5], expected: '234567' },
    { name: 'rejectedBytesInTheMiddle_areSkipped', bytes: [8, 248, 9, 255, 10, 11, 12, 13], expected: 'abcdef' },
  ];
  it.each(cases)('$name', ({ bytes, expected }) => {
    expect(newRequestId(scripted(bytes).source)).toBe(expected);
  });

  it('allBytesRejectedAtFirst_drawsAgainUntilSixAccepted', () => {
    const fake = scripted([...Array(16).fill(248), 0, 1, 2, 3, 4, 5]);
    expect(newRequestId(fake.source)).toBe('234567');
    expect(fake.requests.length).toBeGreaterThan(1);
  });

  it('sourceThatOnlyGivesRejectedBytes_throwsInsteadOfLooping', () => {
    expect(() => newRequestId((n) => new Uint8Array(n).fill(255))).toThrow(/no usable bytes/);
  });

  it('realRandomSource_givesSixAlphabetCharacters', () => {
    for (let i = 0; i < 200; i++) {
      const id = newRequestId((n) => randomBytes(n));
      expect(id).toMatch(/^[23456789abcdefghjkmnpqrstuvwxyz]{6}$/);
    }
  });

  it('everyAcceptedByte_countsEqually_noModuloBias', () => {
    // Feed every byte value 0..255 three times, one byte per call (a source may
    // return fewer bytes than asked). The 744 accepted bytes make 124 IDs, and
    // each of the 31 characters must appear exactly 24 times.
    let next = 0;
    const oneByteAtATime = (): Uint8Array => Uint8Array.of(next++ % 256);
    const counts = new Map<string, number>();
    for (let i = 0; i < 124; i++) {
      for (const ch of newRequestId(oneByteAtATime)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    // The last ID completes on byte 247, so the final 248..255 run is never read.
    expect(next).toBe(768 - 8);
    expect([...counts.keys()].sort().join('')).toBe([...REQUEST_ID_ALPHABET].sort().join(''));
    expect(new Set(counts.values())).toEqual(new Set([24]));
  });
});

describe('normaliseRequestId', () => {
  const cases: { name: string; text: string; expected: string | undefined }[] = [
    { name: 'plainId_isKept', text: 'ab23cd', expected: 'ab23cd' },
    { name: 'upperCase_isLowered', text: 'AB23CD', expected: 'ab23cd' },
    { name: 'surroundingSpace_isTrimmed', text: '  ab23cd\n', expected: 'ab23cd' },
    { name: 'leadingHash_isStripped', text: '#ab23cd', expected: 'ab23cd' },
    { name: 'hashSpaceAndCase_allNormalised', text: ' #AB23CD ', expected: 'ab23cd' },
    { name: 'tooShort_isRefused', text: 'ab23c', expected: undefined },
    { name: 'tooLong_isRefused', text: 'ab23cde', expected: undefined },
    { name: 'empty_isRefused', text: '', expected: undefined },
    { name: 'onlyHash_isRefused', text: '#', expected: undefined },
    { name: 'lookAlikeZero_isRefused', text: 'ab20cd', expected: undefined },
    { name: 'lookAlikeOne_isRefused', text: 'ab21cd', expected: undefined },
    { name: 'lookAlikeI_isRefused', text: 'abi3cd', expected: undefined },
    { name: 'lookAlikeL_isRefused', text: 'abl3cd', expected: undefined },
    { name: 'lookAlikeO_isRefused', text: 'abo3cd', expected: undefined },
    { name: 'twoHashes_isRefused', text: '##ab23cd', expected: undefined },
    { name: 'innerSpace_isRefused', text: 'ab 23cd', expected: undefined },
    { name: 'punctuation_isRefused', text: 'ab-23c', expected: undefined },
  ];
  it.each(cases)('$name', ({ text, expected }) => {
    expect(normaliseRequestId(text)).toBe(expected);
  });
});
