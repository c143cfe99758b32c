import { BoundedMap } from '../../api/bounded-map';

test('past maxEntries, setting a new key forgets the one set longest ago', () => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1);
  map.set('b', 2);
  map.set('c', 3);
  expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([undefined, 2, 3]);
});

test('setting a key it holds changes its value and forgets nothing', () => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1);
  map.set('b', 2);
  map.set('a', 10);
  expect([map.get('a'), map.get('b'), map.size]).toEqual([10, 2, 2]);
});

test('a flood of new keys, with deletes among them, never holds more than maxEntries', () => {
  const map = new BoundedMap<number, number>(100);
  for (let key = 0; key < 10_000; key += 1) {
    map.set(key, key);
    if (key % 7 === 0) map.delete(key - 3);
    expect(map.size).toBeLessThanOrEqual(100);
  }
  expect(map.get(9_999)).toBe(9_999);
  expect(map.get(9_899)).toBeUndefined();
});

test('maxEntries must be a positive integer', () => {
  expect(() => new BoundedMap(0)).toThrow(RangeError);
});
