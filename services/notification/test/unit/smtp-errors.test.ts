import { classifySmtpError } from '../../src/delivery/email-sender';

describe('SMTP errors', () => {
  it.each([
    [{ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:25' }, 'unavailable'],
    [{ code: 'ECONNECTION', message: 'Connection closed' }, 'unavailable'],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received' }, 'unavailable'],
    [{ code: 'EAUTH', responseCode: 535, message: 'Authentication failed' }, 'unavailable'],
    [{ code: 'EENVELOPE', responseCode: 530, message: 'Authentication required' }, 'unavailable'],
    [{ code: 'EAUTH', message: 'Missing credentials' }, 'unavailable'],
    [{ code: 'EENVELOPE', responseCode: 421, message: 'Service not available' }, 'unavailable'],
    [{ code: 'EENVELOPE', responseCode: 550, message: 'Mailbox unavailable' }, 'permanent'],
    [{ code: 'EENVELOPE', message: 'No recipients defined' }, 'permanent'],
    [{ code: 'EMESSAGE', responseCode: 451, message: 'Try again later' }, 'retry'],
  ])('treats %j as %s', (err, kind) => {
    expect(classifySmtpError(err).kind).toBe(kind);
  });

  it('keeps the code, the response code and the message in the error text', () => {
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 550, message: 'Mailbox unavailable' }).error).toBe(
      'EENVELOPE 550: Mailbox unavailable',
    );
  });
});
