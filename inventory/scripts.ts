/**
 * The Lua scripts Redis runs atomically. A hold is a hash {state, lines}; its state only moves forward:
 *   held → released (units given back) | settled (units sold for good).
 * Finished holds stay as tombstones for a while so that a late duplicate of a reserve cannot take stock again.
 *
 * KEYS[1] is the hold, KEYS[2..n] the availability of each line's product; ARGV[1..n-1] the quantities.
 */

/**
 * Returns {1} reserved (now or before), {0, i} line i is short, {-1, i} line i's availability is not loaded.
 * Lines naming the same product are checked against their sum, or each could fit alone while together they
 * drive the availability below zero.
 */
export const RESERVE_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'held' or state == 'settled' then return {1, 0} end
if state == 'released' then return {0, 0} end
local needed = {}
for i = 2, #KEYS do
  local available = redis.call('GET', KEYS[i])
  if not available then return {-1, i - 1} end
  needed[KEYS[i]] = (needed[KEYS[i]] or 0) + tonumber(ARGV[i - 1])
  if tonumber(available) < needed[KEYS[i]] then return {0, i - 1} end
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

/**
 * Restocks a product's availability by ARGV[1] units, only if it is loaded: returns the new count, or nil when
 * the key is missing. Creating it here would invent a count of just the restocked units, ignoring the stock
 * MySQL already has (and a later load, SET NX, would keep that wrong count); a missing availability is loaded
 * from MySQL, which already includes the restock.
 */
export const ADD_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('INCRBY', KEYS[1], ARGV[1])
`;
