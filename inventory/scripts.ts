/**
 * The Lua scripts Redis runs atomically. A hold is a hash {state, lines, soldOut, returned}; its state only moves
 * forward: held → released (units given back) | settled (units sold for good), and released → settled when the sale
 * went through after all (SETTLE_SCRIPT).
 * A rebuild (REBUILD_SCRIPT) recreates a lost hold 'held', or 'committed' when its order's sale is already in MySQL's
 * stock; 'committed' moves on as 'held' does, and differs only in that its units are not in the count (they left
 * with the sale) and that it expires, since its order may have been recorded CONFIRMED before it was recreated.
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
 *
 * The reservation that takes a product's last unit writes the product's id into the hold's `soldOut` field (comma
 * separated, empty when it took no last unit): the one atomic moment a sell-out happens, so exactly one order is its
 * cause however many reservations race, and a retried reserve (state 'held') never writes it again.
 */
export const RESERVE_SCRIPT = `
local lines = (#KEYS - 1) / 2
local orderId = ARGV[lines + 2]
local function endClaims()
  for i = 1, lines do redis.call('ZREM', KEYS[1 + lines + i], orderId) end
end
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'held' or state == 'committed' or state == 'settled' then endClaims() return {1, 0} end
if state == 'released' then return {0, 0} end
local needed = {}
for i = 1, lines do
  local key = KEYS[1 + i]
  local available = redis.call('GET', key)
  if not available then return {-1, i} end
  needed[key] = (needed[key] or 0) + tonumber(ARGV[i])
  if tonumber(available) < needed[key] then return {0, i} end
end
local soldOut = {}
for i = 1, lines do
  -- Availability was at least the line's quantity (checked above), so 0 now means this step took the last unit.
  if redis.call('DECRBY', KEYS[1 + i], ARGV[i]) == 0 then
    table.insert(soldOut, string.match(KEYS[1 + i], '(%d+)$'))
  end
end
redis.call('HSET', KEYS[1], 'state', 'held', 'lines', ARGV[lines + 1], 'soldOut', table.concat(soldOut, ','))
endClaims()
return {1, 0}
`;

/**
 * Gives a held reservation back; ARGV[n] is the tombstone TTL in seconds. Returns 1 if units were returned, and
 * records it in the tombstone's `returned` field for a settle that comes after all (SETTLE_SCRIPT).
 * A 'committed' hold (recreated for a sale MySQL had committed) is given back too: a release follows the sale's
 * restore (the undo runs newest first), so its units are back in MySQL's stock and belong in the count again.
 * A hold that is gone (Redis lost its data) leaves a 'released' tombstone, so a rebuild from MySQL that runs before
 * the order's status is recorded does not count it as held again. Only loaded availability is raised: a missing one
 * is rebuilt from MySQL, and the tombstone keeps this order out of it.
 */
export const RELEASE_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'released' or state == 'settled' then return 0 end
local returned = 0
if state == 'held' or state == 'committed' then
  for i = 2, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[i - 1]) end
  end
  returned = 1
