import { parseTemplate, renderTemplate, templateKeys, templateProblems, templateVariables } from '../../src/domain/templates';

describe('mail templates', () => {
  it('splits a template into text and placeholders, allowing spaces inside the braces', () => {
    expect(parseTemplate('Hi {{ customer.name }}, case {{case.id}}.')).toEqual({
      segments: [{ text: 'Hi ' }, { variable: 'customer.name' }, { text: ', case ' }, { variable: 'case.id' }, { text: '.' }],
      problems: [],
    });
  });

  it('accepts every placeholder a template knows, and only those', () => {
    for (const key of templateKeys) {
      const all = templateVariables[key].map((v) => `{{${v}}}`).join(' ');
      expect(templateProblems(key, all)).toEqual([]);
    }
    expect(templateProblems('case.assigned.customer', '{{agent.email}}')).toEqual([
      { message: expect.stringMatching(/^unknown placeholder \{\{agent\.email\}\}; allowed: \{\{case\.id\}\}/) },
    ]);
    expect(templateProblems('case.assigned.agent', '{{agent.email}}')).toEqual([]);
    expect(templateProblems('digest.daily', '{{case.subject}}')).toHaveLength(1);
  });

  it('reports malformed and unclosed placeholders', () => {
    expect(templateProblems('case.opened.customer', 'a {{ case subject }} b')[0]!.message).toBe('malformed placeholder "{{case subject}}"');
    expect(templateProblems('case.opened.customer', 'a {{}} b')[0]!.message).toBe('malformed placeholder "{{}}"');
    expect(templateProblems('case.opened.customer', 'a {{case.id')[0]!.message).toBe('unclosed placeholder "{{case.id"');
  });

  it('renders the text as is and the HTML with every value escaped', () => {
    const mail = renderTemplate(
      { subject: 'About {{case.subject}}', body: 'Hello {{customer.name}},\n\nyour case "{{case.subject}}".\nBye' },
      { 'customer.name': 'Eve <script>alert(1)</script>', 'case.subject': 'Tom & Jerry\'s "<b>"' },
    );
    expect(mail.subject).toBe('About Tom & Jerry\'s "<b>"');
    expect(mail.text).toBe('Hello Eve <script>alert(1)</script>,\n\nyour case "Tom & Jerry\'s "<b>"".\nBye');
    expect(mail.html).toContain('<p>Hello Eve &lt;script&gt;alert(1)&lt;/script&gt;,</p>');
    expect(mail.html).toContain('<p>your case &quot;Tom &amp; Jerry&#39;s &quot;&lt;b&gt;&quot;&quot;.<br>\nBye</p>');
    expect(mail.html).not.toContain('<script>');
  });

  it('keeps the subject on one line whatever the values contain', () => {
    const mail = renderTemplate({ subject: '{{case.subject}}', body: '{{case.subject}}' }, { 'case.subject': 'one\r\nBcc: evil@example.com' });
    expect(mail.subject).toBe('one Bcc: evil@example.com');
    expect(mail.text).toBe('one\r\nBcc: evil@example.com');
  });

  it('renders a placeholder without a value as nothing', () => {
    expect(renderTemplate({ subject: 's', body: '[{{agent.name}}]' }, {}).text).toBe('[]');
  });
});
