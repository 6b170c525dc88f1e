import { connectionNameOf, holdConsumerName } from '../../src/cli/consumerName';
import type { CliRedis } from '../../src/cli/redisClient';
import { UsageError } from '../../src/cli/usageError';

/**
 * A connection (`CLIENT ID` 20) on a server whose `CLIENT LIST` holds `others` besides it; it
 * records the commands it is sent. With `refuse`, every CLIENT command fails (an ACL without it).
 */
function connection(others: { id: number; name: string }[], refuse = false) {
  const sent: string[] = [];
  let ownName = '';
  const redis = {
    call: async (command: readonly string[]) => {
      sent.push(command.slice(0, 2).join(' '));
      if (refuse)
        throw new Error("NOPERM this user has no permissions to run the 'client' command");
      if (command[1] === 'SETNAME') return ((ownName = command[2]!), 'OK');
      if (command[1] === 'ID') return 20;
      return [...others, { id: 20, name: ownName }]
        .map(
          ({ id, name }) =>
            `id=${id} addr=127.0.0.1:${40000 + id} laddr=127.0.0.1:6379 name=${name} age=1\n`,
        )
        .join('');
    },
  } as unknown as CliRedis;
  return { redis, sent, ownName: () => ownName };
}

const NAME = connectionNameOf('jobs', 'workers', 'host-1');

describe('holdConsumerName', () => {
  it('names its connection before it lists the others, so that of two runs starting together each sees the other', async () => {
    const { redis, sent, ownName } = connection([]);
    await holdConsumerName(redis, 'jobs', 'workers', 'host-1');
    expect(sent).toEqual(['CLIENT SETNAME', 'CLIENT ID', 'CLIENT LIST']);
    expect(ownName()).toBe(NAME);
  });

  it('refuses the name when an older connection (a lower CLIENT ID) holds it, naming it and --consumer', async () => {
    const { redis } = connection([{ id: 7, name: NAME }]);
    const refused = holdConsumerName(redis, 'jobs', 'workers', 'host-1');
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(
      /^consumer host-1 of group workers is in use by a live run \(connection 7, from 127\.0\.0\.1:40007\); .* give this one its own --consumer NAME\. .*CLIENT KILL ID 7 ends it now\.\)$/,
    );
  });

  it.each([
    [
      'a newer connection holds the name (a run that started at the same moment keeps out)',
      [{ id: 31, name: NAME }],
    ],
    [
      'another consumer of the group runs',
      [{ id: 7, name: connectionNameOf('jobs', 'workers', 'host-2') }],
    ],
    [
      'the same consumer name runs in another group',
      [{ id: 7, name: connectionNameOf('jobs', 'other', 'host-1') }],
    ],
    ['a connection has no name', [{ id: 7, name: '' }]],
  ])('goes on when %s', async (_label, others) => {
    const { redis, ownName } = connection(others);
    await expect(holdConsumerName(redis, 'jobs', 'workers', 'host-1')).resolves.toBeUndefined();
    expect(ownName()).toBe(NAME);
  });

  it('goes on, unchecked, on a server that refuses CLIENT to this user', async () => {
    const { redis, sent } = connection([{ id: 7, name: NAME }], true);
    await expect(holdConsumerName(redis, 'jobs', 'workers', 'host-1')).resolves.toBeUndefined();
    expect(sent).toEqual(['CLIENT SETNAME']);
  });

  it.each([
    ['jobs', 'workers', 'host-1', 'rxjs-pool:jobs:workers:host-1'],
    ['my jobs', 'a:b', "it's\n", "rxjs-pool:my%20jobs:a%3Ab:it's%0A"],
  ])(
    'connectionNameOf(%j, %j, %j) is %j: printable, without spaces, one name for each three',
    (stream, group, consumer, name) => {
      expect(connectionNameOf(stream, group, consumer)).toBe(name);
      expect(name).toMatch(/^[!-~]+$/);
    },
  );
});
