/**
 * The Lua scripts Redis runs atomically. A hold is a hash {state, lines}; its state only moves forward:
 *   held → released (units given back) | settled (units sold for good).
 * Finished holds stay as tombstones for a while so that a late duplicate of a reserve cannot take stock again.
 *
 * Unless a script says otherwise, KEYS[1] is the hold, KEYS[2..n] the availability of each line's product, and
 * ARGV[1..n-1] the quantities.
 */

/**
 * KEYS: the hold, then each line's availability, then each line's admission set; ARGV: the quantities, the encoded
 * lines, the order id. Returns {1} reserved (now or before), {0, i} line i is short, {-1, i} line i's availability
 * is not loaded. Lines naming the same product are checked against their sum, or each could fit alone while
 * together they drive the availability below zero. A reservation made ends the order's admission claims in the
 * same step, so the gate never counts a unit both as claimed and as reserved.
 */
export const RESERVE_SCRIPT = `
local lines = (#KEYS - 1) / 2
local orderId = ARGV[lines + 2]
local function endClaims()
  for i = 1, lines do redis.call('ZREM', KEYS[1 + lines + i], orderId) end
end
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'held' or state == 'settled' then endClaims() return {1, 0} end
if state == 'released' then return {0, 0} end
local needed = {}
for i = 1, lines do
  local key = KEYS[1 + i]
  local available = redis.call('GET', key)
  if not available then return {-1, i} end
  needed[key] = (needed[key] or 0) + tonumber(ARGV[i])
  if tonumber(available) < needed[key] then return {0, i} end
end
for i = 1, lines do redis.call('DECRBY', KEYS[1 + i], ARGV[i]) end
redis.call('HSET', KEYS[1], 'state', 'held', 'lines', ARGV[lines + 1])
endClaims()
return {1, 0}
`;

/**
 * Gives a held reservation back; ARGV[n] is the tombstone TTL in seconds. Returns 1 if units were returned.
 * A hold that is gone (Redis lost its data) leaves a 'released' tombstone, so a rebuild from MySQL that runs before
 * the order's status is recorded does not count it as held again. Only loaded availability is raised: a missing one
 * is rebuilt from MySQL, and the tombstone keeps this order out of it.
 */
export const RELEASE_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'released' or state == 'settled' then return 0 end
local returned = 0
if state == 'held' then
  for i = 2, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[i - 1]) end
  end
  returned = 1
end
redis.call('HSET', KEYS[1], 'state', 'released')
redis.call('EXPIRE', KEYS[1], ARGV[#KEYS])
return returned
`;

/**
 * Marks a reservation as sold: the units stay taken. KEYS[1] is the hold, KEYS[2..n] each line's availability,
 * ARGV[1..n-1] the quantities, ARGV[n] the tombstone TTL in seconds. Returns 1 if a held reservation was settled.
 * A hold that is gone was lost in a flush before its order was recorded RESERVED, and a rebuild recreates the holds
 * of every RESERVED order: so an availability rebuilt since never counted this order, and the sale takes its units
 * now. A missing availability is left to the rebuild, which reads the sale from MySQL's stock.
 */
export const SETTLE_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'released' or state == 'settled' then return 0 end
if not state then
  for i = 2, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('DECRBY', KEYS[i], ARGV[i - 1]) end
  end
end
redis.call('HSET', KEYS[1], 'state', 'settled')
redis.call('EXPIRE', KEYS[1], ARGV[#KEYS])
return state == 'held' and 1 or 0
`;

/**
 * Rebuilds one product's availability after Redis lost it, unless another rebuild got there first. KEYS[1] is the
 * availability, KEYS[2..n] the holds of the orders MySQL records as RESERVED with this product. ARGV[1] is MySQL's
 * stock, then per order: its units of this product, 1 if its sale is already in MySQL's stock (else 0), its lines.
 * A lost hold is recreated, so the order's release or settle still balances; a held, unsold one is subtracted;
 * a tombstone means the order has already let go, so it is not.
 */
export const REBUILD_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local available = tonumber(ARGV[1])
for i = 2, #KEYS do
  local at = (i - 2) * 3 + 2
  local state = redis.call('HGET', KEYS[i], 'state')
  if not state then
    redis.call('HSET', KEYS[i], 'state', 'held', 'lines', ARGV[at + 2])
    state = 'held'
  end
  if state == 'held' and ARGV[at + 1] == '0' then available = available - tonumber(ARGV[at]) end
end
redis.call('SET', KEYS[1], available)
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

/**
 * The admission gate in front of the workflows. KEYS are, per line, the product's availability then its admission
 * set; ARGV[1] is now (ms), ARGV[2] the order id, ARGV[3] how long a claim lives (ms), ARGV[4] the slack, then the
 * quantities. A buyer is admitted while the product has the units and the buyers admitted but not yet reserved are
 * fewer than slack × the units left: with a slack of 1, a buyer is refused only when every unreserved unit is
 * already claimed by a buyer ahead, and the workflows started stay close to the units, not the buyers. Returns {1} admitted, or {0, i, code} for line i:
 * code 1 sold out, code 2 every unit left is already claimed by buyers ahead. Unknown availability is admitted
 * (the workflow's reservation rebuilds it).
 */
export const ADMIT_SCRIPT = `
local now, orderId, ttl, slack = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local lines = #KEYS / 2
for i = 1, lines do
  local available = redis.call('GET', KEYS[2 * i - 1])
  if available then
    available = tonumber(available)
    if available < tonumber(ARGV[4 + i]) then return {0, i, 1} end
    redis.call('ZREMRANGEBYSCORE', KEYS[2 * i], '-inf', now - ttl)
    if redis.call('ZSCORE', KEYS[2 * i], orderId) == false and redis.call('ZCARD', KEYS[2 * i]) >= available * slack then
      return {0, i, 2}
    end
  end
end
for i = 1, lines do redis.call('ZADD', KEYS[2 * i], now, orderId) end
return {1, 0, 0}
`;
