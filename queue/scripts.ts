/**
 * The waiting room's Lua scripts (queue/waiting-room.ts). Each runs atomically and takes the keys of scriptKeys():
 * KEYS[1] meta, [2] waiting, [3] admitted, [4] state, [5] rate, [6] eta, [7] the product's availability.
 *
 * The line: a buyer who joins before the start is placed by the lottery, score = SHA-1(seed:buyer) read as a
 * fraction in [0, 1), with the drop's secret seed (MySQL, product.queue_draw_seed): unknown to anyone until the start,
 * and the same after it, so arriving early by a millisecond is no advantage and the draw cannot be redone by a
 * restart. A buyer who joins after the start gets score 1 + milliseconds since the start (a thousandth more than the
 * last one when two arrive in one millisecond): first come, first served, and after every draw.
 *
 * Meta missing means Redis lost the drop (or never had it): every script answers {'REBUILD'} and the caller rebuilds
 * it from MySQL (REBUILD_SCRIPT) before asking again.
 */

/** Shared by the scripts below: the lottery's score, admission, and the state of one buyer. */
const PRELUDE = `
local meta, waiting, admitted, state, rate, eta, availability = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local function lotteryScore(seed, buyer)
  return tonumber(string.sub(redis.sha1hex(seed .. ':' .. buyer), 1, 13), 16) / 4503599627370496
end
-- A buyer's state is code|place, and for a used admission code|place|order.
local function parseState(held)
  return string.match(held, '^(%a)|([^|]*)|?(.*)$')
end
local function scoreOf(place, seed, buyer)
  if place == 'lottery' then return lotteryScore(seed, buyer) end
  return tonumber(place)
end
-- Lapses admissions past their time, then admits the head of the line while the bound and the rate allow.
-- Returns the buyers admitted by this step, as buyer, place, until triples (the caller records them in MySQL).
local function admitStep(now, startsAt, admitPerSecond, maxAdmitted, factor, ttl)
  local lapsed = redis.call('ZRANGEBYSCORE', admitted, '-inf', now)
  for _, buyer in ipairs(lapsed) do
    redis.call('ZREM', admitted, buyer)
    local held = redis.call('HGET', state, buyer)
    if held and string.sub(held, 1, 1) == 'A' then
      redis.call('HSET', state, buyer, 'E|' .. select(2, parseState(held)))
      redis.call('HINCRBY', meta, 'lapsedTotal', 1)
    end
  end
  local given = {}
  if now < startsAt or now < tonumber(redis.call('HGET', meta, 'regatherUntil') or '0') then return given end
  local available = redis.call('GET', availability)
  if not available then return given end
  local holding = redis.call('ZCARD', admitted)
  local room = math.min(math.floor(tonumber(available) * factor) - holding, maxAdmitted - holding)
  -- A token bucket of one second's admissions, full when the drop opens (no tokens recorded yet).
  local tokensAt = tonumber(redis.call('HGET', meta, 'tokensAt') or tostring(now))
  local tokens = tonumber(redis.call('HGET', meta, 'tokens') or tostring(admitPerSecond))
  tokens = math.min(admitPerSecond, tokens + math.max(0, now - math.max(tokensAt, startsAt)) / 1000 * admitPerSecond)
  redis.call('HSET', meta, 'tokens', tostring(tokens), 'tokensAt', tostring(now))
  local count = math.min(room, math.floor(tokens))
  if count <= 0 then return given end
  local popped = redis.call('ZPOPMIN', waiting, count)
  for i = 1, #popped, 2 do
    local buyer, score = popped[i], tonumber(popped[i + 1])
    local place = score < 1 and 'lottery' or string.format('%.3f', score)
    redis.call('ZADD', admitted, now + ttl, buyer)
    redis.call('HSET', state, buyer, 'A|' .. place)
    redis.call('ZADD', rate, now, buyer)
    table.insert(given, buyer)
    table.insert(given, place)
    table.insert(given, tostring(now + ttl))
  end
  redis.call('HINCRBY', meta, 'admittedTotal', #popped / 2)
  redis.call('HSET', meta, 'tokens', tostring(tokens - #popped / 2))
  return given
end
`;

