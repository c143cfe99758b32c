import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261121000000InitialSchema } from './Migration20261121000000_initial_schema';
import { Migration20261128020000PaymentAttempts } from './Migration20261128020000_payment_attempts';
import { Migration20261128030000OrderContact } from './Migration20261128030000_order_contact';
import { Migration20261128040000MoneyBigint } from './Migration20261128040000_money_bigint';
import { Migration20261128050000OrderFailureCode } from './Migration20261128050000_order_failure_code';
import { Migration20261128090000ConsoleIndexes } from './Migration20261128090000_console_indexes';
import { Migration20261128051700HoldRelease } from './Migration20261128051700_hold_release';
import { Migration20261128100000Webhooks } from './Migration20261128100000_webhooks';
import { Migration20261128053300RestockRequest } from './Migration20261128053300_restock_request';
import { Migration20261206000000Coupons } from './Migration20261206000000_coupons';
import { Migration20261206010000OrderCoupon } from './Migration20261206010000_order_coupon';
import { Migration20261206030000AfterSale } from './Migration20261206030000_after_sale';
import { Migration20261206030000ExactIds } from './Migration20261206030000_exact_ids';
import { Migration20261206030000ProductSearch } from './Migration20261206030000_product_search';
import { Migration20261206040000Carts } from './Migration20261206040000_carts';
import { Migration20261206040000PaymentEvents } from './Migration20261206040000_payment_events';
import { Migration20261206070000DropQueue } from './Migration20261206070000_drop_queue';

/**
 * Every migration, oldest first, listed explicitly instead of found by a file glob: a glob would
 * need `.ts` under tsx and ts-jest but `.js` in a build, and would miss files a bundler moved.
 * The name is what the migrator records in mikro_orm_migrations, so never rename one.
 */
export const ALL_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261121000000_initial_schema', class: Migration20261121000000InitialSchema },
  { name: 'Migration20261128020000_payment_attempts', class: Migration20261128020000PaymentAttempts },
  { name: 'Migration20261128030000_order_contact', class: Migration20261128030000OrderContact },
  { name: 'Migration20261128040000_money_bigint', class: Migration20261128040000MoneyBigint },
  { name: 'Migration20261128050000_order_failure_code', class: Migration20261128050000OrderFailureCode },
  { name: 'Migration20261128090000_console_indexes', class: Migration20261128090000ConsoleIndexes },
  { name: 'Migration20261128051700_hold_release', class: Migration20261128051700HoldRelease },
  { name: 'Migration20261128100000_webhooks', class: Migration20261128100000Webhooks },
  { name: 'Migration20261128053300_restock_request', class: Migration20261128053300RestockRequest },
  { name: 'Migration20261206000000_coupons', class: Migration20261206000000Coupons },
  { name: 'Migration20261206010000_order_coupon', class: Migration20261206010000OrderCoupon },
  { name: 'Migration20261206030000_after_sale', class: Migration20261206030000AfterSale },
  { name: 'Migration20261206030000_exact_ids', class: Migration20261206030000ExactIds },
  { name: 'Migration20261206030000_product_search', class: Migration20261206030000ProductSearch },
  { name: 'Migration20261206040000_carts', class: Migration20261206040000Carts },
  { name: 'Migration20261206040000_payment_events', class: Migration20261206040000PaymentEvents },
  { name: 'Migration20261206070000_drop_queue', class: Migration20261206070000DropQueue },
];
