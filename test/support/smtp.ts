import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './net.js';

export interface ReceivedMail {
  raw: Buffer;
  parsed: ParsedMail;
  envelopeTo: string[];
}

/** A real SMTP server on loopback that keeps every message's bytes; `failing` makes it refuse mail. */
export async function startSmtpCapture() {
  const received: ReceivedMail[] = [];
  const state = { failing: false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_addr, _session, cb) {
      if (state.failing) return cb(Object.assign(new Error('451 try again later'), { responseCode: 451 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        received.push({ raw, parsed: await simpleParser(raw), envelopeTo: session.envelope.rcptTo.map((r) => r.address) });
        cb();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    setFailing(v: boolean) {
      state.failing = v;
    },
    async waitFor(n: number, timeoutMs = 15_000): Promise<ReceivedMail[]> {
      const end = Date.now() + timeoutMs;
      while (received.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      return received;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