/**
 * Join or poll. ARGV: now, buyer, mode ('join' | 'poll'), place (poll: the ticket's), seed, startsAt, admitPerSecond,
 * maxAdmitted, factor, admission ttl (ms), rate window (ms).
 * Returns {'REBUILD'}, or {state, place, position, until, admittedJson, rateCount, rateWindowMs, lastEta, soldOutCandidate,
 * waitingCount, availabilityLoaded}: state one of WAITING, ADMITTED, USED, LAPSED, LEFT, SOLD_OUT; position 0 when unknown (before the start).
 * A poll whose buyer is in no structure (Redis lost the line) puts them back at the ticket's place: the line is
 * rebuilt from the signed tickets as buyers poll.
 */
export const VISIT_SCRIPT = `${PRELUDE}
if redis.call('EXISTS', meta) == 0 then return {'REBUILD'} end
local now, buyer, mode, ticketPlace, seed = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local startsAt, admitPerSecond, maxAdmitted, factor, ttl, window = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local given = admitStep(now, startsAt, admitPerSecond, maxAdmitted, factor, ttl)
local available = redis.call('GET', availability)
if available and tonumber(available) > 0 then redis.call('HDEL', meta, 'soldOut') end
redis.call('ZREMRANGEBYSCORE', rate, '-inf', now - window)
local function answer(code, place, position, untilMs)
  local soldOutCandidate = (available == '0' and redis.call('ZCARD', admitted) == 0 and redis.call('HGET', meta, 'soldOut') ~= '1') and 1 or 0
  return {code, place, position, untilMs, cjson.encode(given), redis.call('ZCARD', rate), tonumber(redis.call('HGET', meta, 'admittedTotal') or '0'),
    redis.call('HGET', eta, buyer) or '', soldOutCandidate, redis.call('ZCARD', waiting), available and 1 or 0}
end
local held = redis.call('HGET', state, buyer)
if held then
  local code, place = parseState(held)
  if code == 'A' then return answer('ADMITTED', place, 0, tostring(redis.call('ZSCORE', admitted, buyer))) end
  if code == 'U' then return answer('USED', place, 0, '') end
  if code == 'E' then return answer('LAPSED', place, 0, '') end
  if mode == 'poll' then return answer('LEFT', place, 0, '') end
  redis.call('HDEL', state, buyer) -- a buyer who left and joins again goes to the back (after the start) or into the draw
end
local score = redis.call('ZSCORE', waiting, buyer)
if not score then
  local place = ticketPlace
  if mode == 'join' then
    if now < startsAt then
      place = 'lottery'
    else
      local next = math.max(1 + now - startsAt, tonumber(redis.call('HGET', meta, 'lastScore') or '0') + 0.001)
      place = string.format('%.3f', next)
      redis.call('HSET', meta, 'lastScore', place)
    end
  end
  score = scoreOf(place, seed, buyer)
  redis.call('ZADD', waiting, score, buyer)
  local more = admitStep(now, startsAt, admitPerSecond, maxAdmitted, factor, ttl)
  for _, value in ipairs(more) do table.insert(given, value) end
  if #more > 0 then
    held = redis.call('HGET', state, buyer)
    if held then return answer('ADMITTED', select(2, parseState(held)), 0, tostring(redis.call('ZSCORE', admitted, buyer))) end
  end
end
score = tonumber(score)
local place = score < 1 and 'lottery' or string.format('%.3f', score)
if redis.call('HGET', meta, 'soldOut') == '1' then return answer('SOLD_OUT', place, 0, '') end
local position = 0
if now >= startsAt then position = redis.call('ZRANK', waiting, buyer) + 1 end
return answer('WAITING', place, position, '')
`;

/** Remembers the estimate a buyer was given (ARGV: buyer, `min,max,rate`), so the next one can be held to it. */
export const REMEMBER_ETA_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[6], ARGV[1], ARGV[2])
return 1
`;

/**
 * Leaves the line (DELETE /products/:id/queue). ARGV: buyer, place. Returns {'REBUILD'}, {'LEFT', wasAdmitted}, or
 * {'ENDED', code} for a buyer whose admission was already used or lapsed.
 */
export const LEAVE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'REBUILD'} end
local buyer, place = ARGV[1], ARGV[2]
local held = redis.call('HGET', KEYS[4], buyer)
if held and (string.sub(held, 1, 1) == 'U' or string.sub(held, 1, 1) == 'E') then return {'ENDED', string.sub(held, 1, 1)} end
local wasAdmitted = redis.call('ZREM', KEYS[3], buyer)
redis.call('ZREM', KEYS[2], buyer)
redis.call('HDEL', KEYS[6], buyer)
redis.call('HSET', KEYS[4], buyer, 'L|' .. place)
return {'LEFT', wasAdmitted}
`;

