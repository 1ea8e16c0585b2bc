// The retry limit's counting (src/apply/retry.ts): the same os.conf failing the same concerns at consecutive
// boots, each boot once.
import test from 'ava';
import { describeAttempts, limitReached, nextAttempts, RETRY_LIMIT } from '../../../src/apply/retry.js';

test('the same failure at three boots reaches the limit; a second run in one boot does not count', (t) => {
  t.is(RETRY_LIMIT, 3);
  let a = nextAttempts(undefined, 'hmac-sha256:aa', ['network'], 'boot-1');
  a = nextAttempts(a, 'hmac-sha256:aa', ['network'], 'boot-1');
  t.deepEqual(a.boots, ['boot-1']);
  a = nextAttempts(a, 'hmac-sha256:aa', ['network'], 'boot-2');
  t.false(limitReached(a));
  a = nextAttempts(a, 'hmac-sha256:aa', ['network'], 'boot-3');
  t.true(limitReached(a));
  t.deepEqual(a, { digest: 'hmac-sha256:aa', failed: ['network'], boots: ['boot-1', 'boot-2', 'boot-3'] });
});

test('another os.conf, other failed concerns or a finished set-aside start over', (t) => {
  const two = nextAttempts(nextAttempts(undefined, 'd1', ['dns', 'network'], 'b1'), 'd1', ['network', 'dns'], 'b2');
  t.deepEqual(two.boots, ['b1', 'b2'], 'the order of concerns does not matter');
  t.deepEqual(nextAttempts(two, 'd2', ['dns', 'network'], 'b3').boots, ['b3']);
  t.deepEqual(nextAttempts(two, 'd1', ['network'], 'b3').boots, ['b3']);
  t.deepEqual(nextAttempts({ ...two, boots: ['b1', 'b2', 'b3'], setAside: '/boot/aliyun_custom_image/os.conf.failed' }, 'd1', ['dns', 'network'], 'b4').boots, ['b4']);
});

test('without a boot id every run counts', (t) => {
  const a = nextAttempts(nextAttempts(nextAttempts(undefined, 'd', ['hostname'], null), 'd', ['hostname'], null), 'd', ['hostname'], null);
  t.true(limitReached(a));
});

test('status and apply say where os.conf went, or how far the count is', (t) => {
  t.is(describeAttempts({ digest: 'd', failed: ['network'], boots: ['a', 'b'] }), 'network failed the same way at 2 of 3 consecutive boots; os.conf kept for the next boot (set aside at 3)');
  t.is(
    describeAttempts({ digest: 'd', failed: ['network'], boots: ['a', 'b', 'c'], setAside: '/boot/aliyun_custom_image/os.conf.failed' }),
    'os.conf set aside as /boot/aliyun_custom_image/os.conf.failed: network failed the same way at 3 consecutive boots; a new os.conf starts over',
  );
});
