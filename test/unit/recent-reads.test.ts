import { recentReads } from '../../api/recent-reads';

/** A read that answers `<key>:<n>` for its n-th call, and a clock the test moves. */
function counted(maxAgeMs: number, maxEntries?: number) {
  let reads = 0;
  let clock = 0;
  const recent = recentReads(async (key: number) => `${key}:${++reads}`, { maxAgeMs, maxEntries, now: () => clock });
  return { recent, reads: () => reads, advance: (ms: number) => (clock += ms) };
}

test('callers asking for one key while its read is under way share that read', async () => {
  let reads = 0;
  let finish!: (value: string) => void;
  const recent = recentReads(
    async (key: number) => {
      reads += 1;
      return new Promise<string>((resolve) => (finish = (value) => resolve(`${key}:${value}`)));
    },
    { maxAgeMs: 0 },
  );

  const first = recent.read(7);
  const second = recent.read(7);
  finish('fresh');

  expect(await Promise.all([first, second])).toEqual(['7:fresh', '7:fresh']);
  expect(reads).toBe(1);
});

test('with no max age nothing is kept once a read completes: the next caller reads again', async () => {
  const { recent } = counted(0);
  expect(await recent.read(1)).toBe('1:1');
  expect(await recent.read(1)).toBe('1:2');
});

test('an answer is reused until its max age after its read began, then read again', async () => {
  const { recent, advance } = counted(100);
  expect(await recent.read(1)).toBe('1:1');
  advance(49);
  expect(await recent.read(1)).toBe('1:1');
  advance(51);
  expect(await recent.read(1)).toBe('1:2');
});

test('past half its age an answer is still given, and the next read starts behind it for later callers', async () => {
  let clock = 0;
  const pending: Array<(value: string) => void> = [];
  const recent = recentReads((key: number) => new Promise<string>((resolve) => pending.push((value) => resolve(`${key}:${value}`))), {
    maxAgeMs: 100,
    now: () => clock,
  });
  const first = recent.read(1);
  pending[0]('first');
  expect(await first).toBe('1:first');

  clock = 60;
  expect(await recent.read(1)).toBe('1:first'); // within its age, given at once; the next read starts
  expect(await recent.read(1)).toBe('1:first'); // that read is under way: no other starts
  expect(pending).toHaveLength(2);
  pending[1]('second');
  await new Promise((resolve) => setImmediate(resolve));
  clock = 105; // the first answer is past its age; the second (read from 60) is young enough to start no read
  expect(await recent.read(1)).toBe('1:second');
  expect(pending).toHaveLength(2);
});

test('a failed read behind a valid answer leaves that answer in use until its age is up', async () => {
  let reads = 0;
  let clock = 0;
  const recent = recentReads(
    async () => {
      reads += 1;
      if (reads === 2) throw new Error('MySQL hiccup');
      return `answer ${reads}`;
    },
    { maxAgeMs: 100, now: () => clock },
  );
  expect(await recent.read('a')).toBe('answer 1');
  clock = 60;
  expect(await recent.read('a')).toBe('answer 1'); // starts read 2, which fails
  await new Promise((resolve) => setImmediate(resolve));
  clock = 90;
  expect(await recent.read('a')).toBe('answer 1'); // starts read 3
  await new Promise((resolve) => setImmediate(resolve));
  clock = 101;
  expect(await recent.read('a')).toBe('answer 3');
});

test('each key has its own answer', async () => {
  const { recent } = counted(100);
  expect(await recent.read(1)).toBe('1:1');
  expect(await recent.read(2)).toBe('2:2');
  expect(await recent.read(1)).toBe('1:1');
});

test('forget makes the next caller read again at once (this process wrote the key)', async () => {
  const { recent } = counted(60_000);
  expect(await recent.read(1)).toBe('1:1');
  recent.forget(1);
  expect(await recent.read(1)).toBe('1:2');
});

test('a failed read is shared by its waiters and not kept for later callers', async () => {
  let reads = 0;
  const recent = recentReads(
    async () => {
      reads += 1;
      if (reads === 1) throw new Error('MySQL hiccup');
      return 'ok';
    },
    { maxAgeMs: 60_000 },
  );

  await expect(Promise.all([recent.read('a'), recent.read('a')])).rejects.toThrow('MySQL hiccup');
  expect(await recent.read('a')).toBe('ok');
  expect(reads).toBe(2);
});

test('at most maxEntries answers are kept: the oldest is forgotten first', async () => {
  const { recent, reads } = counted(60_000, 2);
  await recent.read(1);
  await recent.read(2);
  await recent.read(3); // forgets 1
  expect(reads()).toBe(3);
  expect(await recent.read(3)).toBe('3:3');
  expect(await recent.read(1)).toBe('1:4');
});

test('with no max age, a read started after forget is still shared once the read it replaced ends', async () => {
  const pending: Array<(value: string) => void> = [];
  const recent = recentReads((key: number) => new Promise<string>((resolve) => pending.push((value) => resolve(`${key}:${value}`))), { maxAgeMs: 0 });
  const before = recent.read(1);
  recent.forget(1); // this process wrote the key while the first read was under way
  const after = recent.read(1);
  pending[0]('old');
  expect(await before).toBe('1:old');
  const joining = recent.read(1); // joins the read started after the write
  expect(pending).toHaveLength(2);
  pending[1]('new');
  expect(await Promise.all([after, joining])).toEqual(['1:new', '1:new']);
});