/**
 * Uses an admission for an order (POST /orders, a cart's checkout). ARGV: now, buyer, order id. Returns {'REBUILD'},
 * {'USED', place, until} when the buyer held a live admission (it is used now: a second order cannot use it), or
 * {'REFUSED', code}. The buyer stays counted among the admitted until the order is answered (END_USE_SCRIPT) or the
 * admission's time is up, so the bound covers an order on its way to its reservation.
 */
export const USE_SCRIPT = `${PRELUDE}
if redis.call('EXISTS', meta) == 0 then return {'REBUILD'} end
local now, buyer, orderId = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local held = redis.call('HGET', state, buyer)
if not held then return {'REFUSED', 'W'} end
local code, place, usedBy = parseState(held)
local untilMs = redis.call('ZSCORE', admitted, buyer)
-- The same order asking again (a retried checkout, a keyed retry) finds the admission it used.
if code == 'U' and usedBy == orderId then return {'USED', place, untilMs or '0'} end
if code ~= 'A' or not untilMs or tonumber(untilMs) <= now then return {'REFUSED', code} end
redis.call('HSET', state, buyer, 'U|' .. place .. '|' .. orderId)
return {'USED', place, untilMs}
`;

/** The order that used the admission is answered: its units are in its hold now (or it was refused). ARGV: buyer, order id. */
export const END_USE_SCRIPT = `
local held = redis.call('HGET', KEYS[4], ARGV[1])
if held and string.sub(held, 1, 1) == 'U' and string.sub(held, -#ARGV[2]) == ARGV[2] then redis.call('ZREM', KEYS[3], ARGV[1]) end
return 1
`;

/**
 * Latches the drop sold out: the caller found no open hold of the product in MySQL. Applies only if Redis still shows
 * no unit available and no admitted buyer (a unit that came back meanwhile keeps the line waiting). Returns 1 latched.
 */
export const LATCH_SOLD_OUT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('GET', KEYS[7]) ~= '0' or redis.call('ZCARD', KEYS[3]) > 0 then return 0 end
redis.call('HSET', KEYS[1], 'soldOut', '1')
return 1
`;

/**
 * Rebuilds a drop Redis lost (or opens a new one) from MySQL's admissions, unless another caller already did.
 * ARGV: now, regatherUntil (ms: nobody is admitted before it, so that every buyer still polling is back in line first),
 * then per admission: buyer, place, until (ms), the order that used it ('' if none). Returns 1 rebuilt, 0 already there.
 */
export const REBUILD_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now = tonumber(ARGV[1])
local count = 0
for i = 3, #ARGV, 4 do
  local buyer, place, untilMs, usedBy = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3]
  if usedBy ~= '' then
    redis.call('HSET', KEYS[4], buyer, 'U|' .. place .. '|' .. usedBy)
  elseif untilMs > now then
    redis.call('HSET', KEYS[4], buyer, 'A|' .. place)
    redis.call('ZADD', KEYS[3], untilMs, buyer)
  else
    redis.call('HSET', KEYS[4], buyer, 'E|' .. place)
  end
  count = count + 1
end
redis.call('HSET', KEYS[1], 'init', ARGV[1], 'regatherUntil', ARGV[2], 'admittedTotal', count)
return 1
`;

/** What the metrics and the console show of a drop: {waiting, admitted, admittedTotal, lapsedTotal, admitted in the last minute}. */
export const STATS_SCRIPT = `
return {redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]), tonumber(redis.call('HGET', KEYS[1], 'admittedTotal') or '0'),
  tonumber(redis.call('HGET', KEYS[1], 'lapsedTotal') or '0'), redis.call('ZCOUNT', KEYS[5], tonumber(ARGV[1]) - 60000, '+inf')}
`;
