import { EntitySchema, type Opt } from '@mikro-orm/core';

export const CART_STATUSES = ['OPEN', 'CHECKED_OUT'] as const;
export type CartStatus = (typeof CART_STATUSES)[number];

/**
 * A buyer's cart (Migration20261206040000_carts): lines to order later, nothing reserved. `version` rises with every
 * change, and a checkout's order id is derived from the cart id and version (`cartOrderIdFor` in api/order-ids.ts,
 * called by the checkout route in api/routes/carts.ts). The table's generated column open_customer_id (one OPEN cart
 * per buyer) is the database's, not mapped here.
 */
export interface CartRow {
  id: string;
  customerId: string;
  status: CartStatus;
  version: number;
  /** The order its checkout placed, while CHECKED_OUT. */
  orderId: string | null;
  createdAt: Date & Opt;
  updatedAt: Date & Opt;
}

export const CartEntity = new EntitySchema<CartRow>({
  name: 'Cart',
  tableName: 'cart',
  properties: {
    id: { type: 'string', length: 40, primary: true },
    customerId: { type: 'string', length: 255 },
    status: { type: 'string', length: 16 },
    version: { type: 'integer', unsigned: true },
    orderId: { type: 'string', length: 64, nullable: true },
    createdAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
    updatedAt: { type: 'datetime', length: 3, onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** One product of a cart and how many units. */
export interface CartLineRow {
  cartId: string;
  productId: number;
  quantity: number;
  addedAt: Date & Opt;
}

export const CartLineEntity = new EntitySchema<CartLineRow>({
  name: 'CartLine',
  tableName: 'cart_line',
  properties: {
    cartId: { type: 'string', length: 40, primary: true },
    productId: { type: 'integer', unsigned: true, primary: true },
    quantity: { type: 'integer' },
    addedAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
  },
});

/** An order a checkout placed, and the cart version it came from (kept after the cart is removed). */
export interface CartCheckoutRow {
  orderId: string;
  cartId: string;
  cartVersion: number;
  createdAt: Date & Opt;
}

export const CartCheckoutEntity = new EntitySchema<CartCheckoutRow>({
  name: 'CartCheckout',
  tableName: 'cart_checkout',
  properties: {
    orderId: { type: 'string', length: 64, primary: true },
    cartId: { type: 'string', length: 40 },
    cartVersion: { type: 'integer', unsigned: true },
    createdAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
  },
});
