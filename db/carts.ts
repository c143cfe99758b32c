/** Carts in MySQL (Migration20261206040000_carts): created, read, changed a line at a time, checked out, reopened, removed. */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { CartCheckoutEntity, CartEntity, type CartRow } from './entities';
import { isDuplicateKey } from './errors';
import { forkSql, run, select, type Sql } from './sql';
import { STOCK_TRANSACTION } from './transactions';

export interface CartLine {
  productId: number;
  quantity: number;
}

export interface Cart extends CartRow {
  /** In the order they were first added. */
  lines: CartLine[];
}

/** The cart was checked out: its lines belong to its order now. */
export class CartCheckedOutError extends Error {
  constructor(readonly cart: Cart) {
    super(`cart ${cart.id} is checked out as order ${cart.orderId}`);
    this.name = 'CartCheckedOutError';
  }
}

/** A change the cart's bounds refuse; `check` sees the lines as they would be and throws to refuse. */
export type LinesCheck = (lines: CartLine[]) => Promise<void> | void;

const newCartId = () => `crt_${randomUUID().replaceAll('-', '')}`;

/**
 * The buyer's OPEN cart, made when they have none: one per buyer, held by the database's unique key (two racing
 * requests cannot make two). `created` tells which.
 */
export async function openCartFor(orm: MikroORM, customerId: string): Promise<{ cart: Cart; created: boolean }> {
  const existing = await openCartOf(orm, customerId);
  if (existing) return { cart: existing, created: false };
  const em = forkSql(orm);
  em.create(CartEntity, { id: newCartId(), customerId, status: 'OPEN', version: 1, orderId: null });
  try {
    await em.flush();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return { cart: (await openCartOf(orm, customerId))!, created: false };
  }
  return { cart: (await openCartOf(orm, customerId))!, created: true };
}

export async function openCartOf(orm: MikroORM, customerId: string): Promise<Cart | null> {
  const [row] = await select<{ id: string }>(forkSql(orm), 'SELECT id FROM cart WHERE open_customer_id = ?', [customerId]);
  return row ? getCart(orm, row.id) : null;
}

/** The buyer's most recently changed cart, open or not. */
export async function latestCartOf(orm: MikroORM, customerId: string): Promise<Cart | null> {
  const [row] = await select<{ id: string }>(forkSql(orm), 'SELECT id FROM cart WHERE customer_id = ? ORDER BY updated_at DESC, id LIMIT 1', [customerId]);
  return row ? getCart(orm, row.id) : null;
}

export async function getCart(orm: MikroORM, cartId: string): Promise<Cart | null> {
  const em = forkSql(orm);
  const row = await em.findOne(CartEntity, { id: cartId });
  return row ? { ...row, lines: await linesOf(em, cartId) } : null;
}

function linesOf(em: Sql, cartId: string): Promise<CartLine[]> {
  return select<CartLine>(em, 'SELECT product_id AS productId, quantity FROM cart_line WHERE cart_id = ? ORDER BY added_at, product_id', [cartId]).then((rows) =>
    rows.map((row) => ({ productId: Number(row.productId), quantity: Number(row.quantity) })),
  );
}

/**
 * Sets a line's quantity (0 removes it) and raises the version, in one transaction holding the cart's row lock, so
 * concurrent changes apply one after the other and each gets its own version. `check` sees the lines as they would
 * be and refuses (throws) before anything is written. A CHECKED_OUT cart refuses every change.
 */
