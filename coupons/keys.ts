/**
 * Every coupon key carries the hash tag {cpn}: in Redis Cluster they share one slot, so a claim's script may touch a
 * coupon's count, its buyers and the epoch marker at once. Stock keys ({inv}) live apart: no script touches both.
 */
export const couponLeftKey = (couponId: number): string => `{cpn}:left:${couponId}`;
export const couponBuyersKey = (couponId: number): string => `{cpn}:buyers:${couponId}`;
/** A random value that lives until Redis loses its data: tells a rebuild whether a flush came since it read MySQL. */
export const couponEpochKey = '{cpn}:epoch';
