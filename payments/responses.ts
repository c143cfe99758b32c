import type { Response } from 'express';
import type { z } from 'zod';
import type { ApiErrorBody } from './types';

/** What an operation answers; `loseAnswer` makes the stand-in store it but never deliver it. */
export interface Outcome {
  status: number;
  body: unknown;
  loseAnswer?: boolean;
}

export function ok(status: number, body: unknown): Outcome {
  return { status, body };
}

export function apiError(status: number, type: string, code: string, message: string, param?: string): Outcome {
  const body: ApiErrorBody = { error: { type, code, message, ...(param === undefined ? {} : { param }) } };
  return { status, body };
}

export function invalidParameter(message: string, param?: string): Outcome {
  return apiError(400, 'invalid_request_error', 'parameter_invalid', message, param);
}

/** Turns the first zod issue into Stripe's one-error answer, naming the offending parameter. */
export function fromZodError(error: z.ZodError, where: string): Outcome {
  const issue = error.issues[0];
  if (!issue) return invalidParameter(`invalid ${where}`);
  if (issue.code === 'unrecognized_keys') {
    return invalidParameter(`Received unknown parameter: ${issue.keys[0]}`, issue.keys[0]);
  }
  const param = issue.path.join('.');
  if (!param) return invalidParameter(`The ${where} must be a JSON object.`);
  return invalidParameter(`Invalid ${param}: ${issue.message}`, param);
}

export function notFound(id: string): Outcome {
  return apiError(404, 'invalid_request_error', 'resource_missing', `No such authorization: '${id}'`, 'id');
}

export function send(res: Response, outcome: Outcome, replayed = false): void {
  if (replayed) res.set('Idempotent-Replayed', 'true');
  res.status(outcome.status).json(outcome.body);
}
