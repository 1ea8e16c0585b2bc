// test-image's bounded waits: a timer left pending after the wait ends keeps the command alive after its report.
import test from 'ava';
import { within } from '../../../src/test-image/boot.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test.serial('within gives the promise\'s value and leaves no timer behind', async (t) => {
  const before = timers();
  t.is(await within(Promise.resolve(7), 300_000), 7);
  t.is(timers(), before);
});

test.serial('within gives null when the time passes first, and clears nothing it should not', async (t) => {
  const before = timers();
  let settle!: (v: string) => void;
  const slow = new Promise<string>((r) => (settle = r));
  t.is(await within(slow, 20), null);
  t.is(timers(), before);
  settle('late');
  t.is(await within(slow, 300_000), 'late');
  t.is(timers(), before);
});

test.serial('a rejection passes through and still clears the timer', async (t) => {
  const before = timers();
  await t.throwsAsync(within(Promise.reject(new Error('qemu failed')), 300_000), { message: 'qemu failed' });
  t.is(timers(), before);
});
