/**
 * The Lua scripts Redis runs atomically. A hold is a hash {state, lines}; its state only moves forward:
 *   held → released (units given back) | settled (units sold for good).
 * Finished holds stay as tombstones for a while so that a late duplicate of a reserve cannot take stock again.
 *
 * KEYS[1] is the hold, KEYS[2..n] the availability of each line's product; ARGV[1..n-1] the quantities.
 */

/** Returns {1} reserved (now or before), {0, i} line i is short, {-1, i} line i's availability is not loaded. */
export const RESERVE_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'held' or state == 'settled' then return {1, 0} end
if state == 'released' then return {0, 0} end
for i = 2, #KEYS do
  local available = redis.call('GET', KEYS[i])
  if not available then return {-1, i - 1} end
  if tonumber(available) < tonumber(ARGV[i - 1]) then return {0, i - 1} end
end
for i = 2, #KEYS do redis.call('DECRBY', KEYS[i], ARGV[i - 1]) end
redis.call('HSET', KEYS[1], 'state', 'held', 'lines', ARGV[#KEYS])
return {1, 0}
`;

/** Gives a held reservation back; ARGV[n] is the tombstone TTL in seconds. Returns 1 if units were returned. */
export const RELEASE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'state') ~= 'held' then return 0 end
for i = 2, #KEYS do redis.call('INCRBY', KEYS[i], ARGV[i - 1]) end
redis.call('HSET', KEYS[1], 'state', 'released')
redis.call('EXPIRE', KEYS[1], ARGV[#KEYS])
return 1
`;

/** Marks a held reservation as sold: the units stay taken. ARGV[1] is the tombstone TTL in seconds. */
export const SETTLE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'state') ~= 'held' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'settled')
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
`;
