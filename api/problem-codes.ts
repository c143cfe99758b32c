/**
 * Every problem code the API answers with, defined once: its HTTP status and what it means. Routes and the error
 * mapping name codes from here (a typo does not compile), and the OpenAPI document lists each route's codes from here.
 */
export const PROBLEM_CODES = {
  VALIDATION_FAILED: { status: 400, meaning: 'a body field, path parameter, query parameter or header is not valid; `field` names it, `errors` lists all' },
  MALFORMED_JSON: { status: 400, meaning: 'the body is not valid JSON' },
  BAD_REQUEST: { status: 400, meaning: 'the request could not be read' },
  ORDER_TOTAL_OUT_OF_RANGE: { status: 400, meaning: 'the order total at catalogue prices is 0 or more than one payment may be' },
  UNDECODABLE_PAYLOAD: { status: 400, meaning: 'codec server: a payload could not be encoded or decoded (unknown key, tampered data)' },
  STOCK_LIMIT_EXCEEDED: { status: 400, meaning: 'the restock would take the stock past the largest count a product can hold' },
  UNAUTHENTICATED: { status: 401, meaning: 'no valid bearer token: send Authorization: Bearer <token>' },
  PAYMENT_EVENT_UNVERIFIED: { status: 401, meaning: "POST /payments/events: the event's webhook-signature does not verify with PAYMENTS_WEBHOOK_SECRET, or it is more than 5 minutes old" },
  PAYMENT_DECLINED: { status: 402, meaning: 'the provider declined the payment; the order stays RESERVED and can be paid again' },
  PAYMENT_FAILED: { status: 402, meaning: 'the payment could not be completed; the order is FAILED and compensated' },
  FORBIDDEN: { status: 403, meaning: "the caller's roles do not allow this" },
  CUSTOMER_MISMATCH: { status: 403, meaning: "the body's customerId is not the caller's own id" },
  ROUTE_NOT_FOUND: { status: 404, meaning: 'no route has this path' },
  PRODUCT_NOT_FOUND: { status: 404, meaning: 'no product has this id' },
  ORDER_NOT_FOUND: { status: 404, meaning: 'no order has this id' },
  NO_INVARIANT_CHECK: { status: 404, meaning: 'no invariant check has run yet; POST /console/invariant-checks runs one' },
  LOCAL_SIGN_IN_DISABLED: { status: 404, meaning: 'local sign-in is off: it answers only where AUTH_LOCAL_SIGN_IN=true (a developer\'s machine)' },
  WEB_PAGE_NOT_BUILT: { status: 404, meaning: 'the web page has not been built: run `npm run build:web`' },
  CART_NOT_FOUND: { status: 404, meaning: 'no cart of yours has this id (another buyer\'s cart is not found either)' },
  COUPON_NOT_FOUND: { status: 404, meaning: 'no coupon has this code' },
  WEBHOOK_NOT_FOUND: { status: 404, meaning: 'no webhook endpoint has this id' },
  REFUND_NOT_FOUND: { status: 404, meaning: 'the order has no refund with this id' },
  RETURN_NOT_FOUND: { status: 404, meaning: 'no return has this id' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'the path does not take this method; `Allow` lists those it takes' },
  SKU_TAKEN: { status: 409, meaning: 'a product with this sku exists' },
  OUT_OF_STOCK: { status: 409, meaning: 'not enough units are left (or every unit left is being reserved by buyers ahead)' },
  ORDER_NOT_PAYABLE: { status: 409, meaning: 'the order is finished and cannot be paid' },
  UNIT_LIMIT_REACHED: { status: 409, meaning: 'the buyer would hold more units of a product than one buyer may (LIMIT_UNITS_PER_PRODUCT)' },
  UNPAID_ORDERS_LIMIT_REACHED: { status: 409, meaning: 'the buyer has as many unpaid orders open as one buyer may (LIMIT_UNPAID_ORDERS)' },
  CART_CHECKED_OUT: { status: 409, meaning: 'the cart was checked out: its lines are its order now (`orderId`); it opens again if that order ends without a sale' },
  CART_CHANGED: { status: 409, meaning: 'the cart is no longer at `expectedVersion`; read it again (`currentVersion`) and check out what it holds now' },
  CART_EMPTY: { status: 409, meaning: 'the cart has no lines to check out' },
  ORDER_NOT_CANCELLABLE: { status: 409, meaning: 'the order is finished and cannot be cancelled' },
  ORDER_NOT_REFUNDABLE: { status: 409, meaning: 'the order is not CONFIRMED (or was never paid): nothing of it can be refunded or returned' },
  REFUND_STATE_CHANGED: { status: 409, meaning: 'expectedRefundedCents is not what is refunded or being refunded now (`refundedCents`): look again before refunding' },
  REFUND_EXCEEDS_CAPTURED: { status: 409, meaning: 'pending + succeeded refunds + this one would exceed what was captured (or refund more units than were sold)' },
  RETURN_WINDOW_CLOSED: { status: 409, meaning: "the order's return window (RETURN_WINDOW after it was confirmed) has closed" },
  RETURN_EXCEEDS_SOLD: { status: 409, meaning: 'more units than were sold (less those already in returns), or than the return asked for, of a product' },
  COUPON_CODE_TAKEN: { status: 409, meaning: 'a coupon with this code exists' },
  COUPONS_EXHAUSTED: { status: 409, meaning: 'every coupon of this code has been issued' },
  COUPON_ALREADY_CLAIMED: { status: 409, meaning: 'the buyer already holds as many claims of this coupon as one buyer may (perBuyer)' },
  COUPON_NOT_ACTIVE: { status: 409, meaning: 'the coupon is disabled, or outside its window (startsAt, endsAt)' },
  COUPON_NOT_CLAIMED: { status: 409, meaning: 'the buyer holds no unused claim of the coupon (never claimed, or used by another order)' },
  BODY_TOO_LARGE: { status: 413, meaning: 'the body is larger than 16 KiB' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'the body is not sent as application/json' },
  UNSUPPORTED_ENCODING: { status: 415, meaning: 'the body is not UTF-8 JSON' },
  COUPON_NOT_APPLICABLE: { status: 422, meaning: "the coupon covers none of the order's products, or the order is below its minimum (minTotalCents)" },
  IDEMPOTENCY_KEY_REUSED: { status: 422, meaning: 'this Idempotency-Key was used for a different request' },
  RATE_LIMITED: { status: 429, meaning: 'too many requests from this buyer (or address); retry after `Retry-After` seconds' },
  INTERNAL_ERROR: { status: 500, meaning: 'the request failed unexpectedly; it has been logged' },
  SERVICE_UNAVAILABLE: { status: 503, meaning: 'a backing service is unavailable or slow; retry after `Retry-After` seconds' },
  PAYMENT_PROVIDER_UNAVAILABLE: { status: 503, meaning: 'the payment provider is unavailable; the order stays RESERVED and can be paid again' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export const statusOf = (code: ProblemCode): number => PROBLEM_CODES[code].status;

/** The problem document's `type`: a URN per code, stable for clients to compare. */
export const problemTypeOf = (code: ProblemCode): string => `urn:order-saga:problem:${code.toLowerCase().replaceAll('_', '-')}`;

export const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
