// The baseline for bench/webform.bench.ts: a bare express route that parses the same multipart
// body with multer (memory storage) and stores the text and the photo's bytes with one `pg`
// INSERT, answering 201 with a fixed JSON. Its own process, like the service, so both are
// measured the same way.
import express from 'express';
import multer from 'multer';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 20 * 1024 * 1024, files: 9 } }).any();
const app = express();
app.post('/ceiling', upload, async (req, res) => {
  const files = req.files as Express.Multer.File[];
  await pool.query('INSERT INTO bench_webform_ceiling (body, photo) VALUES ($1, $2)', [
    (req.body as { body: string }).body,
    files[0]?.buffer ?? null,
  ]);
  res.status(201).json({ reference: 'T-000000-0000', statusUrl: 'https://example.invalid/tip/status/x' });
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`ceiling listening on ${(server.address() as { port: number }).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
