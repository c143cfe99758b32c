import { discountCents } from '../../coupons/discount';

const line = (productId: number, quantity: number, unitPriceCents: number) => ({ productId, quantity, unitPriceCents });
const percent = (percentOff: number, productIds: number[] | null = null) => ({ percentOff, amountOffCents: null, productIds });
const amount = (amountOffCents: number, productIds: number[] | null = null) => ({ percentOff: null, amountOffCents, productIds });

describe('the discount a coupon gives', () => {
  test('a percentage of the subtotal, rounded down to the cent', () => {
    expect(discountCents(percent(15), [line(1, 3, 333)])).toBe(149); // 15 % of 999 is 149.85
  });

  test('an amount, never more than the lines it covers', () => {
    expect(discountCents(amount(500), [line(1, 2, 1_000)])).toBe(500);
    expect(discountCents(amount(500, [2]), [line(1, 1, 1_000), line(2, 1, 300)])).toBe(300);
  });

  test('only the covered products count', () => {
    expect(discountCents(percent(50, [2]), [line(1, 1, 1_000), line(2, 2, 100)])).toBe(100);
    expect(discountCents(percent(50, [3]), [line(1, 1, 1_000)])).toBe(0);
  });

  test("capped so the order still costs the provider's smallest payment (1 cent)", () => {
    expect(discountCents(percent(100), [line(1, 2, 500)])).toBe(999);
    expect(discountCents(amount(5_000), [line(1, 1, 1_000)])).toBe(999);
    expect(discountCents(amount(5_000), [line(1, 1, 1)])).toBe(0);
  });
});
