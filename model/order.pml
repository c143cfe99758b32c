/*
 * The order protocol, model-checked (issue 27). One Promela model of the real service: the Redis Lua scripts
 * (inventory/scripts.ts) as atomic steps, the order workflow (workflows/order.ts, generation 7, the one new orders run)
 * as a process whose activities are delivered at least once and whose workflow tasks may be lost after their local
 * steps ran, MySQL's records and conditional stock commit, the payment provider with idempotency keys, the
 * reconciler, and Redis losing all of its data at any moment. docs/DESIGN.md, "The model",
 * maps every step below to the function that implements it; a change to a workflow step or a Lua script changes
 * this file in the same commit.
 *
 * Bounds: 2 products, 3 buyers, stock 2 of each; per run at most MAXLOST lost answers, MAXCRASH worker crashes,
 * MAXLOSTTASK lost workflow tasks that had ended the hold (their retry decides the hold again), MAXFLUSH Redis
 * flushes, MAXTERM workflows terminated by an operator, MAXDECLINE declines (authorisation or capture); order 0 may
 * pay twice, the others once; order 1's hold ends by a cancel, the others' by the timer.
 *
 * Buggy twins (compiled with one -D flag each; each differs from this model by exactly its bug and must fail):
 *   RESERVE_READ_THEN_WRITE  the reserve reads availability in one step and takes the units in another.
 *   RELEASE_BEFORE_VOID      the undo releases the reservation before it voids or refunds the payment.
 *   REBUILD_WITHOUT_EPOCH    the rebuild applies MySQL's view without checking that Redis was not flushed since.
 *                            The epoch check came with commit a0cae91 ("I2 through a Redis flush at any moment").
 *   CAPTURE_WITHOUT_KEY      a capture is sent again without its idempotency key.
 *   SETTLE_ASKS_NOTHING      the settle of a gone hold always takes the units: the bug fixed by commit 7d9e97d
 *                            ("A settle run again after its order was recorded CONFIRMED no longer sells the
 *                            units twice"), which the fault run met as "availability 45 -> 46" repairs.
 *   RECREATE_TAKES_ONE_PRODUCT  a hold the rebuild recreates takes units from the rebuilt product's count only; the
 *                            other product's count, rebuilt while the order was PENDING, stays one unit over
 *                            (found by this model, fixed by commit ce19fb2).
 *   RECREATE_AS_HELD         a lost hold of an order whose sale is committed is recreated 'held', which nothing ends
 *                            once the order is recorded CONFIRMED (found by this model, fixed by commit ce19fb2).
 *   COUPON_CHECK_BEFORE_LOCK MySQL checks a coupon's quantity before the lock and writes the claim later.
 *   COUPON_KEPT_ON_UNDO      the compensation of an order does not give its coupon claim back.
 *   SETTLE_SKIPS_RELEASED    the settle of a 'released' hold does nothing: SETTLE_SCRIPT before commit 6fc2576. A
 *                            workflow task that ended the hold released it and was lost; its retry saw the payment
 *                            and took the sale; the CONFIRMED order's units stayed on sale in Redis (fault run seed
 *                            2421, checker I2). Refuted with -DMAXLOSTTASK=1 and UNDO_IN_THE_DECIDING_TASK (since
 *                            generation 7 a lost task has released nothing).
 *   UNDO_IN_THE_DECIDING_TASK generation 6: the undos run in the workflow task that decided them, so a lost task's
 *                            undos outlive it while its retry takes the sale. Found by this model (known issues 3 to
 *                            5 in docs/DESIGN.md), fixed by generation 7 (UNDO_AFTER_A_DURABLE_DECISION).
 *
 *   REFUND_CHECK_OUTSIDE_WORKFLOW  (with -DAFTER_SALE) a refund request checks "refunded + this one <= captured" in
 *                            one step and books the refund in a later one, as a check made outside the workflow's
 *                            one-message-at-a-time handler would: two concurrent requests both pass before either books.
 *   REFUND_RETRIED_WITH_NEW_KEY (with -DAFTER_SALE) a refund's retry is sent under a new idempotency key: the request
 *                            of the attempt that timed out reaches the provider late and is executed as well.
 *
 * -DCOUPONS adds the coupon steps (issue 24): buyers' claims, the redemption after the reservation and its undo.
 * -DAFTER_SALE adds order 0's life after the sale (docs/DESIGN.md §8, workflows/after-sale.ts afterSaleWorkflow):
 * two staff refunds, a return (requested, received, its unit put back in MySQL and Redis, then refunded), a refund
 * made at the provider directly that the service learns of by its event, and the provider's refunds under their keys.
 * -DPLACED_ORDERS=n places only orders 0 .. n - 1 (the after-sale runs' bound).
 */

#ifndef MAXLOST
#define MAXLOST 1
#endif
#ifndef MAXCRASH
#define MAXCRASH 1
#endif
#ifndef MAXFLUSH
#define MAXFLUSH 1
#endif
#ifndef MAXTERM
#define MAXTERM 1
#endif
#ifndef MAXSWEEPREBUILD
#define MAXSWEEPREBUILD 0
#endif
#ifndef MAXDECLINE
#define MAXDECLINE 1
#endif
/* Lost workflow tasks that had ended the hold (see `lostTask` in Order): 0 unless a run asks, so that the runs of the
 * other faults keep their size. */
#ifndef MAXLOSTTASK
#define MAXLOSTTASK 0
#endif
/* Declines of an after-sale refund at the provider (only with -DAFTER_SALE). */
#ifndef MAXREFUNDDECLINE
#define MAXREFUNDDECLINE 1
#endif

#define NP 2           /* products */
#define NO 3           /* orders, one per buyer */
#define STOCK 2        /* units of each product at the start */
#define MAXPAY 2       /* payment attempts per order */

/* Units of product p in order o: order 0 buys one of each product, orders 1 and 2 one of product 0.
 * -DTWO_TWO_PRODUCT_ORDERS: orders 0 and 2 buy one of each product, order 1 one of product 0. The runs with a Redis
 * flush use it: a two-product order's hold can then be recreated by the rebuild of either product while the other
 * product's count, rebuilt while the order was PENDING, is loaded (known issue 1, fixed: the twin
 * RECREATE_TAKES_ONE_PRODUCT). -DSINGLE_PRODUCT_ORDERS: every order buys one of product 0 only (smaller runs). */
#ifdef SINGLE_PRODUCT_ORDERS
#define Q(o, p) ((p) == 0 -> 1 : 0)
#elif defined(TWO_TWO_PRODUCT_ORDERS)
#define Q(o, p) ((p) == 0 -> 1 : ((o) == 1 -> 0 : 1))
#else
#define Q(o, p) ((p) == 0 -> 1 : ((o) == 0 -> 1 : 0))
#endif

/* ── Redis (inventory/keys.ts) ── */
#define MISSING (-100)          /* an availability Redis does not have */
#ifdef START_UNLOADED
short avail[NP] = MISSING;      /* Redis starts empty: the first reservation rebuilds the count from MySQL */
#else
short avail[NP] = STOCK;
#endif
              /* {inv}:available:<p> */
#define H_NONE 0
#define H_HELD 1
#define H_RELEASED 2
#define H_SETTLED 3
#define H_COMMITTED 4           /* recreated by a rebuild for an order whose sale MySQL had committed */
byte hold[NO];                  /* {inv}:hold:<o> state */
bool returned[NO];              /* {inv}:hold:<o> returned: its release gave units back (read by a later settle) */
byte epoch;                     /* {inv}:epoch: a new value after each flush or forget */
bool claim[NO];                 /* {inv}:admitting:<p> holds the order's admission claim */

/* ── MySQL (db/) ── */
byte stock[NP] = STOCK;               /* product.stock */
#define S_NONE 0
#define PENDING 1
#define RESERVED 2
#define CONFIRMED 3
#define REJECTED 4
#define CANCELLED 5
#define EXPIRED 6
#define FAILED 7
#define REFUSED 8               /* refused by the admission gate: no order exists (never recorded) */
byte status[NO];                /* orders.status */
bool sale[NO];                  /* stock_movement SALE rows of the order */
bool restored[NO];              /* stock_movement RESTORE rows of the order */
bool releaseRecorded[NO];       /* hold_release row */
#define RANK(s) ((s) == S_NONE -> 0 : ((s) == PENDING -> 1 : ((s) == RESERVED -> 2 : 3)))
#define OPEN(o) (status[o] == PENDING || status[o] == RESERVED)
#define SOLD(o) (sale[o] && !restored[o])

/* ── The payment provider (payments/) ── one authorisation per attempt, keyed <order>:authorize:<attempt> */
#define A_NONE 0
#define A_AUTH 1
#define A_CAPT 2
#define A_VOID 3
#define A_REFUND 4
#define A_DECLINED 5
byte auth[NO * MAXPAY];
#define AUTH(o, a) auth[(o) * MAXPAY + (a) - 1]
/* The stored answer of the key <order>:capture: 0 none yet, 1 captured, 2 declined, 3 invalid_state (409) */
byte captureAnswer[NO];
byte captureRuns[NO];           /* capture requests the provider executed (not replayed) */
bool everCaptured[NO];

#ifdef COUPONS
/* ── Coupons (coupons/, issue 24): one coupon of quantity CQ, one claim per buyer. Buyer 0 claims it and carries it
 * on orders 1 and 2 (so a claim order 1 gives back can be redeemed by order 2); buyer 1 claims it too (competition)
 * and orders nothing. Redis: the claims left and each buyer's claims, under the coupons' own epoch. MySQL: each
 * buyer's claim row (coupon_claim) and the order that redeemed it (order_id). */
