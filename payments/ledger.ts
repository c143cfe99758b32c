import { randomBytes } from 'node:crypto';
import type { AccountId } from './accounts';
import type { Journal } from './journal';
import type { Authorization, Refund } from './types';

/** A change to the books, as the journal keeps it. */
export type LedgerEntry =
  | { kind: 'authorized'; authorization: Authorization; paymentToken: string; account?: AccountId }
  | { kind: 'changed'; id: string; change: Partial<Omit<Authorization, 'id'>> }
  /** One line for the refund and its authorization's new total, so a restart never sees one without the other. */
  | { kind: 'refunded'; refund: Refund };

export interface NewAuthorization {
  amountCents: number;
  currency: string;
  reference: string;
  paymentToken: string;
  account: AccountId;
}

/**
 * The provider's books: every authorisation ever made, in memory and, given a journal, on disk (replayed at
 * start-up, so a restart forgets nothing). Readers get copies, so a stored idempotent response keeps the state it
 * had when it was answered. Every authorisation belongs to one merchant account (payments/accounts.ts), and every
 * read is for one account: another account's authorisation is not there.
 */
export class Ledger {
  private readonly authorizations = new Map<string, Authorization>();
  /** Kept apart from the public view: the token decides how a later capture behaves. */
  private readonly tokens = new Map<string, string>();
  private readonly owners = new Map<string, AccountId>();
  private readonly refunds = new Map<string, Refund>();

  /** `legacyAccount` owns the authorisations a journal recorded before accounts existed. */
  constructor(
    private readonly journal?: Journal,
    replay: LedgerEntry[] = [],
    private readonly legacyAccount?: AccountId,
  ) {
    for (const entry of replay) this.apply(entry);
  }

  private apply(entry: LedgerEntry): Authorization {
    if (entry.kind === 'refunded') return this.applyRefund(entry.refund);
    if (entry.kind === 'authorized') {
      this.authorizations.set(entry.authorization.id, { ...entry.authorization });
      this.tokens.set(entry.authorization.id, entry.paymentToken);
      const owner = entry.account ?? this.legacyAccount;
      if (owner !== undefined) this.owners.set(entry.authorization.id, owner);
      return entry.authorization;
    }
    const found = this.authorizations.get(entry.id);
    if (!found) throw new Error(`no authorization ${entry.id}`);
    return Object.assign(found, entry.change);
  }

  /** Written down first, then applied: what is in memory is always on disk too. */
  private record(entry: LedgerEntry): Authorization {
    this.journal?.append(entry);
    return { ...this.apply(entry) };
  }

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
    return this.record({ kind: 'authorized', authorization, paymentToken: input.paymentToken, account: input.account });
  }

  /** A captured authorization is fully refunded once the refunds add up to the capture; until then it stays captured. */
  private applyRefund(refund: Refund): Authorization {
    const found = this.authorizations.get(refund.authorizationId);
    if (!found) throw new Error(`no authorization ${refund.authorizationId}`);
    this.refunds.set(refund.id, { ...refund });
    found.refundedAmountCents += refund.amountCents;
    if (found.refundedAmountCents >= found.capturedAmountCents) found.status = 'refunded';
    return found;
  }

  /** Records a refund; the caller has checked that it fits in what is left of the capture. */
  refund(authorization: Authorization, amountCents: number, merchantReference: string | null = null): Refund {
    const refund: Refund = {
      id: `re_${randomBytes(12).toString('hex')}`,
      authorizationId: authorization.id,
      amountCents,
      currency: authorization.currency,
      reference: authorization.reference,
      merchantReference,
      status: 'succeeded',
    };
    this.record({ kind: 'refunded', refund });
    return { ...refund };
  }

  /** A refund belongs to the account of its authorisation. */
  getRefund(id: string, account: AccountId): Refund | undefined {
    const found = this.refunds.get(id);
    return found && this.owners.get(found.authorizationId) === account ? { ...found } : undefined;
  }

  refundsOf(authorizationId: string, account: AccountId): Refund[] {
    return this.allRefunds(account).filter((refund) => refund.authorizationId === authorizationId);
  }

  allRefunds(account: AccountId): Refund[] {
    return [...this.refunds.values()].filter((refund) => this.owners.get(refund.authorizationId) === account).map((refund) => ({ ...refund }));
  }

  /** The state now of an authorisation the caller already holds (its account was checked when it was read). */
  reread(authorization: Authorization): Authorization {
    return { ...this.authorizations.get(authorization.id)! };
  }

  get(id: string, account: AccountId): Authorization | undefined {
    const found = this.authorizations.get(id);
    return found && this.owners.get(id) === account ? { ...found } : undefined;
  }

  paymentTokenOf(id: string): string | undefined {
    return this.tokens.get(id);
  }

  update(id: string, change: Partial<Omit<Authorization, 'id'>>): Authorization {
    if (!this.authorizations.has(id)) throw new Error(`no authorization ${id}`);
    return this.record({ kind: 'changed', id, change });
  }

  byReference(reference: string, account: AccountId): Authorization[] {
    return this.all(account).filter((authorization) => authorization.reference === reference);
  }

  all(account: AccountId): Authorization[] {
    return [...this.authorizations.values()].filter(({ id }) => this.owners.get(id) === account).map((authorization) => ({ ...authorization }));
  }
}
