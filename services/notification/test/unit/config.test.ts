import { ConfigError, loadConfig } from '@helmdesk/platform';
import { digestCliConfigSchema, notificationConfigSchema } from '../../src/config';

const required = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  KAFKA_BROKERS: '127.0.0.1:9092',
  JWKS_URL: 'http://auth:8081/.well-known/jwks.json',
  SMTP_URL: 'smtp://user:secret@mail.example.com:587',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(notificationConfigSchema, { ...required, ...env });
    return [];
  } catch (err) {
    return (err as ConfigError).issues.map((i) => i.variable);
  }
}

describe('the notification config', () => {
  it('has the documented defaults', () => {
    expect(loadConfig(notificationConfigSchema, required)).toMatchObject({
      PORT: 8084,
      SMTP_FROM: 'Helmdesk <no-reply@helmdesk.local>',
      HELMDESK_SUPPORT_INBOX: 'support@localhost',
      HELMDESK_WEBHOOK_ALLOW_PRIVATE: false,
      HELMDESK_DIGEST_CRON: '0 5 * * *',
      HELMDESK_DIGEST_IN_PROCESS: true,
      DELIVERY_MAX_ATTEMPTS: 8,
      SMTP_TIMEOUT_MS: 10_000,
      WEBHOOK_TIMEOUT_MS: 10_000,
    });
  });

  it.each([
    ['SMTP_URL', 'http://mail.example.com'],
    ['HELMDESK_DIGEST_CRON', 'every morning'],
    ['HELMDESK_DIGEST_CRON', '61 5 * * *'],
    ['HELMDESK_SUPPORT_INBOX', 'support'],
    ['HELMDESK_WEBHOOK_ALLOW_PRIVATE', 'maybe'],
    ['DELIVERY_MAX_ATTEMPTS', '0'],
    ['SMTP_TIMEOUT_MS', 'soon'],
    ['SMTP_FROM', 'Helmdesk'],
  ])('names %s when it is %j', (variable, value) => {
    expect(problems({ [variable]: value })).toEqual([variable]);
  });

  it('needs an SMTP server', () => {
    const { SMTP_URL: _omitted, ...rest } = required;
    expect(() => loadConfig(notificationConfigSchema, rest)).toThrow('SMTP_URL: is required');
  });

  it('lets the digest CLI run without Kafka or a JWKS', () => {
    expect(loadConfig(digestCliConfigSchema, { DATABASE_URL: required.DATABASE_URL, SMTP_URL: required.SMTP_URL })).toMatchObject({
      HELMDESK_SUPPORT_INBOX: 'support@localhost',
    });
  });
});