#define CQ 1
#define NB 2
#define USES_COUPON(o) ((o) != 0)
short cLeft = CQ;               /* coupon:left:<id> (MISSING when Redis lost it) */
byte cShare[NB];                /* coupon:buyers:<id>, the buyer's claims (read only while cLeft is loaded) */
byte cEpoch;                    /* the coupons' epoch marker: a new value after each flush */
bool claimed[NB];               /* coupon_claim row of the buyer (MySQL) */
byte redeemedBy[NB];            /* coupon_claim.order_id: 0 none, else the order + 1 */
#define ISSUED (claimed[0] + claimed[1])
#define REDEEMED ((redeemedBy[0] != 0) + (redeemedBy[1] != 0))
#else
#define USES_COUPON(o) false
#endif

#ifdef AFTER_SALE
/* ── After the sale (workflows/after-sale.ts, activities/after-sale.ts, db/after-sale.ts; docs/DESIGN.md §8) ── only
 * order 0 has a life after the sale. It bought one unit of each product at one unit of money each, so its capture is
 * 2: the staff's refunds are of 1 (R_STAFF_PART) and of the whole capture (R_STAFF_ALL), the return is of its unit of
 * product 0 (RP), refunded at its price as far as the capture still allows (R_RETURN, id rf_<returnId>), and someone
 * refunds 1 at the provider directly (R_OUTSIDE, recorded under an id derived from the provider's refund id). */
#ifdef SINGLE_PRODUCT_ORDERS
#error "-DAFTER_SALE needs order 0 to buy two units (a capture of 2 that a refund of 1 leaves partly refunded)"
#endif
#define CAPTURED (Q(0, 0) + Q(0, 1))
#define RP 0
#define NR 4
#define R_STAFF_PART 0
#define R_STAFF_ALL 1
#define R_RETURN 2
#define R_OUTSIDE 3
#define RF_NONE 0
#define RF_PENDING 1
#define RF_SUCCEEDED 2
#define RF_FAILED 3
byte refundRow[NR];             /* refund.status in MySQL (db/after-sale.ts saveRefund: never back from a settled one) */
byte refundMem[NR];             /* the after-sale run's own map of refunds (AfterSale.refunds), by status */
byte refundAmount[NR];          /* refund.amount_cents (R_RETURN's is set when it is booked) */
byte refundQueue[3];            /* AfterSale.queue: own refunds recorded PENDING, waiting for their turn at the provider */
byte queued;
/* The provider (payments/operations.ts refundPart, payments/idempotent-route.ts): refundedAmountCents of order 0's
 * captured authorisation; per refund id, the refunds made with it as merchantReference (I6: at most one) and the
 * stored answer of the Idempotency-Key it is sent under (0 none, else RP_*). */
byte provRefunded;
byte provRuns[NR];
byte keyAnswer[NR];
byte lateRequest;               /* 0, or r + 1: refund r's request of an attempt that timed out, still on its way */
bool lateFreshKey;              /* (the twin REFUND_RETRIED_WITH_NEW_KEY) that request was sent under a retry's new key */
byte refundDeclines;
#define RET_NONE 0
#define RET_REQUESTED 1
#define RET_RECEIVED 2
byte returnRow;                 /* order_return.status */
byte returnMem;                 /* the run's own map of returns */
bool returnMovement;            /* the RETURN stock_movement row, unique by (order, product, RETURN, return id) */
bool asStarted;                 /* the after-sale run started (Update-with-Start) and loaded MySQL (load) */
bool asGone;                    /* order 0 ended otherwise than CONFIRMED: no after-sale life */
bool restocking;                /* a return's unit is in MySQL's stock and not yet in Redis's count (before its resync) */
byte returnRepairs;             /* drift repairs of such a unit (the resync made early by the reconciler) */
bool asDone;                    /* the run ended: nothing queued, no request under way */
byte asOpen = 4;                /* requesters still under way: the two staff refunds, the return, the outside refund */
#define RETURNED(p) (((p) == RP && returnMovement) -> 1 : 0)
#define AMT_IF(r, c) ((c) -> refundAmount[r] : 0)
#define BOOKED(s) ((s) == RF_PENDING || (s) == RF_SUCCEEDED)
/* committedCents(): what the run counts as refunded or being refunded (its own and those it was told of) */
#define COMMITTED (AMT_IF(0, BOOKED(refundMem[0])) + AMT_IF(1, BOOKED(refundMem[1])) + AMT_IF(2, BOOKED(refundMem[2])) + AMT_IF(3, BOOKED(refundMem[3])))
/* the refunds the run booked itself (not those made at the provider) */
#define OWN_BOOKED (AMT_IF(0, BOOKED(refundMem[0])) + AMT_IF(1, BOOKED(refundMem[1])) + AMT_IF(2, BOOKED(refundMem[2])))
/* what the order shows as refunded (summarise: SUCCEEDED rows) */
#define MYSQL_REFUNDED (AMT_IF(0, refundRow[0] == RF_SUCCEEDED) + AMT_IF(1, refundRow[1] == RF_SUCCEEDED) + AMT_IF(2, refundRow[2] == RF_SUCCEEDED) + AMT_IF(3, refundRow[3] == RF_SUCCEEDED))
/* the authorisation order 0's payment was captured on (the payment row's authorizationId) */
#define CAPT_AUTH ((AUTH(0, 1) == A_CAPT || AUTH(0, 1) == A_REFUND) -> 1 : 2)
#else
#define RETURNED(p) 0
#endif

/* ── Faults and the world ── */
byte lost, crashes, flushes, terms, declines, lostTasks;
/* The order's units were given back to Redis by a release in a workflow task that was then lost (lostTask; since
 * generation 7 only in the twin UNDO_IN_THE_DECIDING_TASK, where the release runs in the deciding task). Its
 * retry may take the sale: MySQL sells the units, and until the settle takes them again Redis counts them available;
 * other buyers may reserve them meanwhile, and the settle's retake then leaves the count below zero until MySQL
 * refuses one buyer's stock commit and its release gives them back. I1 in Redis allows for these units, no more. */
bool lostRelease[NO];
#define OVER(p) (Q(0, p) * lostRelease[0] + Q(1, p) * lostRelease[1] + Q(2, p) * lostRelease[2])
bool wfClosed[NO];              /* the order's workflow was terminated by an operator */
byte sweepRebuilds;             /* rebuilds of a lost availability made by the reconciler */
byte repairs;                   /* drift repairs the reconciler made: each is a breach of I2 */
#ifdef COUPON_ORDERS_ONLY
byte ordersRunning = NO - 1;    /* order 0 (no coupon) is not placed: smaller runs of the coupon steps with a flush */
#elif defined(PLACED_ORDERS)
byte ordersRunning = PLACED_ORDERS;   /* only orders 0 .. PLACED_ORDERS - 1 are placed (the after-sale runs' bound) */
#else
byte ordersRunning = NO;
#endif

/* ── Invariants ── */
#define LIVE(o) (hold[o] == H_HELD || hold[o] == H_COMMITTED)
#define TK(o) ((SOLD(o) || LIVE(o)) -> 1 : 0)
#define TAKEN(p) (Q(0, p) * TK(0) + Q(1, p) * TK(1) + Q(2, p) * TK(2))
#define SOLD_UNITS(p) (Q(0, p) * (SOLD(0) -> 1 : 0) + Q(1, p) * (SOLD(1) -> 1 : 0) + Q(2, p) * (SOLD(2) -> 1 : 0))
/* I1 in MySQL: the stock is what was stocked minus the units sold plus the units returned to it (-DAFTER_SALE), never
 * below zero (byte: an underflow breaks the equation). In Redis, while it has not lost its data: availability never negative, units held plus units sold never
 * above the stock; except by the units of releases whose workflow task was lost (OVER), no more. */
#define I1_MYSQL(p) (stock[p] + SOLD_UNITS(p) == STOCK + RETURNED(p))
#define I1_REDIS(p) (flushes > 0 || ((avail[p] == MISSING || avail[p] + OVER(p) >= 0) && TAKEN(p) <= STOCK + RETURNED(p) + OVER(p)))
#define I1 (I1_MYSQL(0) && I1_MYSQL(1) && I1_REDIS(0) && I1_REDIS(1))
/* An order is over once it has a terminal status, or its workflow was terminated before its first record. */
#define TERMINAL(o) (status[o] >= CONFIRMED || (wfClosed[o] && status[o] == S_NONE))
#define ALL_TERMINAL (TERMINAL(0) && TERMINAL(1) && TERMINAL(2))
/* A hold is stranded when nothing will end it: 'held' once its order is over (a CONFIRMED order's hold is settled),
 * or 'committed' once its order is over without a sale. A 'committed' hold of a CONFIRMED order (recreated by a
 * rebuild that read the order RESERVED, after its settled hold was flushed) takes nothing and expires (its TTL). */
#define STRANDED(o) (hold[o] == H_HELD || (hold[o] == H_COMMITTED && status[o] != CONFIRMED))
#define NO_STRANDED_HOLD (!STRANDED(0) && !STRANDED(1) && !STRANDED(2))

#ifdef COUPONS
/* Issue 24's coupon invariants, in every state: issued <= quantity; redeemed <= issued; a redeemed claim is a claim,
 * of one order only (order_id is unique), and that order is CONFIRMED or in flight (a compensation gives the claim
 * back before the order's terminal record). In Redis: the claims left never below zero. */