export async function setCartLine(orm: MikroORM, cartId: string, line: CartLine, check: LinesCheck): Promise<Cart> {
  return forkSql(orm).transactional(async (em) => {
    const [locked] = await select<{ status: string }>(em, 'SELECT status FROM cart WHERE id = ? FOR UPDATE', [cartId]);
    if (!locked) throw new Error(`cart ${cartId} vanished while being changed`);
    const current = await linesOf(em, cartId);
    if (locked.status !== 'OPEN') throw new CartCheckedOutError({ ...(await em.findOneOrFail(CartEntity, { id: cartId })), lines: current });
    const others = current.filter((existing) => existing.productId !== line.productId);
    const position = current.findIndex((existing) => existing.productId === line.productId);
    const after = line.quantity === 0 ? others : position === -1 ? [...current, line] : current.map((existing) => (existing.productId === line.productId ? line : existing));
    await check(after);
    if (line.quantity === 0) await run(em, 'DELETE FROM cart_line WHERE cart_id = ? AND product_id = ?', [cartId, line.productId]);
    else await run(em, 'INSERT INTO cart_line (cart_id, product_id, quantity) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE quantity = VALUES(quantity)', [cartId, line.productId, line.quantity]);
    await run(em, 'UPDATE cart SET version = version + 1 WHERE id = ?', [cartId]);
    const row = await em.findOneOrFail(CartEntity, { id: cartId }, { refresh: true });
    return { ...row, lines: await linesOf(em, cartId) };
  }, STOCK_TRANSACTION);
}

/**
 * Records that `version` of the cart was checked out as `orderId`: the checkout row (kept for the invariant check)
 * and, if the cart is still OPEN at that version, its new status. Repeating it changes nothing. Returns whether this
 * call is the one that checked the cart out.
 */
export async function markCheckedOut(orm: MikroORM, cartId: string, version: number, orderId: string): Promise<boolean> {
  return forkSql(orm).transactional(async (em) => {
    await run(em, 'INSERT IGNORE INTO cart_checkout (order_id, cart_id, cart_version) VALUES (?, ?, ?)', [orderId, cartId, version]);
    const result = await run(em, "UPDATE cart SET status = 'CHECKED_OUT', order_id = ? WHERE id = ? AND version = ? AND status = 'OPEN'", [orderId, cartId, version]);
    return result.affectedRows === 1;
  }, STOCK_TRANSACTION);
}

/**
 * Records that `version` of the cart was checked out as `orderId` and refused at once (no stock): the cart stays OPEN
 * and moves to the next version, so checking the same lines out again (after a restock) is a new order. Repeating it
 * changes nothing.
 */
export async function markCheckoutRefused(orm: MikroORM, cartId: string, version: number, orderId: string): Promise<void> {
  await forkSql(orm).transactional(async (em) => {
    await run(em, 'INSERT IGNORE INTO cart_checkout (order_id, cart_id, cart_version) VALUES (?, ?, ?)', [orderId, cartId, version]);
    await run(em, "UPDATE cart SET version = version + 1 WHERE id = ? AND version = ? AND status = 'OPEN'", [cartId, version]);
  }, STOCK_TRANSACTION);
}

/**
 * Opens the cart again at a new version (so its next checkout is a new order), when its checkout at `version` came to
 * no sale. Left as it is when the buyer has opened another cart meanwhile (one OPEN cart per buyer). Returns the cart.
 */
export async function reopenCart(orm: MikroORM, cartId: string, version: number): Promise<Cart | null> {
  try {
    await run(forkSql(orm), "UPDATE cart SET status = 'OPEN', order_id = NULL, version = version + 1 WHERE id = ? AND version = ?", [cartId, version]);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  return getCart(orm, cartId);
}

/** Removes carts nobody changed since `idleSince` (their lines with them); returns how many. Checkout rows stay. */
export async function removeIdleCarts(orm: MikroORM, idleSince: Date, batch = 1_000): Promise<number> {
  let removed = 0;
  for (;;) {
    const result = await run(forkSql(orm), 'DELETE FROM cart WHERE updated_at < ? ORDER BY updated_at LIMIT ?', [idleSince, batch]);
    removed += result.affectedRows;
    if (result.affectedRows < batch) return removed;
  }
}

/** The checkout rows of an order (for tests and the invariant check). */
export function checkoutsOfOrder(orm: MikroORM, orderId: string) {
  return forkSql(orm).find(CartCheckoutEntity, { orderId });
}
