/**
 * The one set of bounds every part of the service agrees on: the API validates against them, the payment provider
 * (and its stand-in) accepts every amount within them, and MySQL's columns can hold every value within them
 * (test/db/bounds.test.ts reads the columns' types and checks it). Anything the API accepts can therefore be stored,
 * reserved and paid: no order is let in that a later step would have to refuse.
 */

/** The largest amount, in cents, the payment provider authorises in one payment (its documented limit). */
export const MAX_PAYMENT_CENTS = 99_999_999;

/** A unit's price: at least a cent (a free unit makes an order nobody can pay), at most one payment. */
export const MIN_PRICE_CENTS = 1;
export const MAX_PRICE_CENTS = MAX_PAYMENT_CENTS;

/** An order is paid in one payment, so its total is bounded by the provider's limit; a total of 0 cannot be paid. */
export const MIN_ORDER_TOTAL_CENTS = 1;
export const MAX_ORDER_TOTAL_CENTS = MAX_PAYMENT_CENTS;

/** A drop's limits per order: they bound what one request can hold. */
export const MAX_UNITS_PER_LINE = 100;
export const MAX_LINES_PER_ORDER = 50;

/** product.stock is a signed INT: a restock that would pass it is refused, not left to fail in MySQL. */
export const MAX_STOCK = 2_147_483_647;
/** Stock given to a new product, and added by one restock. */
export const MAX_STOCK_PER_REQUEST = 10_000_000;

/** Product ids are INT UNSIGNED in MySQL; the API accepts the signed range, which every client language can hold. */
export const MAX_PRODUCT_ID = 2_147_483_647;

/** Coupons a drop may issue (coupon.quantity and coupon.issued are INT). */
export const MAX_COUPON_QUANTITY = 10_000_000;
/** Claims of one coupon one buyer may hold (coupon.per_buyer). */
export const MAX_CLAIMS_PER_BUYER = 100;
/** Products one coupon may be limited to. */
export const MAX_COUPON_PRODUCTS = 100;