#define IN_FLIGHT_OR_CONFIRMED(o) (status[o] == PENDING || status[o] == RESERVED || status[o] == CONFIRMED)
#define REDEEMED_BY_LIVE(b) (redeemedBy[b] == 0 || (claimed[b] && IN_FLIGHT_OR_CONFIRMED(redeemedBy[b] - 1)))
#define C_ISSUED (ISSUED <= CQ)
#define C_REDEEMED (REDEEMED <= ISSUED)
#define C_OWNED (REDEEMED_BY_LIVE(0) && REDEEMED_BY_LIVE(1) && (redeemedBy[0] == 0 || redeemedBy[0] != redeemedBy[1]))
#define C_REDIS (cLeft == MISSING || cLeft >= 0)
#define COUPON_OK (C_ISSUED && C_REDEEMED && C_OWNED && C_REDIS)
#define ASSERT_COUPONS assert(C_ISSUED); assert(C_REDEEMED); assert(C_OWNED); assert(C_REDIS)
#else
#define COUPON_OK true
#define ASSERT_COUPONS skip
#endif

#ifdef AFTER_SALE
/* I8 (and I3, I6 after the sale), in every state: the provider never refunds more than it captured; MySQL records as
 * refunded no more than the provider refunded (a SUCCEEDED row follows the provider's refund); the refunds the run
 * booked itself (PENDING or SUCCEEDED) never add up to more than the capture (its check; a refund made at the
 * provider is not checked by anyone but the provider, so it is not in this sum); no more units asked back or put
 * back than order 0 bought. */
#define AS_PROVIDER (provRefunded <= CAPTURED)
#define AS_MYSQL (MYSQL_REFUNDED <= provRefunded)
#define AS_BOOKED (OWN_BOOKED <= CAPTURED)
#define AS_RETURNED (RETURNED(RP) <= Q(0, RP))
#define AFTER_SALE_OK (AS_PROVIDER && AS_MYSQL && AS_BOOKED && AS_RETURNED)
#define ASSERT_AFTER_SALE assert(AS_PROVIDER); assert(AS_MYSQL); assert(AS_BOOKED); assert(AS_RETURNED)
#define AFTER_SALE_OVER (asDone || asGone)
#else
#define AFTER_SALE_OK true
#define ASSERT_AFTER_SALE skip
#define AFTER_SALE_OVER true
#endif

active proctype invariants() {
end: atomic { !(I1 && COUPON_OK && AFTER_SALE_OK) -> assert(I1); ASSERT_COUPONS; ASSERT_AFTER_SALE }
}

/* Liveness (I4): every order reaches a terminal status and no hold is left held (checked with -a -f); with
 * -DAFTER_SALE, order 0's after-sale run also ends (every refund settled, the return received). */
ltl terminates { <> (ALL_TERMINAL && NO_STRANDED_HOLD && AFTER_SALE_OVER) }

/* ── Redis Lua scripts (inventory/scripts.ts), each one atomic step ── */

/* RESERVE_SCRIPT: every line or none; a retry of a held reserve answers reserved again; a reservation ends the
 * order's admission claims. res: 1 reserved, 0 short, 2 + p: product p is not loaded. */
#define FITS(o, p) (Q(o, p) == 0 || (avail[p] != MISSING && avail[p] >= Q(o, p)))
inline reserveScript(o, res) {
  atomic {
    if
    :: LIVE(o) || hold[o] == H_SETTLED -> claim[o] = false; res = 1
    :: hold[o] == H_RELEASED -> res = 0
    :: hold[o] == H_NONE && avail[0] == MISSING -> res = 2
    :: hold[o] == H_NONE && avail[0] != MISSING && !FITS(o, 0) -> res = 0
    :: hold[o] == H_NONE && FITS(o, 0) && Q(o, 1) > 0 && avail[1] == MISSING -> res = 3
    :: hold[o] == H_NONE && FITS(o, 0) && avail[1] != MISSING && !FITS(o, 1) -> res = 0
    :: hold[o] == H_NONE && FITS(o, 0) && FITS(o, 1) -> res = 1
    fi;
#ifdef RESERVE_READ_THEN_WRITE
  };   /* the twin: what was read may have changed by the time the units are taken */
  atomic {
#endif
    if
    :: res == 1 && hold[o] == H_NONE ->
       avail[0] = avail[0] - Q(o, 0);
       if :: Q(o, 1) > 0 -> avail[1] = avail[1] - Q(o, 1) :: else -> skip fi;
       hold[o] = H_HELD; claim[o] = false
    :: else -> skip
    fi
  }
}

/* RELEASE_SCRIPT: gives a held (or committed) reservation back to the loaded availabilities; leaves a 'released'
 * tombstone whose `returned` says whether units were given back (a gone hold's tombstone gave nothing). */
inline releaseScript(o) {
  atomic {
    if
    :: hold[o] == H_RELEASED || hold[o] == H_SETTLED -> skip
    :: else ->
       if
       :: LIVE(o) ->
          if :: avail[0] != MISSING -> avail[0] = avail[0] + Q(o, 0) :: else -> skip fi;
          if :: avail[1] != MISSING -> avail[1] = avail[1] + Q(o, 1) :: else -> skip fi;
          returned[o] = true
       :: else -> returned[o] = false
       fi;
       hold[o] = H_RELEASED
    fi
  }
}

/* SETTLE_SCRIPT: `recorded` is ASK ('?', not asked: answers 2 for a gone hold), 1 (MySQL does not record the
 * order CONFIRMED: a gone hold's units are taken now) or 0 (it does: a rebuild already counted the sale). */
#define ASK 2
inline settleScript(o, recorded, res) {
  atomic {
    if
    :: hold[o] == H_SETTLED -> res = 0
#ifndef SETTLE_SKIPS_RELEASED
    /* A released hold whose release gave units back: that release ran in a workflow task that was lost, and the
     * task's retry took the sale (a settle runs only after the stock commit). The units are taken again from each
     * loaded count, as the Lua's DECRBY does, whether or not they are still there: a buyer who reserved a returned
     * unit meanwhile leaves the count below zero (lostRelease) until MySQL refuses that buyer's commit. */
    :: hold[o] == H_RELEASED && returned[o] ->
       if :: avail[0] != MISSING -> avail[0] = avail[0] - Q(o, 0) :: else -> skip fi;
       if :: avail[1] != MISSING -> avail[1] = avail[1] - Q(o, 1) :: else -> skip fi;
       hold[o] = H_SETTLED; returned[o] = false; res = 1
    :: hold[o] == H_RELEASED && !returned[o] -> res = 0       /* it gave nothing back (Redis had lost it): nothing to take */
#else
    :: hold[o] == H_RELEASED -> res = 0                       /* the twin: SETTLE_SCRIPT before 6fc2576 */
#endif
    :: hold[o] == H_NONE && recorded == ASK -> res = 2
    :: else ->
       if
       :: hold[o] == H_NONE && recorded == 1 ->
          if :: avail[0] != MISSING -> avail[0] = avail[0] - Q(o, 0) :: else -> skip fi;
          if :: avail[1] != MISSING -> avail[1] = avail[1] - Q(o, 1) :: else -> skip fi
       :: else -> skip
       fi;
       res = (LIVE(o) -> 1 : 0);                                 /* a committed hold takes nothing */
       hold[o] = H_SETTLED
    fi
  }
}

/* Redis loses all of its data at once (FLUSHALL, a restart without persistence): the next EPOCH_SCRIPT makes a
 * new epoch, which here is the same as changing it now. */
inline flushRedis() {
  atomic {
    avail[0] = MISSING; avail[1] = MISSING;
    hold[0] = H_NONE; hold[1] = H_NONE; hold[2] = H_NONE;
    returned[0] = false; returned[1] = false; returned[2] = false;
    claim[0] = false; claim[1] = false; claim[2] = false;
#ifdef COUPONS
    cLeft = MISSING; cShare[0] = 0; cShare[1] = 0; cEpoch++;
#endif
    epoch++; flushes++
  }
}

/*
 * rebuildAvailability (inventory/availability-sync.ts): EPOCH_SCRIPT, then one REPEATABLE READ snapshot of MySQL
 * (db/holds.ts readRebuildSnapshot), then REBUILD_SCRIPT; read again when Redis was flushed in between (5 tries).
 * Uses the caller's locals rbEpoch, rbStock, rbSnap[NO], rbTries, rbOut, i.
 */
