// Job kinds, in one place so enqueuers need not import handlers (and their dependencies).
export const NORMALIZE_JOB = 'normalize-submission';
export const SEND_EMAIL_JOB = 'send-email';
export const SEND_SMS_JOB = 'send-sms';
export const FETCH_MEDIA_JOB = 'fetch-media';
export const ACKNOWLEDGE_CONTACT_JOB = 'acknowledge-contact';
