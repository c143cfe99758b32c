/**
 * Ids compare exactly (finding 2 of the hostile probe): identity providers treat `sub` as case-sensitive, so `CUS_x`
 * and `cus_x` are two buyers, in listing, caps and ownership alike. On a case-blind collation (utf8mb4_unicode_ci)
 * the upper-case token listed the lower-case buyer's orders and used up their unpaid-order cap.
 */
import { forkSql, select } from '../../db/sql';
import { buyer, OPERATOR } from '../support/auth';
import { serviceForThisFile } from './service-per-file';
import { expectProblem, unique } from './http';

const stack = serviceForThisFile({ holdMs: 60_000, limits: { LIMIT_UNPAID_ORDERS: 1 } });

async function newProduct(): Promise<number> {
  const answer = await stack.api.post('/products', { sku: unique('exact'), name: 'Exact', priceCents: 500, stock: 10 });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

/** Two buyers whose ids differ only in case, e.g. cus_ab12 and CUS_AB12. */
function twoBuyers(): { lower: string; upper: string } {
  const lower = unique('cus_case').toLowerCase();
  return { lower, upper: lower.toUpperCase() };
}

test("a buyer whose id differs only in case sees none of the other's orders, by list or by id", async () => {
  const { lower, upper } = twoBuyers();
  const placed = await stack.api.post('/orders', { items: [{ productId: await newProduct(), quantity: 1 }] }, { as: buyer(lower) });
  expect(placed.status).toBe(201);

  const listed = await stack.api.get('/orders', { as: buyer(upper) });
  expect(listed.status).toBe(200);
  expect(listed.body.data).toEqual([]);
  expect((await stack.api.get(`/orders/${placed.body.id}`, { as: buyer(upper) })).status).toBe(404);
  expect((await stack.api.post(`/orders/${placed.body.id}/cancel`, undefined, { as: buyer(upper) })).status).toBe(404);
  // Staff filtering by one of the two ids get that buyer's orders only.
  const byStaff = await stack.api.get(`/orders?customerId=${upper}`, { as: OPERATOR });
  expect(byStaff.body.data).toEqual([]);
});

test("a buyer whose id differs only in case does not use up the other's unpaid-order cap", async () => {
  const { lower, upper } = twoBuyers();
  expect((await stack.api.post('/orders', { items: [{ productId: await newProduct(), quantity: 1 }] }, { as: buyer(lower) })).status).toBe(201);
  expectProblem(await stack.api.post('/orders', { items: [{ productId: await newProduct(), quantity: 1 }] }, { as: buyer(lower) }), 409, 'UNPAID_ORDERS_LIMIT_REACHED');
  expect((await stack.api.post('/orders', { items: [{ productId: await newProduct(), quantity: 1 }] }, { as: buyer(upper) })).status).toBe(201);
});

test('an order id looked up in another case finds nothing', async () => {
  const { lower } = twoBuyers();
  const placed = await stack.api.post('/orders', { items: [{ productId: await newProduct(), quantity: 1 }] }, { as: buyer(lower) });
  const shouted = placed.body.id.replace(/^ord_/, '').toUpperCase();
  expect((await stack.api.get(`/orders/ord_${shouted}`, { as: OPERATOR })).status).toBe(404);
});

test('every column that stores an id compares bytes, not letters', async () => {
  const caseBlind = await select<{ column: string }>(
    forkSql(stack.service.orm),
    `SELECT CONCAT(table_name, '.', column_name) AS \`column\` FROM information_schema.columns
     WHERE table_schema = DATABASE() AND (column_name IN ('id', 'customer_id', 'idempotency_key') OR column_name LIKE '%\\_id')
       AND collation_name IS NOT NULL AND collation_name <> 'utf8mb4_bin'
     ORDER BY 1`,
  );
  expect(caseBlind).toEqual([]);
});