#define IN_VIEW 1
#define V_SOLD 2
#define V_RESERVED 4
#define V_RELEASED 8
inline rebuild(p) {
  rbTries = 0;
  do
  :: atomic {
       /* EPOCH_SCRIPT, then readRebuildSnapshot. One step here: a flush between the two changes the epoch, so the
        * script refuses that view in any case (and the twin without the check gains nothing from it either). */
       rbEpoch = epoch;
       rbStock = stock[p];
       for (i : 0 .. NO - 1) {
         rbSnap[i] = ((OPEN(i) && Q(i, p) > 0) -> IN_VIEW : 0) | (SOLD(i) -> V_SOLD : 0) |
                     (status[i] == RESERVED -> V_RESERVED : 0) | (releaseRecorded[i] -> V_RELEASED : 0)
       }
     };
     atomic {                                                /* REBUILD_SCRIPT */
       if
       :: avail[p] != MISSING -> rbOut = 0
#ifndef REBUILD_WITHOUT_EPOCH
       :: avail[p] == MISSING && epoch != rbEpoch -> rbOut = 2
       :: avail[p] == MISSING && epoch == rbEpoch ->
#else
       :: avail[p] == MISSING ->                             /* the twin: no epoch check */
#endif
          for (i : 0 .. NO - 1) {
            if
            :: rbSnap[i] & IN_VIEW ->
               if
               :: hold[i] == H_NONE && (rbSnap[i] & V_RESERVED) && !(rbSnap[i] & V_RELEASED) ->
#ifndef RECREATE_AS_HELD
                  hold[i] = ((rbSnap[i] & V_SOLD) -> H_COMMITTED : H_HELD);
#else
                  hold[i] = H_HELD;                          /* the twin: a sold order's hold too (known issue 2) */
#endif
#ifndef RECREATE_TAKES_ONE_PRODUCT
                  /* the recreated hold stands for the whole reservation: the order's other product, when its count
                   * is loaded (rebuilt while the order was PENDING, without it), takes its units now */
                  if :: avail[1 - (p)] != MISSING -> avail[1 - (p)] = avail[1 - (p)] - Q(i, 1 - (p)) :: else -> skip fi
#else
                  skip                                       /* the twin: only this product's count (known issue 1) */
#endif
               :: else -> skip
               fi;
               if
               :: (LIVE(i) || hold[i] == H_SETTLED) && !(rbSnap[i] & V_SOLD) -> rbStock = rbStock - Q(i, p)
               :: hold[i] == H_RELEASED && (rbSnap[i] & V_SOLD) -> rbStock = rbStock + Q(i, p)
               :: else -> skip
               fi
            :: else -> skip
            fi
          }
          avail[p] = rbStock; rbOut = 1
       fi
     };
     if
     :: rbOut == 2 && rbTries < 4 -> rbTries++
     :: else -> break
     fi
  od
}

#ifdef COUPONS
/* ── Coupon steps (coupons/gate.ts, coupons/issuance.ts, coupons/store.ts) ── */

/* COUPON_CLAIM_SCRIPT: res 1 taken (seen: the epoch it was taken in), 0 none left, 2 the buyer holds their share,
 * 3 the count is not loaded. */
inline couponClaimScript(b, res, seen) {
  atomic {
    if
    :: cLeft == MISSING -> res = 3
    :: cLeft != MISSING && cLeft <= 0 -> res = 0
    :: cLeft > 0 && cShare[b] >= 1 -> res = 2
    :: cLeft > 0 && cShare[b] < 1 -> cLeft--; cShare[b]++; seen = cEpoch; res = 1
    fi
  }
}

/* COUPON_GIVE_BACK_SCRIPT: undoes what a claim took in Redis when MySQL did not record it, only within the life of
 * Redis's data that took it (a count rebuilt since never included the claim). */
inline couponGiveBack(b, seen, count, share) {
  atomic {
    if
    :: cEpoch == seen && cLeft != MISSING ->
       if :: count -> cLeft++ :: else -> skip fi;
       if :: share -> cShare[b]-- :: else -> skip fi
    :: else -> skip
    fi
  }
}

/* rebuildCouponCount (coupons/count-sync.ts): the coupons' epoch, then MySQL's issued count and claims per buyer
 * (readCouponCounts; one step, as for stock), then COUPON_REBUILD_SCRIPT; read again when flushed in between. */
inline couponRebuild() {
  crTries = 0;
  do
  :: atomic { crEpoch = cEpoch; crLeft = CQ - ISSUED; crShare0 = claimed[0]; crShare1 = claimed[1] };
     atomic {
       if
       :: cLeft != MISSING -> crOut = 0
       :: cLeft == MISSING && cEpoch != crEpoch -> crOut = 2
       :: cLeft == MISSING && cEpoch == crEpoch -> cLeft = crLeft; cShare[0] = crShare0; cShare[1] = crShare1; crOut = 1
       fi
     };
     if
     :: crOut == 2 && crTries < 4 -> crTries++
     :: else -> break
     fi
  od
}

/* recordClaim (coupons/store.ts): under the coupon row's lock, the quantity then the buyer's share are checked against
 * every claim committed, and the claim is written. rec: 1 CLAIMED, 0 EXHAUSTED, 2 ALREADY_CLAIMED.
 * The twin COUPON_CHECK_BEFORE_LOCK checks before the lock (Saleor's voucher limit, issue 24) and writes later,
 * without the conditional update. */
inline recordClaim(b, rec) {
#ifndef COUPON_CHECK_BEFORE_LOCK
  atomic {
    if
    :: ISSUED >= CQ -> rec = 0
    :: ISSUED < CQ && claimed[b] -> rec = 2
    :: ISSUED < CQ && !claimed[b] -> claimed[b] = true; rec = 1
    fi
  }
#else
  atomic { if :: ISSUED >= CQ -> rec = 0 :: ISSUED < CQ && claimed[b] -> rec = 2 :: else -> rec = 1 fi };
  atomic { if :: rec == 1 -> claimed[b] = true :: else -> skip fi }
#endif
}

/* redeemClaim (activities/coupons.ts redeemCoupon): the buyer's unused claim becomes the order's; a repeat finds the
 * claim the order holds. Orders 1 and 2 are buyer 0's. res: 1 redeemed, 0 the buyer holds no unused claim. */
inline redeemClaim(o, res) {
  atomic {
    if
    :: redeemedBy[0] == o + 1 -> res = 1
    :: redeemedBy[0] != o + 1 && claimed[0] && redeemedBy[0] == 0 -> redeemedBy[0] = o + 1; res = 1
    :: else -> res = 0
    fi
  }
}

/* giveClaimBack (giveCouponBack, the undo of the redemption): the order's claim goes back to its buyer, unused. */
inline giveCouponBack(o) {
#ifndef COUPON_KEPT_ON_UNDO
  atomic { if :: redeemedBy[0] == o + 1 -> redeemedBy[0] = 0 :: else -> skip fi }
#else
  skip                                                         /* the twin: the undo leaves the claim redeemed */
#endif
}

/* A buyer's claim through the API (claimCoupon): the gate, a rebuild when the count is not loaded, then MySQL, then
 * what MySQL refused is given back to the gate. Buyer 1 competes with buyer 0 for the one coupon. */
proctype Claimer(byte b) {
  byte res, rec, seen, crEpoch, crTries, crOut, crShare0, crShare1;
  short crLeft;
  couponClaimScript(b, res, seen);
  if
  :: res == 3 -> couponRebuild(); couponClaimScript(b, res, seen)
  :: else -> skip
  fi;
  if
  :: res == 1 ->
     recordClaim(b, rec);
     if
     :: rec == 0 -> couponGiveBack(b, seen, false, true)     /* EXHAUSTED: the count stays taken (it was one high) */
     :: rec == 2 -> couponGiveBack(b, seen, true, false)     /* ALREADY_CLAIMED: Redis had not counted the share */
     :: rec == 1 -> skip
     fi
  :: else -> skip                                              /* refused by the gate (or not loaded: an error) */
  fi
}
#endif

/* ── MySQL steps (activities/order-record.ts, activities/stock.ts, db/holds.ts) ── */

/* saveOrder: an upsert that never moves a record backwards (db/status-rank.ts). */
inline saveOrder(o, s) {
  if :: RANK(s) >= RANK(status[o]) -> status[o] = s :: else -> skip fi
}

/* commitStock: one transaction, the conditional decrement of every line and the SALE rows; a replay is a no-op.
 * res: 1 committed (now or before), 0 short (INSUFFICIENT_STOCK, final). */
inline commitStock(o, res) {
  atomic {
    if
    :: sale[o] -> res = 1
    :: !sale[o] && stock[0] >= Q(o, 0) && stock[1] >= Q(o, 1) ->
       stock[0] = stock[0] - Q(o, 0); stock[1] = stock[1] - Q(o, 1); sale[o] = true; res = 1
    :: else -> res = 0
    fi
  }
}

/* restoreStock: puts back the units of a SALE without a RESTORE, in one transaction. */
inline restoreStock(o) {
  atomic {
    if
    :: sale[o] && !restored[o] -> stock[0] = stock[0] + Q(o, 0); stock[1] = stock[1] + Q(o, 1); restored[o] = true
    :: else -> skip
    fi
  }
}

/* ── Provider steps (payments/operations.ts, activities/payment.ts) ── */

/* reverseOne: reads the authorisation, then voids or refunds it under its own key (one step here). */
inline reverseOne(o, a) {
  atomic {
    if
    :: AUTH(o, a) == A_AUTH -> AUTH(o, a) = A_VOID
    :: AUTH(o, a) == A_CAPT -> AUTH(o, a) = A_REFUND
    :: else -> skip
    fi
  }
}

/* reversePayment: every authorisation of the order, found by its reference. */
inline reversePayment(o) {
  reverseOne(o, 1); reverseOne(o, 2)
}

/* After an activity ran, its answer may be lost: it then runs again later (at-least-once delivery). Each activity
 * run below is one atomic step that either moves the workflow on (answered) or leaves it where it is (answer lost:
 * the same step runs again, after whatever else happens meanwhile). */
#define ANSWER_LOST lost < MAXLOST -> lost++
#define ANSWERED(next) pc = next
#define RUN_ONCE_OR_AGAIN(next) if :: ANSWERED(next) :: ANSWER_LOST fi

/* ── The order workflow (workflows/order.ts orderWorkflow, generation 7: with -DCOUPONS its redemption; without, its
 * orders carry no coupon) ── */

/* Where the workflow is (pc), and the start of the workflow task it is in (task): a worker crash runs the task
 * again from its start, since the results of its local activities are recorded only when the task completes. */
