// The ceiling for bench/webhooks.bench.ts (and sms-gateway): a bare express route that parses the same
// body and does one INSERT with `pg`, answering a fixed TwiML string. Run as its own
// process, like the service, so both are measured the same way.
import express from 'express';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const app = express();
app.post('/ceiling', express.urlencoded({ extended: false }), async (req, res) => {
  const body = req.body as Record<string, string>;
  await pool.query('INSERT INTO bench_ceiling (sid, params) VALUES ($1, $2)', [body.MessageSid, JSON.stringify(body)]);
  res.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>');
});
// The JSON twin for bench/sms-gateway.bench.ts: the same INSERT for an SMS Gateway event.
app.post('/ceiling-json', express.json(), async (req, res) => {
  const body = req.body as { id: string };
  await pool.query('INSERT INTO bench_ceiling (sid, params) VALUES ($1, $2)', [body.id, JSON.stringify(body)]);
  res.json({ ok: true });
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`ceiling listening on ${(server.address() as { port: number }).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
