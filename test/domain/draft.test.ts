import { describe, it, expect } from 'vitest';
import { parseCidr } from '../../src/domain/cidr.js';
describe('x', () => { it('y', () => { expect(parseCidr('10.0.0.1').ok).toBe(true); }); });