#define W_ADMIT 0
#define W_PENDING 1
#define W_RESERVE 2
#define W_RECORD_RESERVED 3
#define W_RECORD_REJECTED 4
#define W_HOLD 5
#define W_AUTHORISE 6
#define W_COMMIT 7
#define W_CAPTURE 8
#define W_VOID_STRAYS 9
#define W_SETTLE 10
#define W_RECORD_CONFIRMED 11
#define W_RESTORE 12
#define W_REVERSE 13
#define W_RELEASE 14
#define W_RECORD_END 15
#define W_NOTIFY 16
#define W_END 17
#define W_REDEEM 18              /* redeemCoupon (local), right after the reservation */
#define W_GIVE_BACK 19           /* its undo, giveCouponBack (local) */
#define W_DECIDED 20             /* decisionInTheHistory: a timer completes the task that decided to undo */

/* Generation 7 (UNDO_AFTER_A_DURABLE_DECISION): the task that decides to undo an order completes (its 1 ms timer)
 * before the first undo runs, so a lost task has run no undo and its retry may decide otherwise safely. The twin
 * UNDO_IN_THE_DECIDING_TASK is generation 6: the undos run as local activities in the deciding task itself. */
#ifdef UNDO_IN_THE_DECIDING_TASK
#define UNDO_START UNDO_NEXT
#else
#define UNDO_START W_DECIDED
#endif

/* Payment attempts: order 0 may pay twice (a decline or an unanswered attempt, then another), the others once. */
#define MAXPAY_OF(o) ((o) == 0 -> MAXPAY : 1)

/* Undos registered, oldest first (workflows/saga.ts UndoStack): release (with the reservation), reverse payment
 * (once RESERVED is recorded; it asks the provider only if a payment was tried), restore stock (with the commit);
 * undoAll (W_RESTORE, W_REVERSE, W_RELEASE) runs them newest first. `undos` counts them. */
#ifndef COUPONS
#define U_REVERSE 2
#define U_RESTORE 3
#define U_AFTER_REVERSE(o) 1
#define UNDO_NEXT (undos == 3 -> W_RESTORE : (undos == 2 -> W_REVERSE : (undos == 1 -> W_RELEASE : W_RECORD_END)))
#else
/* With coupons the redemption's undo sits between the release and the payment's reversal: give back (2). */
#define U_REVERSE 3
#define U_RESTORE 4
#define U_AFTER_REVERSE(o) (USES_COUPON(o) -> 2 : 1)
#define UNDO_NEXT (undos == 4 -> W_RESTORE : (undos == 3 -> W_REVERSE : (undos == 2 -> W_GIVE_BACK : (undos == 1 -> W_RELEASE : W_RECORD_END))))
#endif
#if defined(RELEASE_BEFORE_VOID) && !defined(COUPONS)
/* the twin: the reservation is released first, then the payment reversed */
#undef UNDO_NEXT
#define UNDO_NEXT (undos == 3 -> W_RESTORE : (undos == 2 -> W_RELEASE : (undos == 1 -> W_REVERSE : W_RECORD_END)))
#endif

proctype Order(byte o) {
  byte pc = W_ADMIT, task = W_PENDING;
  byte undos = 0, taskUndos = 0;     /* taskUndos: the undos registered when the last task completed */
  byte attempts = 0, paidWith = 0;
  byte outcome = S_NONE;             /* CANCELLED, EXPIRED or FAILED once decided */
  bool holdEnding = false;           /* in the workflow task that ended the hold unpaid, not completed yet */
  byte res, asked, captureTry;
  byte rbEpoch, rbTries, rbOut, i;
  short rbStock;
  byte rbSnap[NO];

  do
  :: pc == W_END -> break
  /* A worker crash: another worker runs the task again from its start (its local activities again). */
  :: atomic { pc != W_END && pc != W_ADMIT && pc != W_HOLD && crashes < MAXCRASH -> crashes++; pc = task; undos = taskUndos }
  /* lostTask: the workflow task that ended the hold unpaid (a cancel or the timer) is lost before it completes.
   * Nothing of the task is in the history, so its retry decides the hold again from the last durable point, and may
   * hold a message the lost task did not: a payment, accepted first, which takes the sale (fault run seed 2421). Since
   * generation 7 the task completes (W_DECIDED) before any undo, so it is lost with no effect; in the twin
   * UNDO_IN_THE_DECIDING_TASK its local undos ran and their effects stay (the release in Redis with its hold_release
   * row, a CANCELLED or EXPIRED record, a coupon given back). The crash above retries with the same messages, so it
   * resumes after the decision. */
  :: atomic {
       holdEnding && pc != W_END && lostTasks < MAXLOSTTASK ->
       lostTasks++; holdEnding = false; outcome = S_NONE;
#ifndef UNDO_IN_THE_DECIDING_TASK
       assert(status[o] == RESERVED && !releaseRecorded[o]);         /* generation 7: the lost task undid nothing */
#endif
       lostRelease[o] = (lostRelease[o] || (hold[o] == H_RELEASED && returned[o]));
       pc = W_HOLD; undos = U_REVERSE; task = W_HOLD; taskUndos = undos
     }
#ifdef CLAIMS_EXPIRE
  /* The admission claim outlives ADMISSION_CLAIM_MS (30 s) before the reservation ends it: a later buyer is let in. */
  :: atomic { claim[o] && pc != W_ADMIT -> claim[o] = false }
#endif
  /* An operator terminates the workflow: the reconciler's sweep must end the order. */
  :: atomic { pc != W_END && pc != W_ADMIT && terms < MAXTERM -> terms++; wfClosed[o] = true; pc = W_END }

  /* The API's admission gate (ADMIT_SCRIPT), before the workflow starts. Claims are counted on product 0 (the one
   * the buyers compete for); each order has one claim, for all of its products. */
  :: atomic {
       pc == W_ADMIT ->
       if
       :: !FITS(o, 0) && avail[0] != MISSING -> status[o] = REFUSED; pc = W_END                  /* sold out */
       :: !FITS(o, 1) && avail[1] != MISSING -> status[o] = REFUSED; pc = W_END
       :: (FITS(o, 0) || avail[0] == MISSING) && (FITS(o, 1) || avail[1] == MISSING) ->
          if
          :: Q(o, 0) > 0 && avail[0] != MISSING && (Q(0, 0) > 0 && claim[0]) + claim[1] + claim[2] >= avail[0] ->
             status[o] = REFUSED; pc = W_END
          :: else -> claim[o] = true; pc = W_PENDING
          fi
       fi
     }

  :: atomic { pc == W_PENDING -> saveOrder(o, PENDING); RUN_ONCE_OR_AGAIN(W_RESERVE) }       /* recordPending */
  :: pc == W_RESERVE ->                                            /* reserveStock (local) */
     reserveScript(o, res);
     if
     :: res >= 2 -> rebuild(res - 2); reserveScript(o, res)
     :: else -> skip
     fi;
     if
     :: res >= 2 && Q(o, 1) > 0 -> rebuild(res - 2); reserveScript(o, res)
     :: else -> skip
     fi;
     atomic {
       rbEpoch = 0; rbStock = 0; rbTries = 0; rbOut = 0; i = 0; rbSnap[0] = 0; rbSnap[1] = 0; rbSnap[2] = 0;
       if
       :: res >= 2 -> skip                                         /* AVAILABILITY_NOT_LOADED: retried */
       :: res == 1 -> undos = 1; RUN_ONCE_OR_AGAIN((USES_COUPON(o) -> W_REDEEM : W_RECORD_RESERVED))
       :: res == 0 -> RUN_ONCE_OR_AGAIN(W_RECORD_REJECTED)
       fi;
       res = 0
     }
#ifdef COUPONS
  :: atomic {                                                      /* redeemsItsCoupon; refused: reject() */
       pc == W_REDEEM -> redeemClaim(o, res);
       if
       :: res == 1 -> undos = 2; RUN_ONCE_OR_AGAIN(W_RECORD_RESERVED)
       :: res == 0 -> outcome = REJECTED; pc = UNDO_START                 /* undoAll, then REJECTED */
       fi;
       res = 0
     }
  :: atomic {
       pc == W_GIVE_BACK -> giveCouponBack(o); undos = 1; RUN_ONCE_OR_AGAIN(UNDO_NEXT);
       if :: pc == W_GIVE_BACK -> undos = 2 :: else -> skip fi
     }
#endif
  :: atomic {                                                      /* moveTo('REJECTED'); the API's answered() */
       pc == W_RECORD_REJECTED -> saveOrder(o, REJECTED); claim[o] = false; RUN_ONCE_OR_AGAIN(W_NOTIFY)
     }
  :: atomic {                                                      /* moveTo('RESERVED'); the hold timer starts */
       pc == W_RECORD_RESERVED -> saveOrder(o, RESERVED); claim[o] = false; RUN_ONCE_OR_AGAIN(W_HOLD);
       if :: pc == W_HOLD -> undos = U_REVERSE; task = W_HOLD; taskUndos = undos :: else -> skip fi
     }

  /* holdUntilPaidOrReleased: the payOrder update authorises; cancelOrder or the timer ends the hold unpaid. A cancel
   * or the timer while a payment is under way waits for it, so each comes between payment attempts. */
  :: atomic {
       pc == W_HOLD ->
       if
       :: attempts < MAXPAY_OF(o) ->                               /* payOrder: the accepting task completes first */
          attempts++; pc = W_AUTHORISE
       :: outcome = (o == 1 -> CANCELLED : EXPIRED);               /* cancelOrder (order 1), or the timer fires */
          pc = UNDO_START; task = pc; holdEnding = (MAXLOSTTASK > 0)  /* a run without lost tasks keeps its states */
       fi
     }
  :: atomic {                                                      /* authorise (scheduled) under its attempt's key */
       pc == W_AUTHORISE ->
       if
       :: AUTH(o, attempts) == A_NONE ->
          if :: AUTH(o, attempts) = A_AUTH :: declines < MAXDECLINE -> declines++; AUTH(o, attempts) = A_DECLINED fi
       :: else -> skip                                             /* the key's stored answer is replayed */
       fi;
       if
       :: AUTH(o, attempts) == A_AUTH -> paidWith = attempts; pc = W_COMMIT; task = W_COMMIT
       :: AUTH(o, attempts) == A_DECLINED -> pc = W_HOLD           /* declined: the order stays RESERVED */
       :: ANSWER_LOST                                              /* run again */
       :: ANSWER_LOST; pc = W_HOLD                                 /* retries spent: PAYMENT_UNAVAILABLE */
       fi
     }

  :: atomic {                                                      /* commitStock (local) */
       pc == W_COMMIT -> commitStock(o, res);
       if
       :: res == 1 -> undos = U_RESTORE; captureTry = 1; RUN_ONCE_OR_AGAIN(W_CAPTURE)
       :: else ->
          /* I1: while Redis keeps its data, it never holds units MySQL cannot sell; except units a lost task's
           * release gave back, sold by its retry, and reserved by another buyer meanwhile (lostRelease). */
          assert(flushes > 0 || lostRelease[0] || lostRelease[1] || lostRelease[2]);
          outcome = FAILED; pc = UNDO_START
       fi;
       res = 0
     }
  :: atomic {                                                      /* capturePayment (local first tries) */
       pc == W_CAPTURE ->
       if
       :: captureTry > 1 && AUTH(o, paidWith) == A_CAPT -> res = 1     /* found done by an earlier attempt */
#ifndef CAPTURE_WITHOUT_KEY
       :: !(captureTry > 1 && AUTH(o, paidWith) == A_CAPT) && captureAnswer[o] != 0 -> res = captureAnswer[o]
       :: !(captureTry > 1 && AUTH(o, paidWith) == A_CAPT) && captureAnswer[o] == 0 ->
#else
       :: !(captureTry > 1 && AUTH(o, paidWith) == A_CAPT) ->          /* the twin: every try is a new request */
#endif
          captureRuns[o]++;
          assert(captureRuns[o] <= 1);                             /* I6: the provider runs a capture once */
          if
          :: AUTH(o, paidWith) == A_AUTH ->
             if
             :: AUTH(o, paidWith) = A_CAPT; everCaptured[o] = true; res = 1
             :: declines < MAXDECLINE -> declines++; res = 2      /* declined: final */
             fi
          :: else -> res = 3                                       /* invalid_state (409): rejected, final */
          fi;
          captureAnswer[o] = res
       fi;
       if
       :: res == 1 && attempts > 1 -> pc = W_VOID_STRAYS; captureTry = 0
       :: res == 1 && attempts == 1 -> pc = W_SETTLE; captureTry = 0
       :: res > 1 -> outcome = FAILED; pc = UNDO_START; captureTry = 0   /* CAPTURE_DECLINED or rejected */
       :: ANSWER_LOST; captureTry++
       fi;
       res = 0
     }
  :: atomic {                                                      /* voidStrayAuthorizations (scheduled) */
       pc == W_VOID_STRAYS -> task = W_VOID_STRAYS; taskUndos = undos;
       reverseOne(o, 3 - paidWith);
       if :: pc = W_SETTLE; task = W_SETTLE :: ANSWER_LOST fi
     }
  :: pc == W_SETTLE ->                                             /* settleReservation (local) */
     settleScript(o, ASK, res);
     if
     :: res == 2 ->
#ifdef SETTLE_ASKS_NOTHING
        asked = 1;                                                 /* the twin: a gone hold's units are always taken */
#else
        asked = (status[o] == CONFIRMED -> 0 : 1);                 /* isRecordedConfirmed */
#endif
        settleScript(o, asked, res)
     :: else -> skip
     fi;
     atomic { res = 0; asked = 0; RUN_ONCE_OR_AGAIN(W_RECORD_CONFIRMED) }
  :: atomic {
       pc == W_RECORD_CONFIRMED -> saveOrder(o, CONFIRMED);
#ifdef COUPONS
       /* keepTheSoldOrdersClaim (9d580b2): the sale keeps its claim; a lost task that gave it back left it unused, so
        * the record takes the buyer's unused claim again (none left: the buyer spent it meanwhile, a warning, I7) */
       if :: USES_COUPON(o) -> redeemClaim(o, res); res = 0 :: else -> skip fi;
#endif
       RUN_ONCE_OR_AGAIN(W_NOTIFY)
     }

  /* undoAll, newest first: restore stock (local), reverse payment (scheduled), release reservation (local); first, the
   * timer that puts the decision in the history (generation 7): the deciding task completes, the undos run after. */
  :: atomic { pc == W_DECIDED -> pc = UNDO_NEXT; task = pc; taskUndos = undos; holdEnding = false }
  :: atomic { pc == W_RESTORE -> restoreStock(o); undos = U_REVERSE; RUN_ONCE_OR_AGAIN(UNDO_NEXT) }
  :: atomic {
       pc == W_REVERSE && attempts == 0 -> undos = U_AFTER_REVERSE(o); pc = UNDO_NEXT   /* no payment tried: nothing to ask */
     }
  :: atomic {
       pc == W_REVERSE && attempts > 0 -> task = W_REVERSE; taskUndos = undos; holdEnding = false;   /* scheduled: the task completes */
       reversePayment(o);
#ifndef RELEASE_BEFORE_VOID
       undos = U_AFTER_REVERSE(o);
#else
       undos = 0;
#endif
       if :: pc = UNDO_NEXT; task = pc; taskUndos = undos :: ANSWER_LOST; undos = taskUndos fi
     }
  :: atomic {
       pc == W_RELEASE ->
       /* I3: the money goes back before the units do: no live authorisation of the order when it is released */
       assert(AUTH(o, 1) != A_AUTH && AUTH(o, 2) != A_AUTH);
       releaseRecorded[o] = true                                   /* recordHoldRelease, first */
     };
     releaseScript(o);
     atomic {
#ifndef RELEASE_BEFORE_VOID
       undos = 0;
#else
       undos = 1;
#endif
       RUN_ONCE_OR_AGAIN(UNDO_NEXT);
       if :: pc == W_RELEASE -> undos = 1 :: else -> skip fi
     }
  :: atomic { pc == W_RECORD_END -> saveOrder(o, outcome); RUN_ONCE_OR_AGAIN(W_NOTIFY) }
  :: atomic { pc == W_NOTIFY -> pc = W_END; task = W_END; holdEnding = false }   /* notify (scheduled): the task completes */
  od;
  ordersRunning--
}

