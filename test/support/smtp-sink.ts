/**
 * A real SMTP server on loopback (nodemailer's smtp-server) that keeps every mail it accepts, parsed. It can be told
 * to refuse the next mails with a temporary error, as a mail server under load does.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  /** smtp://127.0.0.1:<port> */
  url: string;
  mails: ParsedMail[];
  /** Refuses this many of the next mails (451) before accepting again. */
  refuseNext(count: number): void;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  let toRefuse = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (toRefuse > 0) {
            toRefuse -= 1;
            const refusal = Object.assign(new Error('try again later'), { responseCode: 451 });
            return callback(refusal);
          }
          mails.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refuseNext(count) {
      toRefuse = count;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