end
redis.call('HSET', KEYS[1], 'state', 'released', 'returned', returned)
redis.call('EXPIRE', KEYS[1], ARGV[#KEYS])
return returned
`;

/**
 * Marks a reservation as sold: the units stay taken. KEYS[1] is the hold, KEYS[2..n] each line's availability,
 * ARGV[1..n-1] the quantities, ARGV[n] the tombstone TTL in seconds, ARGV[n+1] what MySQL says of the order: '1' not
 * yet recorded CONFIRMED, '0' recorded CONFIRMED, '?' not asked. Returns 1 if a held (or committed) reservation was
 * settled, 2 if the hold is gone and MySQL was not asked (nothing done: ask, and run again), else 0. A 'committed' hold
 * takes nothing: the rebuild that recreated it read the sale in MySQL's stock.
 * A 'released' hold whose release gave units back is settled all the same, its units taken again: a settle runs only
 * after the sale is committed in MySQL, so the release was done by a workflow task that was then lost (a store step
 * runs as a local activity, its effect outlives its task), and the task's retry, seeing the buyer's payment first, took
 * the sale instead (fault run seed 2421). If a buyer reserved a returned unit meanwhile, the count goes below zero:
 * no reservation fits until that buyer's commit, refused by MySQL's stock, releases it again.
 * A hold that is gone, for an order not yet CONFIRMED in MySQL, was lost in a flush before its order was recorded
 * RESERVED, and a rebuild recreates the holds of every RESERVED order: so an availability rebuilt since never counted
 * this order, and the sale takes its units now. For an order already CONFIRMED (this settle runs again because the
 * workflow task that ran it was lost, after a flush erased its 'settled' tombstone), a rebuild since counted the sale
 * in MySQL's stock: taking the units again would lose them from sale for good. A missing availability is left to the
 * rebuild, which reads the sale from MySQL's stock.
 */
export const SETTLE_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'settled' then return 0 end
if state == 'released' then
  if redis.call('HGET', KEYS[1], 'returned') ~= '1' then return 0 end
  for i = 2, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('DECRBY', KEYS[i], ARGV[i - 1]) end
  end
  redis.call('HSET', KEYS[1], 'state', 'settled', 'returned', 0)
  redis.call('EXPIRE', KEYS[1], ARGV[#KEYS])
  return 1
end
if not state and ARGV[#KEYS + 1] == '?' then return 2 end
if not state and ARGV[#KEYS + 1] == '1' then
  for i = 2, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('DECRBY', KEYS[i], ARGV[i - 1]) end
  end
end
redis.call('HSET', KEYS[1], 'state', 'settled')
redis.call('EXPIRE', KEYS[1], ARGV[#KEYS])
return (state == 'held' or state == 'committed') and 1 or 0
`;

/**
 * Rebuilds one product's availability after Redis lost it, unless another rebuild got there first. KEYS[1] is the
 * availability, KEYS[2] the epoch marker, then the holds of the orders MySQL records as open (PENDING or RESERVED)
 * with this product, then the availability of each other product those orders name. ARGV[1] is the epoch read before
 * MySQL was, ARGV[2] MySQL's stock, ARGV[3] the TTL in seconds of a hold recreated 'committed', then per order: its
 * units of this product, 1 if its sale is in that stock, 1 if RESERVED, 1 if it recorded releasing its hold, its lines.
 * Returns 1 rebuilt, 0 already there, -1 Redis was flushed again since the epoch was read (read again).
 *
 * MySQL was read a moment ago; the holds are read now, so each order's contribution follows the step its Redis
 * hold shows, corrected for a step MySQL took since (see docs/RELIABILITY.md, "The rebuild rule"):
 *   no hold, RESERVED, release not recorded: recreated, so its release or settle still balances: 'held', or
 *     'committed' when its sale is in the stock read (the order may be recorded CONFIRMED by now, with no step
 *     left to end a 'held' hold, so that one expires). The recreated hold stands for the order's whole
 *     reservation, so every other product of the order whose count is loaded takes the order's units now: that
 *     count was rebuilt since the flush while the order was PENDING without a hold, so it left them out;
 *   'held', 'committed' or 'settled': its units are taken unless its sale was already in the stock read (a settle
 *     before the sale was read means the sale came after the read);
 *   'released' while its sale was in the stock read: the restore came after the read, its units are back;
 *   anything else (no hold and PENDING, or release recorded): nothing; a later settle takes its units itself.
 */
export const REBUILD_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local available = tonumber(ARGV[2])
local holds = (#ARGV - 3) / 5
local rebuilding = string.match(KEYS[1], '(%d+)$')
local otherCounts = {}
for k = 3 + holds, #KEYS do otherCounts[string.match(KEYS[k], '(%d+)$')] = KEYS[k] end
for i = 1, holds do
  local hold, at = KEYS[2 + i], (i - 1) * 5 + 4
  local units, sold, reserved, released = tonumber(ARGV[at]), ARGV[at + 1] == '1', ARGV[at + 2] == '1', ARGV[at + 3] == '1'
  local state = redis.call('HGET', hold, 'state')
  if not state and reserved and not released then
    state = sold and 'committed' or 'held'
    redis.call('HSET', hold, 'state', state, 'lines', ARGV[at + 4])
    if sold then redis.call('EXPIRE', hold, ARGV[3]) end
    for productId, quantity in string.gmatch(ARGV[at + 4], '(%d+):(%d+)') do
      local count = productId ~= rebuilding and otherCounts[productId]
      if count and redis.call('EXISTS', count) == 1 then redis.call('DECRBY', count, quantity) end
    end
  end
  if (state == 'held' or state == 'committed' or state == 'settled') and not sold then available = available - units end
  if state == 'released' and sold then available = available + units end
end
redis.call('SET', KEYS[1], available)
return 1
`;

/**
 * The epoch marker: a random value that lives until Redis loses its data. A rebuild reads it before reading MySQL
 * and applies only if it is unchanged, so a flush between the two never lets a rebuild apply MySQL's view to holds
 * and tombstones that the flush erased after the view was taken. KEYS[1] the marker, ARGV[1] a fresh value.
 */
export const EPOCH_SCRIPT = `
local epoch = redis.call('GET', KEYS[1])
if epoch then return epoch end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`;

/**
 * Drops a count and starts a new epoch, in one step: the next reservation or claim (or the caller) rebuilds it from
 * MySQL, and a rebuild that read MySQL before this (so before the change that called for it) cannot apply.
 * KEYS[1..n-1] what to drop (a product's availability; a coupon's count and its buyers), KEYS[n] the epoch marker;
 * ARGV[1] a fresh epoch value.
 */
export const FORGET_SCRIPT = `
for i = 1, #KEYS - 1 do redis.call('DEL', KEYS[i]) end
redis.call('SET', KEYS[#KEYS], ARGV[1])
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

/**
 * First-come coupons (coupons/gate.ts). A coupon's count is the claims still to issue, its buyers a hash of each
 * buyer's claims; both mirror MySQL (coupon.issued, coupon_claim), which records every claim and refuses one past the
 * quantity whatever Redis says. These scripts keep the stampede off MySQL: only claims that may succeed reach it.
 *
 * A claim. KEYS[1] the count, KEYS[2] the buyers, KEYS[3] the coupons' epoch marker; ARGV[1] the buyer, ARGV[2] the
 * claims one buyer may hold. Returns {1, epoch} taken, {0, epoch} none left, {2, epoch} the buyer holds their share
 * already, {-1, ''} the count is not loaded (rebuild it from MySQL, then claim again). None left is answered before the
 * buyer's share, so a refusal once the coupon is gone does not depend on who asks (the API answers those from memory).
 * The epoch goes back to the caller, so a claim that MySQL then refuses is given back only to the life of Redis's data
 * that took it (COUPON_GIVE_BACK_SCRIPT).
 */
export const COUPON_CLAIM_SCRIPT = `
local left = redis.call('GET', KEYS[1])
if not left then return {-1, ''} end
local epoch = redis.call('GET', KEYS[3]) or ''
if tonumber(left) <= 0 then return {0, epoch} end
local mine = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if mine >= tonumber(ARGV[2]) then return {2, epoch} end
redis.call('DECR', KEYS[1])
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return {1, epoch}
`;

/**
 * Undoes what a claim took in Redis when MySQL did not record it. KEYS as COUPON_CLAIM_SCRIPT; ARGV[1] the buyer,
 * ARGV[2] the epoch the claim returned, ARGV[3] 1 to give the count back, ARGV[4] 1 to give the buyer's share back.
 * Returns 1 done, 0 nothing done: Redis lost its data since the claim (or the count was dropped for a repair), and the
 * count rebuilt from MySQL never included this claim, so giving it back would count it twice.
 */
export const COUPON_GIVE_BACK_SCRIPT = `
if redis.call('GET', KEYS[3]) ~= ARGV[2] or redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[3] == '1' then redis.call('INCR', KEYS[1]) end
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[2], ARGV[1], -1) end
return 1
`;

/**
 * Rebuilds a coupon's count and buyers after Redis lost them, from MySQL's view read after the epoch ARGV[1]: ARGV[2]
 * the claims left to issue (quantity - issued), then pairs of buyer and claims held. KEYS as COUPON_CLAIM_SCRIPT.
 * Returns 1 rebuilt, 0 already there (a live count is never touched), -1 Redis lost its data again since the epoch was
 * read (read MySQL again). Claims are never taken back, so unlike stock there are no holds to recreate: MySQL's
 * issued count is the whole story, apart from a claim taken in Redis whose MySQL write lands after this read, which
 * leaves the count one too high until MySQL refuses the extra claim (it checks the quantity itself).
 */
export const COUPON_REBUILD_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;