/* ── The reconciler (activities/reconcile.ts) ── */

/* sweepOne (activities/order-sweep.ts): an open order whose workflow is closed is ended by the saga's own undo
 * steps: restore the stock, record the release then release the hold, reverse the payment, record FAILED. */
inline sweepOne(o) {
  restoreStock(o);
#ifdef COUPONS
  giveCouponBack(o);
#endif
  releaseRecorded[o] = true;
  releaseScript(o);
  reversePayment(o);
  saveOrder(o, FAILED)
}

/* repairIfDrifted (inventory/drift-repair.ts): a quiet product (no open order names it, two MySQL readings agree)
 * whose availability is not its stock is resynced: FORGET_SCRIPT, then the rebuild. Looked at once every order
 * has ended, where each repair is a breach of I2 (as the fault run counts them). */
inline repairIfDrifted(p) {
  atomic { open1 = (OPEN(0) && Q(0, p) > 0) + (OPEN(1) && Q(1, p) > 0) + (OPEN(2) && Q(2, p) > 0); stock1 = stock[p] };
#ifndef AFTER_SALE
  seen = avail[p];
#else
  atomic { seen = avail[p]; midReturn = (restocking && p == RP) };
#endif
  atomic { open2 = (OPEN(0) && Q(0, p) > 0) + (OPEN(1) && Q(1, p) > 0) + (OPEN(2) && Q(2, p) > 0); stock2 = stock[p] };
  if
  :: open1 == 0 && open2 == 0 && stock1 == stock2 && seen != MISSING && seen != stock1 ->
#ifndef AFTER_SALE
     repairs++;
#else
     /* a returned unit read in MySQL's stock but not yet in Redis's count (between putBackInMySql and the resync):
      * the repair is the resync the return makes next, made early; not a breach */
     if :: midReturn -> returnRepairs++ :: else -> repairs++ fi;
#endif
     atomic { avail[p] = MISSING; epoch++ };                       /* FORGET_SCRIPT */
     rebuild(p);
     atomic { rbEpoch = 0; rbStock = 0; rbTries = 0; rbOut = 0; i = 0; rbSnap[0] = 0; rbSnap[1] = 0; rbSnap[2] = 0 }
  :: else -> skip
  fi;
#ifdef AFTER_SALE
  midReturn = false;
#endif
  atomic { open1 = 0; open2 = 0; stock1 = 0; stock2 = 0; seen = 0 }
}

/* The drift repair looks once every order has ended; with -DAFTER_SALE, once order 0's after-sale run has ended too,
 * unless -DDRIFT_LOOK_DURING_AFTER_SALE (then it may look while a return's unit is put back: see repairIfDrifted). */
#if defined(AFTER_SALE) && !defined(DRIFT_LOOK_DURING_AFTER_SALE)
#define DRIFT_LOOK_READY (ordersRunning == 0 && ALL_TERMINAL && AFTER_SALE_OVER)
#else
#define DRIFT_LOOK_READY (ordersRunning == 0 && ALL_TERMINAL)
#endif

