import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { buildMail, TEXT, uniqueId } from './fixtures.js';
import { startRig, type EmailRig } from './support.js';

// Issue 15, finding 14: a mail was taken for a duplicate whenever its Message-ID had been
// stored before. Real senders reuse Message-IDs: survey and form tools that stamp every
// submission with one constant id, broken clients that reuse theirs. A stored Message-ID with
// different content is a new message; only the same Message-ID with the same content (the
// same mail delivered again, whatever trace headers the servers added) is a redelivery.

let rig: EmailRig;
beforeAll(async () => {
  rig = await startRig();
}, 120_000);
afterAll(async () => rig?.close());

const source = () => rig.deps.prisma.intakeSource.findUniqueOrThrow({ where: { id: `imap:${rig.dovecot.user}@127.0.0.1/INBOX` } });
const tipsWith = (snippet: string) => rig.deps.prisma.tip.findMany({ where: { body: { contains: snippet } }, select: { id: true } });

/** A community-page form tool that stamps every submission with the same Message-ID. */
function formMail(n: number, text: string, date: Date) {
  return buildMail({
    messageId: '<xxxx@xxxx.com>',
    from: 'noreply@forms.example.cn',
    fromName: '社区版报料表单',
    subject: '新的报料表单提交',
    text: `报料人：居民${n}\n联系方式：见表单后台\n内容：${text}`,
    date,
  });
}

describe('mail that reuses a Message-ID', () => {
  it('becomes a tip for each different message; a true redelivery, even with new trace headers, does not', async () => {
    const before = await source().catch(() => ({ duplicates: 0 }));
    const day = new Date('2026-11-30T09:15:00+08:00');
    const first = formMail(1, TEXT.leak, day);
    const second = formMail(2, '御河东路小区的化粪池满溢，臭味熏天，已经一个星期了。', new Date(day.getTime() + 3_600_000));
    const third = formMail(3, '平城区新建南路公交站的站牌被风刮倒了，没人来修。', new Date(day.getTime() + 7_200_000));

    // A broken client that reuses its Message-ID for the next, different mail of the same sender.
    const clientId = uniqueId('reused');
    const mine1 = buildMail({ messageId: clientId, from: 'li.shifu@126.com', subject: '小区停车', text: TEXT.parking, date: day });
    const mine2 = buildMail({ messageId: clientId, from: 'li.shifu@126.com', subject: '活动室义诊', text: TEXT.clinic, date: day });

    // The first form mail again, as another server hands it over: trace headers prepended, CRLFs intact.
    const traced = Buffer.concat([
      Buffer.from(
        'Received: from mx2.forms.example.cn (mx2.forms.example.cn [203.0.113.25])\r\n\tby mx.163.com with ESMTP; Mon, 30 Nov 2026 09:16:02 +0800\r\n',
      ),
      Buffer.from('Delivered-To: dtwbsq365@163.com\r\nReturn-Path: <noreply@forms.example.cn>\r\n'),
      first,
    ]);

    for (const raw of [first, second, first, third, mine1, traced, mine2]) await rig.dovecot.append(raw);

    await waitFor(async () => (await source()).duplicates >= before.duplicates + 2, 45_000, 'the two redeliveries to be counted');
    for (const snippet of ['大齿社区3号楼楼道漏水', '化粪池满溢', '站牌被风刮倒', '共享单车乱停乱放', '举办义诊']) {
      const tips = await waitFor(async () => ((await tipsWith(snippet)).length ? tipsWith(snippet) : null), 45_000, `a tip with ${snippet}`);
      expect(tips, snippet).toHaveLength(1);
    }
    expect((await source()).duplicates).toBe(before.duplicates + 2);
    expect(await rig.deps.prisma.submission.count({ where: { externalId: { startsWith: '<xxxx@xxxx.com>' } } })).toBe(3);
    expect(await rig.deps.prisma.submission.count({ where: { externalId: { startsWith: clientId } } })).toBe(2);
    // Each message is on its own tip: the reused id did not thread the later ones into the first.
    const formTips = await rig.deps.prisma.tip.findMany({ where: { tipster: { email: 'noreply@forms.example.cn' } } });
    expect(formTips).toHaveLength(3);
  });
});
