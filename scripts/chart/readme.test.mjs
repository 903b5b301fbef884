// Tests of the README generator: `node --test scripts/chart/readme.test.mjs`.
// HELMDESK_VALUES_JSON (written by scripts/chart/check.sh with PyYAML) is values.yaml as a real
// YAML parser reads it; the generator's own small reader must agree with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYaml, render } from './readme.mjs';

const chart = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'helm', 'helmdesk');

test('reads values.yaml exactly as PyYAML does', { skip: !process.env.HELMDESK_VALUES_JSON && 'HELMDESK_VALUES_JSON not set' }, () => {
  const expected = JSON.parse(readFileSync(process.env.HELMDESK_VALUES_JSON, 'utf8'));
  assert.deepEqual(parseYaml(readFileSync(join(chart, 'values.yaml'), 'utf8')), expected);
});

test('reads the YAML forms values.yaml uses', () => {
  const doc = parseYaml([
    'a: 1  # comment',
    'b: "x # not a comment"',
    "c: 'it''s'",
    'd: {x: 0, y: [1, "two"], z: {}}',
    'e:',
    '  - name: n',
    '    value: v',
    '  - plain',
    'f:',
    '- 10.0.0.0/8',
    'g: ~',
    'h: "::/0"',
    'i: -Xms1m -Xmx2m',
  ].join('\n'));
  assert.deepEqual(doc, {
    a: 1, b: 'x # not a comment', c: "it's", d: { x: 0, y: [1, 'two'], z: {} },
    e: [{ name: 'n', value: 'v' }, 'plain'], f: ['10.0.0.0/8'], g: null, h: '::/0', i: '-Xms1m -Xmx2m',
  });
});

test('every value and schema property is documented', () => {
  assert.deepEqual(render().problems, []);
});
