import { z } from 'zod';

/**
 * The one rule for a caller's id, which is also a buyer's customer id: an opaque id as identity providers issue it
 * (`auth0|abc`, a UUID, `cus_42`), never an e-mail or a name, because it is stored in the `CustomerId` search
 * attribute, which Temporal keeps in clear. Token verification, local sign-in and every request field or query
 * naming a customer apply this same rule, so a buyer whose token is accepted can always name themselves.
 */
export const SUBJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@|-]{0,127}$/;

export const SUBJECT_RULE = 'must be 1–128 letters, digits or ._:@|- (an opaque id), starting with a letter or digit';

export const subjectSchema = z.string().regex(SUBJECT_PATTERN, SUBJECT_RULE);
