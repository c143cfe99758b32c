/**
 * Every inventory key carries the hash tag {inv}, so in Redis Cluster all of them live in one slot and the Lua
 * scripts, which touch one order's hold and several products' availability at once, stay legal.
 */
export const availabilityKey = (productId: number): string => `{inv}:available:${productId}`;
export const holdKey = (orderId: string): string => `{inv}:hold:${orderId}`;
/** Buyers admitted to a product's reservation and not yet answered: a sorted set of order ids by admission time. */
export const admissionKey = (productId: number): string => `{inv}:admitting:${productId}`;
/** A random value that lives until Redis loses its data: tells a rebuild whether a flush came since it read MySQL. */
export const epochKey = '{inv}:epoch';
