/**
 * A webhook receiver on loopback: keeps every request (headers and raw body), verifies signatures with the
 * standardwebhooks package, and answers as the test scripts it (e.g. 500 three times, then 200; or hang).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { assertEventMatchesContract } from '../api/contract';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

export type Answer = number | 'hang';

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The answers to the next requests, in order; after them every request gets 200. */
  script(answers: Answer[]): void;
  /** Resolves at the next request (its index in `received`). */
  nextRequest(): Promise<number>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let answers: Answer[] = [];
  const waiting: Array<(index: number) => void> = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      waiting.splice(0).forEach((resolve) => resolve(received.length - 1));
      const answer = answers.shift() ?? 200;
      if (answer === 'hang') {
        hanging.push(response);
        return;
      }
      response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    script(next) {
      answers = [...next];
    },
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        hanging.forEach((response) => response.destroy());
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The parsed event when the signature is valid for `secret`; throws (WebhookVerificationError) when it is not, and
 * when the event is not what the OpenAPI document's `webhooks` section describes.
 */
export function verifiedEvent(webhook: ReceivedWebhook, secret: string): { type: string; timestamp: string; data: Record<string, any> } {
  const event = new Webhook(secret).verify(webhook.body, webhook.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, any> };
  assertEventMatchesContract(event);
  return event;
}
