import { singleFlight } from '../../api/single-flight';

test('callers asking for one key while its read is under way share that read', async () => {
  let reads = 0;
  let finish!: (value: string) => void;
  const read = singleFlight(async (key: number) => {
    reads += 1;
    return new Promise<string>((resolve) => (finish = (value) => resolve(`${key}:${value}`)));
  });

  const first = read(7);
  const second = read(7);
  finish('fresh');

  expect(await Promise.all([first, second])).toEqual(['7:fresh', '7:fresh']);
  expect(reads).toBe(1);
});

test('nothing is kept once a read completes: the next caller reads again', async () => {
  let reads = 0;
  const read = singleFlight(async (key: number) => `${key}:${++reads}`);

  expect(await read(1)).toBe('1:1');
  expect(await read(1)).toBe('1:2');
});

test('a failed read is shared by its waiters and not kept for later callers', async () => {
  let reads = 0;
  const read = singleFlight(async () => {
    reads += 1;
    if (reads === 1) throw new Error('MySQL hiccup');
    return 'ok';
  });

  await expect(Promise.all([read('a'), read('a')])).rejects.toThrow('MySQL hiccup');
  expect(await read('a')).toBe('ok');
  expect(reads).toBe(2);
});