proctype Reconciler() {
  byte o, p = 0, open1, open2, stock1;
#ifdef AFTER_SALE
  bool midReturn;
#endif
  short seen, stock2;
  byte rbEpoch, rbTries, rbOut, i;
  short rbStock;
  byte rbSnap[NO];
  do
  :: atomic { wfClosed[0] && OPEN(0) -> o = 0 }; sweepOne(o)
  :: atomic { wfClosed[1] && OPEN(1) -> o = 1 }; sweepOne(o)
  :: atomic { wfClosed[2] && OPEN(2) -> o = 2 }; sweepOne(o)
  /* repairDriftPage: a product whose availability Redis lost is rebuilt by the flush rule, orders in flight or not
   * (MAXSWEEPREBUILD times a run: each is a whole rebuild interleaved with everything else). */
  :: avail[0] == MISSING && sweepRebuilds < MAXSWEEPREBUILD -> sweepRebuilds++; rebuild(0); atomic { rbEpoch = 0; rbStock = 0; rbTries = 0; rbOut = 0; i = 0; rbSnap[0] = 0; rbSnap[1] = 0; rbSnap[2] = 0 }
  :: avail[1] == MISSING && sweepRebuilds < MAXSWEEPREBUILD -> sweepRebuilds++; rebuild(1); atomic { rbEpoch = 0; rbStock = 0; rbTries = 0; rbOut = 0; i = 0; rbSnap[0] = 0; rbSnap[1] = 0; rbSnap[2] = 0 }
  :: DRIFT_LOOK_READY && p < NP -> repairIfDrifted(p); p++
  :: atomic { DRIFT_LOOK_READY && p == NP -> break }
  od
}

#ifdef AFTER_SALE
/* ── Order 0 after the sale (workflows/after-sale.ts afterSaleWorkflow; docs/DESIGN.md §8) ──
 * One run, started by the first request once order 0 is CONFIRMED. Its message handlers (requestRefund,
 * requestReturn, receiveReturn updates, the refundedAtProvider signal) and its main loop (refundNext) run one at a
 * time between awaits: each atomic step below is the code between two awaits, and each await is where the others may
 * run. Its activities are scheduled (not local): a completed one is replayed from the history after a worker crash,
 * so a crash only runs an activity under way again, which is a lost answer here. Its MySQL writes (saveRefund,
 * saveReturn) are upserts by id whose repeat writes the same row: their lost answers are not modelled (a retry only
 * comes later, which the interleavings cover). */

/* Stored answers of a refund's Idempotency-Key (payments/idempotent-route.ts stores every non-5xx answer). */
#define RP_REFUNDED 1
#define RP_DECLINED 2           /* 402 refund_declined (tok_refundFails): REFUND_DECLINED, final */
#define RP_REFUSED 3            /* 400 amount_too_large, 409 invalid_state: PAYMENT_REQUEST_REJECTED, final */
#define RP_GAVE_UP 4            /* (the activity's outcome) an hour of retries without an answer */

/* refundPart (payments/operations.ts) behind idempotentRoute, for a request of refund r (its merchantReference) sent
 * under the refund id as its key; `fresh`: (the twin) under a retry's new key, whose answer nothing stored. The
 * refund must fit in what is left of the capture; a refund that leaves nothing makes the authorisation 'refunded'
 * (Ledger.applyRefund). */
inline providerRefund(r, fresh, res) {
#ifndef REFUND_RETRIED_WITH_NEW_KEY
  if
  :: keyAnswer[r] != 0 -> res = keyAnswer[r]                   /* the key's stored answer, replayed */
  :: else ->
#else
  if
  :: !fresh && keyAnswer[r] != 0 -> res = keyAnswer[r]
  :: else ->                                                   /* the twin: a new key has no stored answer */
#endif
     if
     :: AUTH(0, CAPT_AUTH) != A_CAPT -> res = RP_REFUSED                             /* invalid_state */
     :: AUTH(0, CAPT_AUTH) == A_CAPT && provRefunded + refundAmount[r] > CAPTURED -> res = RP_REFUSED   /* amount_too_large */
     :: AUTH(0, CAPT_AUTH) == A_CAPT && provRefunded + refundAmount[r] <= CAPTURED ->
        if
        :: provRefunded = provRefunded + refundAmount[r]; provRuns[r]++;
           assert(provRuns[r] <= 1);                           /* I6: the provider makes refund r once */
           if :: provRefunded == CAPTURED -> AUTH(0, CAPT_AUTH) = A_REFUND :: else -> skip fi;
           res = RP_REFUNDED
        :: refundDeclines < MAXREFUNDDECLINE -> refundDeclines++; res = RP_DECLINED
        fi
     fi;
#ifdef REFUND_RETRIED_WITH_NEW_KEY
     if :: !fresh -> keyAnswer[r] = res :: else -> skip fi
#else
     keyAnswer[r] = res
#endif
  fi
}

/* A request of an attempt that timed out reaches the provider late; its answer goes to no one. */
inline lateRequestArrives(r, res) {
  atomic { lateRequest != 0 -> r = lateRequest - 1; providerRefund(r, lateFreshKey, res); lateRequest = 0; lateFreshKey = false; r = 0; res = 0 }
}

/* AfterSale.refund: the checks and the booking in one handler step, before any await (the order is CONFIRMED and
 * paid; the caller's expectedRefundedCents is what is committed now, else REFUND_STATE_CHANGED: a request with a stale
 * figure books nothing and is not modelled; committed + this one <= captured, else REFUND_EXCEEDS_CAPTURED). res: 1
 * booked PENDING (in the run's map), 0 refused. The twin REFUND_CHECK_OUTSIDE_WORKFLOW checks in one step and books
 * in another. */
inline bookRefund(r, res, fromStaff) {
  atomic {
    asStarted;
    if
    :: COMMITTED + refundAmount[r] <= CAPTURED -> res = 1
    :: else -> res = 0                                         /* REFUND_EXCEEDS_CAPTURED */
    fi;
#ifdef REFUND_CHECK_OUTSIDE_WORKFLOW
  };
  atomic {
#endif
    /* booked in the run's map; then the await of saveRefund(PENDING) (durable in MySQL before the provider is asked)
     * and the queue. One step here: during that await other handlers see the booking as they do after it, and the
     * queue keeps the order of the bookings */
    if :: res == 1 -> refundMem[r] = RF_PENDING; refundRow[r] = RF_PENDING; refundQueue[queued] = r; queued++ :: else -> skip fi;
    if :: fromStaff -> asOpen--; res = 0 :: else -> skip fi    /* the staff's request is answered */
  }
}

/* A staff refund request (POST /orders/:id/refunds → requestRefundUpdate), sent once the run has started. */
proctype StaffRefund(byte r) {
  byte res;
  if
  :: atomic { asGone -> asOpen-- }
  :: bookRefund(r, res, true)          /* a request with a stale figure books nothing, as one refused here */
  fi
}

/* The buyer's return of order 0's unit of product 0, then its receipt by staff (requestReturnUpdate,
 * receiveReturnUpdate). */
proctype Returner() {
  byte res, amount;
  byte rbEpoch, rbTries, rbOut, i;
  short rbStock;
  byte rbSnap[NO];
  if
  :: atomic { asGone -> asOpen-- }
  :: /* requestReturn: no more units than sold less those in earlier returns (the one request here always fits), booked
      * in the run's map in the handler step, then saveReturn(REQUESTED) */
     atomic { asStarted && returnMem == RET_NONE && Q(0, RP) >= 1 -> returnMem = RET_REQUESTED; returnRow = RET_REQUESTED };
     /* receiveReturn: the return is known and REQUESTED; its units are checked against what it asked for. The unit
      * arrives SELLABLE: restockReturn (activities/return-stock.ts), run until it answers: putBackInMySql, then
      * resyncAvailability */
     do
     :: atomic {                                            /* the RETURN movement's unique key: once */
          if :: !returnMovement -> stock[RP] = stock[RP] + 1; returnMovement = true; restocking = true :: else -> skip fi
        };
        if
        :: atomic { ANSWER_LOST }                           /* the worker dies between the two stores: run again */
        :: atomic { avail[RP] = MISSING; epoch++; restocking = false };   /* Inventory.forget: FORGET_SCRIPT */
           rebuild(RP);                                     /* rebuildAvailability */
           if
           :: break
           :: atomic { ANSWER_LOST }                        /* the activity's answer lost: run again */
           fi
        fi
     od;
     /* refundReturn: the unit's price as far as the capture still allows (Math.min(1, captured - committed), none when
      * nothing is left), through AfterSale.refund (no expected figure); then saveReturn(RECEIVED) */
     atomic {
       rbEpoch = 0; rbStock = 0; rbTries = 0; rbOut = 0; i = 0; rbSnap[0] = 0; rbSnap[1] = 0; rbSnap[2] = 0;
       amount = (COMMITTED < CAPTURED -> 1 : 0);
       if :: amount > 0 -> refundAmount[R_RETURN] = amount :: else -> skip fi
     };
     if
     :: amount > 0 -> bookRefund(R_RETURN, res, false)
     :: else -> skip
     fi;
     atomic { returnRow = RET_RECEIVED; returnMem = RET_RECEIVED; asOpen--; res = 0; amount = 0 }
  fi
}

