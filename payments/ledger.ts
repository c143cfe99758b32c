import { randomBytes } from 'node:crypto';
import type { Authorization } from './types';

export interface NewAuthorization {
  amountCents: number;
  currency: string;
  reference: string;
  paymentToken: string;
}

/**
 * The provider's books, in memory: every authorisation ever made. Readers get copies, so a stored
 * idempotent response keeps the state it had when it was answered.
 */
export class Ledger {
  private readonly authorizations = new Map<string, Authorization>();
  /** Kept apart from the public view: the token decides how a later capture behaves. */
  private readonly tokens = new Map<string, string>();

  create(input: NewAuthorization): Authorization {
    const authorization: Authorization = {
      id: `auth_${randomBytes(12).toString('hex')}`,
      status: 'authorized',
      amountCents: input.amountCents,
      currency: input.currency,
      reference: input.reference,
      capturedAmountCents: 0,
      refundedAmountCents: 0,
    };
    this.authorizations.set(authorization.id, authorization);
    this.tokens.set(authorization.id, input.paymentToken);
    return { ...authorization };
  }

  get(id: string): Authorization | undefined {
    const found = this.authorizations.get(id);
    return found && { ...found };
  }

  paymentTokenOf(id: string): string | undefined {
    return this.tokens.get(id);
  }

  update(id: string, change: Partial<Omit<Authorization, 'id'>>): Authorization {
    const found = this.authorizations.get(id);
    if (!found) throw new Error(`no authorization ${id}`);
    Object.assign(found, change);
    return { ...found };
  }

  byReference(reference: string): Authorization[] {
    return this.all().filter((authorization) => authorization.reference === reference);
  }

  all(): Authorization[] {
    return [...this.authorizations.values()].map((authorization) => ({ ...authorization }));
  }
}
