export * from './product';
export * from './order';
export * from './order-line';
export * from './payment';
export * from './stock-movement';
export * from './notification';
export * from './cart';
export * from './coupon';
export * from './coupon-claim';

import { ProductEntity } from './product';
import { OrderEntity } from './order';
import { OrderLineEntity } from './order-line';
import { PaymentEntity } from './payment';
import { StockMovementEntity } from './stock-movement';
import { NotificationEntity } from './notification';
import { CartCheckoutEntity, CartEntity, CartLineEntity } from './cart';
import { CouponEntity } from './coupon';
import { CouponClaimEntity } from './coupon-claim';

/** Every entity, for the ORM configuration. */
export const ALL_ENTITIES = [
  ProductEntity,
  OrderEntity,
  OrderLineEntity,
  PaymentEntity,
  StockMovementEntity,
  NotificationEntity,
  CartEntity,
  CartLineEntity,
  CartCheckoutEntity,
  CouponEntity,
  CouponClaimEntity,
];