/* Someone refunds 1 at the provider's dashboard (POST /v1/refunds under a key of their own), once order 0 is
 * CONFIRMED. The provider's signed authorization.refunded event reaches POST /payments/events (api/routes/
 * payment-events.ts), which records a SUCCEEDED refund row (db/payment-events.ts recordRefundAtProvider, the order being
 * CONFIRMED), then signals the run (AfterSaleClient.refundedAtProvider; no run open: nothing to tell, load reads it). */
proctype OutsideRefund() {
  bool made = false;
  if
  :: atomic { asGone -> asOpen-- }
  :: atomic {                                                  /* refundPart: fits, or refused and nothing happens */
       status[0] == CONFIRMED ->
       if
       :: AUTH(0, CAPT_AUTH) == A_CAPT && provRefunded + 1 <= CAPTURED ->
          provRefunded++; made = true;
          if :: provRefunded == CAPTURED -> AUTH(0, CAPT_AUTH) = A_REFUND :: else -> skip fi
       :: else -> skip
       fi
     };
     if
     :: made ->
        atomic { if :: refundRow[R_OUTSIDE] == RF_NONE -> refundRow[R_OUTSIDE] = RF_SUCCEEDED :: else -> skip fi };
        atomic {                                               /* refundedAtProvider: counted from now on */
          if :: asStarted && refundMem[R_OUTSIDE] == RF_NONE -> refundMem[R_OUTSIDE] = RF_SUCCEEDED :: else -> skip fi;
          asOpen--; made = false
        }
     :: else -> atomic { asOpen-- }
     fi
  fi
}

/* The run's main loop: one queued refund at a time at the provider (refundNext), until the requests are done. */
proctype AfterSale() {
  byte r, attempt, res, lr, lres;
  if
  :: atomic { TERMINAL(0) && status[0] != CONFIRMED -> asGone = true }
  :: atomic {                                                  /* started by the first request; load() reads MySQL */
       status[0] == CONFIRMED -> asStarted = true; refundMem[R_OUTSIDE] = refundRow[R_OUTSIDE]
     };
     do
     :: lateRequestArrives(lr, lres)
     :: atomic { queued > 0 -> r = refundQueue[0]; attempt = 1; res = 0 };
        /* refundPayment (REFUND_STEP: retried for an hour under the refund id as key; a decline or a refusal is final).
         * A retry first asks the provider whether an earlier attempt made the refund (findByReference). */
        do
        :: lateRequestArrives(lr, lres)
        :: atomic {
             res == 0 ->
             if
             :: attempt > 1 && provRuns[r] > 0 -> res = RP_REFUNDED     /* the look-up finds it */
             :: else ->
                if
                :: providerRefund(r, attempt > 1, res);
                   if :: skip :: ANSWER_LOST; res = 0; attempt = 2 fi   /* the answer lost: retried */
                :: lateRequest == 0 && lost < MAXLOST ->               /* the request is late: the attempt times out */
                   lost++; lateRequest = r + 1; lateFreshKey = (attempt > 1); attempt = 2
                fi
             fi
           }
        /* An hour of retries without an answer (a request still on its way reaches the provider within it): one last
         * look-up by the refund id (findRefund) decides. */
        :: atomic { res == 0 && attempt > 1 && lateRequest == 0 -> res = (provRuns[r] > 0 -> RP_REFUNDED : RP_GAVE_UP) }
        :: res != 0 -> break
        od;
        atomic {
          /* a decline or a refusal: findRefund, then the outcome; saveRefund(SUCCEEDED or FAILED), then the run's map
           * and the queue (tellTheBuyer follows: notifications are not modelled) */
          if :: res != RP_REFUNDED && provRuns[r] > 0 -> res = RP_REFUNDED :: else -> skip fi;
          if :: refundRow[r] == RF_PENDING -> refundRow[r] = (res == RP_REFUNDED -> RF_SUCCEEDED : RF_FAILED) :: else -> skip fi;
          refundMem[r] = (res == RP_REFUNDED -> RF_SUCCEEDED : RF_FAILED);
          refundQueue[0] = refundQueue[1]; refundQueue[1] = refundQueue[2]; refundQueue[2] = 0; queued--;
          r = 0; attempt = 0; res = 0
        }
     /* the run ends once nothing is queued and no request is under way (windowClosed && allHandlersFinished) */
     :: atomic { queued == 0 && asOpen == 0 && lateRequest == 0 -> asDone = true; break }
     od
  fi
}
#endif

proctype Flush() {
  do
  :: flushes < MAXFLUSH -> flushRedis()
  :: break
  od
}

/* A CONFIRMED order keeps its capture; with -DAFTER_SALE order 0's may have been refunded in full since. */
#ifdef AFTER_SALE
#define KEPT_CAPTURE(k, a) (AUTH(k, a) == A_CAPT || ((k) == 0 && AUTH(k, a) == A_REFUND))
#else
#define KEPT_CAPTURE(k, a) (AUTH(k, a) == A_CAPT)
#endif

init {
  byte k;
  atomic {
#ifdef COUPON_ORDERS_ONLY
    status[0] = REFUSED;
#elif defined(PLACED_ORDERS)
    run Order(0);
    if :: PLACED_ORDERS > 1 -> run Order(1) :: else -> status[1] = REFUSED fi;
    if :: PLACED_ORDERS > 2 -> run Order(2) :: else -> status[2] = REFUSED fi;
    run Reconciler(); run Flush();
#else
    run Order(0);
#endif
#ifndef PLACED_ORDERS
    run Order(1); run Order(2); run Reconciler(); run Flush();
#endif
#ifdef COUPONS
    run Claimer(0); run Claimer(1)
#endif
#if defined(COUPONS) && defined(AFTER_SALE)
    ;
#endif
#ifdef AFTER_SALE
    refundAmount[R_STAFF_PART] = 1; refundAmount[R_STAFF_ALL] = CAPTURED; refundAmount[R_OUTSIDE] = 1;
    run AfterSale(); run StaffRefund(R_STAFF_PART); run StaffRefund(R_STAFF_ALL); run Returner(); run OutsideRefund()
#endif
  }
  (_nr_pr == 2);                                                   /* at rest: only init and the monitor are left */
  atomic {
    /* I4: every order ended in a terminal status, no hold left held. */
    assert(ALL_TERMINAL && NO_STRANDED_HOLD);
    /* I2: availability equals stock (or is not loaded: the next reservation rebuilds it), and no repair was needed. */
    assert((avail[0] == MISSING || avail[0] == stock[0]) && (avail[1] == MISSING || avail[1] == stock[1]));
    assert(repairs == 0 || terms > 0);   /* an operator's termination may leave drift for the repair (see DESIGN) */
    for (k : 0 .. NO - 1) {
      /* I3: no authorisation left live; a capture is the pivot: its order is CONFIRMED, or was closed by an operator
       * and refunded by the sweep; a CONFIRMED order keeps exactly one capture, and its units stay sold. */
      assert(AUTH(k, 1) != A_AUTH && AUTH(k, 2) != A_AUTH);
      assert(!everCaptured[k] || status[k] == CONFIRMED || (wfClosed[k] && (AUTH(k, 1) == A_REFUND || AUTH(k, 2) == A_REFUND)));
      assert(status[k] != CONFIRMED || ((KEPT_CAPTURE(k, 1) + KEPT_CAPTURE(k, 2)) == 1 && SOLD(k)))
    }
#ifdef AFTER_SALE
    /* After the sale, at rest: every refund settled (SUCCEEDED or FAILED); MySQL's refunded total is the provider's;
     * each of the service's refunds is SUCCEEDED exactly when the provider made it (once), the one made at the provider
     * is recorded once it was made; the authorisation is 'refunded' exactly when nothing is left of the capture; the
     * return was received, and its unit is back in stock only if it was received sellable (the I1 and I2 checks above
     * count it: MySQL's stock, then Redis's availability rebuilt from it). */
    if
    :: asGone -> assert(provRefunded == 0 && refundRow[0] + refundRow[1] + refundRow[2] + refundRow[3] == 0 && !returnMovement)
    :: else ->
       assert(asDone && queued == 0 && lateRequest == 0);
       for (k : 0 .. NR - 1) { assert(refundRow[k] != RF_PENDING) }
       assert(MYSQL_REFUNDED == provRefunded);
       for (k : 0 .. NR - 2) { assert((refundRow[k] == RF_SUCCEEDED) == (provRuns[k] == 1)) }
       assert((AUTH(0, CAPT_AUTH) == A_REFUND) == (provRefunded == CAPTURED));
       assert(returnRow == RET_RECEIVED && returnMem == RET_RECEIVED)
    fi
#endif
#ifdef COUPONS
    /* Coupons at rest: a claim an order gave back is unused again, so its buyer can redeem it (only a CONFIRMED
     * order keeps one: consumed); a CONFIRMED coupon order consumed buyer 0's claim; Redis never counts fewer claims
     * left than MySQL has (it would refuse a buyer MySQL would serve), and while it kept its data, exactly as many,
     * with each buyer's share. (After a flush it may count one more: a claim recorded after the rebuild read MySQL;
     * MySQL refuses the extra claim, and the coupons' drift repair mends the count.) */
    assert(redeemedBy[0] == 0 || status[redeemedBy[0] - 1] == CONFIRMED);
    assert(redeemedBy[1] == 0);
    assert(status[1] != CONFIRMED || redeemedBy[0] == 2);
    assert(status[2] != CONFIRMED || redeemedBy[0] == 3);
    assert(cLeft == MISSING || cLeft >= CQ - ISSUED);
    assert(cLeft == MISSING || flushes > 0 || (cLeft == CQ - ISSUED && cShare[0] == claimed[0] && cShare[1] == claimed[1]))
#endif
  }
}
