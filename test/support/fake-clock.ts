// The clock port's in-memory twin, under the name the tests have always used.
export { ManualClock as FakeClock } from '../../src/ports/clock.js';
