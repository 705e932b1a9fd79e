// The baseline for bench/wechat.bench.ts: a bare express route that reads the same safe-mode push
// (parse the XML, decrypt the Encrypt element, parse the message) and does one INSERT with `pg`,
// answering a fixed passive reply. No signature checks, routing or reference codes: the floor
// under what the WeChat adapter does. Its own process, like the service, so both are measured alike.
import { decrypt } from '@wecom/crypto';
import express from 'express';
import { XMLParser } from 'fast-xml-parser';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const parser = new XMLParser({ parseTagValue: false });
const key = process.env.WECHAT_ENCODING_AES_KEY!;
const app = express();
app.post('/ceiling', express.text({ type: () => true }), async (req, res) => {
  const outer = (parser.parse(req.body as string) as { xml: Record<string, string> }).xml;
  const msg = (parser.parse(decrypt(key, outer.Encrypt).message) as { xml: Record<string, string> }).xml;
  await pool.query('INSERT INTO bench_ceiling (sid, params) VALUES ($1, $2) ON CONFLICT (sid) DO NOTHING', [msg.MsgId, JSON.stringify(msg)]);
  res
    .type('application/xml')
    .send(
      `<xml><ToUserName><![CDATA[${msg.FromUserName}]]></ToUserName><FromUserName><![CDATA[${msg.ToUserName}]]></FromUserName><CreateTime>${msg.CreateTime}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[ok]]></Content></xml>`,
    );
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`ceiling listening on ${(server.address() as { port: number }).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
