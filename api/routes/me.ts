import { Router } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import { unusedClaimsOf } from '../../coupons/store';
import { callerOf } from '../auth/middleware';
import { presentClaim } from './coupons';

/** What belongs to the calling buyer, under /me. */
export function meRouter({ orm }: { orm: MikroORM }): Router {
  const router = Router();

  /** The buyer's claimed coupons no order has used (a claim an order gave back is here again). */
  router.get('/coupons', async (_req, res) => {
    const claims = await unusedClaimsOf(orm, callerOf(res).sub);
    res.json({ data: claims.map(({ claim, coupon }) => presentClaim(claim, coupon)) });
  });

  return router;
}
