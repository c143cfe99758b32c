import './zod-extension';
import { z } from 'zod';
import { couponCodeSchema, newCouponSchema } from '../validation';
import { claimListResponse, claimResponse, couponListResponse, couponResponse } from './coupon-schemas';
import { BODY_CODES, json, jsonBody, locationHeader, NO_BODY_CODES, type RegisterRoute } from './route-helpers';

/** The coupon routes (api/routes/coupons.ts, api/routes/me.ts): admins keep coupons, buyers claim them first come. */
export function registerCouponPaths(route: RegisterRoute): void {
  const tags = ['coupons'];
  const params = z.object({ code: couponCodeSchema });
  route(
    {
      method: 'post',
      path: '/coupons',
      summary: 'Register a coupon: a quantity issued first come, first served (admin)',
      tags,
      request: jsonBody(newCouponSchema),
      responses: { 201: { ...json(couponResponse, 'the coupon, none issued yet'), headers: locationHeader } },
    },
    [...BODY_CODES, 'COUPON_CODE_TAKEN', 'PRODUCT_NOT_FOUND'],
  );
  route({ method: 'get', path: '/coupons', summary: 'Every coupon with its counts, newest first (admin, operator)', tags, responses: { 200: json(couponListResponse, 'the coupons') } }, []);
  route(
    { method: 'get', path: '/coupons/{code}', summary: 'One coupon: issued, redeemed, remaining (admin, operator)', tags, request: { params }, responses: { 200: json(couponResponse, 'the coupon') } },
    ['VALIDATION_FAILED', 'COUPON_NOT_FOUND'],
  );
  route(
    {
      method: 'post',
      path: '/coupons/{code}/disable',
      summary: 'Stop issuing a coupon and its use by new orders (admin)',
      tags,
      request: { params },
      responses: { 200: json(couponResponse, 'the coupon, disabled') },
    },
    ['VALIDATION_FAILED', 'COUPON_NOT_FOUND', ...NO_BODY_CODES],
  );
  route(
    {
      method: 'post',
      path: '/coupons/{code}/claims',
      summary: 'Claim a coupon, first come, first served (customer)',
      description: 'Once every coupon is issued the answer is 409 COUPONS_EXHAUSTED, given from memory by the API process.',
      tags,
      request: { params },
      responses: { 201: json(claimResponse, 'the claim: the coupon is the buyer’s until an order uses it') },
    },
    ['VALIDATION_FAILED', 'COUPON_NOT_FOUND', 'COUPONS_EXHAUSTED', 'COUPON_ALREADY_CLAIMED', 'COUPON_NOT_ACTIVE', ...NO_BODY_CODES],
  );
  route(
    { method: 'get', path: '/me/coupons', summary: "The calling buyer's claimed coupons no order has used (customer)", tags, responses: { 200: json(claimListResponse, 'the claims, oldest first') } },
    [],
  );
}
