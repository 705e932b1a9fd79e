import { z } from 'zod';

/** What the IMAP worker records about a message next to its raw bytes (Submission.meta). */
export const EmailMetaSchema = z.object({
  /** intake_source id of the mailbox, e.g. imap:tips@163.com@imap.163.com/INBOX */
  source: z.string(),
  mailbox: z.string(),
  uidValidity: z.string(),
  uid: z.number().int(),
  size: z.number().int(),
  internalDate: z.string().nullable().optional(),
  messageId: z.string().nullable().optional(),
  subject: z.string().nullable().optional(),
  flags: z.array(z.string()).optional(),
  /** Normalized content hash (email.identity.ts): a stored Message-ID with another hash is a new message. */
  contentHash: z.string().optional(),
});
export type EmailMeta = z.infer<typeof EmailMetaSchema>;
