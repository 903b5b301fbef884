#!/usr/bin/env node
// Generates the parameter tables of helm/helmdesk/README.md from the Bitnami-style comments of
// helm/helmdesk/values.yaml (`## @section Title`, `## @param path description`), between
// `<!-- params:start -->` and `<!-- params:end -->`. Plain Node, no dependencies.
//
// It also checks that the documentation is complete: every value in values.yaml and every
// property in values.schema.json is documented by a @param (on itself or on a parent), and
// every @param names a real value and a real schema property.
//
//   node scripts/chart/readme.mjs           rewrite the README tables
//   node scripts/chart/readme.mjs --check   exit 1 when the README is stale or a value is undocumented
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const chartDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'helm', 'helmdesk');
const START = '<!-- params:start -->';
const END = '<!-- params:end -->';

// ---- a YAML subset reader (block maps and lists, flow {} / [], plain and quoted scalars) -----
function stripComment(text) {
  let quote = null;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      return text.slice(0, i).trimEnd();
    }
  }
  return text.trimEnd();
}

function scalar(text) {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null') return null;
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?\d+$/.test(t)) return Number(t);
  if (/^-?\d+\.\d+$/.test(t)) return Number(t);
  if (t.startsWith('"')) return JSON.parse(t);
  if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

function parseFlow(text) {
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i += 1; };
  const plain = (stops) => {
    const start = i;
    if (text[i] === '"' || text[i] === "'") {
      const q = text[i];
      i += 1;
      while (i < text.length && text[i] !== q) i += text[i] === '\\' && q === '"' ? 2 : 1;
      i += 1;
      return scalar(text.slice(start, i));
    }
    while (i < text.length && !stops.includes(text[i]) && !(text[i] === ':' && /\s/.test(text[i + 1] ?? ' '))) i += 1;
    return scalar(text.slice(start, i));
  };
  const value = () => {
    ws();
    if (text[i] === '{') {
      i += 1;
      const out = {};
      for (;;) {
        ws();
        if (text[i] === '}') { i += 1; return out; }
        const key = String(plain(',}'));
        ws();
        if (text[i] !== ':') throw new Error(`bad flow mapping: ${text}`);
        i += 1;
        out[key] = value();
        ws();
        if (text[i] === ',') i += 1;
      }
    }
    if (text[i] === '[') {
      i += 1;
      const out = [];
      for (;;) {
        ws();
        if (text[i] === ']') { i += 1; return out; }
        out.push(value());
        ws();
        if (text[i] === ',') i += 1;
      }
    }
    return plain(',}]');
  };
  const result = value();
  ws();
  if (i !== text.length) throw new Error(`trailing text in flow value: ${text}`);
  return result;
}

function inlineValue(text) {
  const t = text.trim();
  return t.startsWith('{') || t.startsWith('[') ? parseFlow(t) : scalar(t);
}

export function parseYaml(source) {
  const lines = source.split('\n')
    .map((raw, n) => ({ n: n + 1, indent: raw.length - raw.trimStart().length, text: stripComment(raw).trim() }))
    .filter((l) => l.text !== '' && l.text !== '---');
  let pos = 0;

  function block(indent) {
    const line = lines[pos];
    if (!line || line.indent < indent) return null;
    return line.text.startsWith('- ') || line.text === '-' ? sequence(line.indent) : mapping(line.indent);
  }

  function mapping(indent, into = {}) {
    while (pos < lines.length && lines[pos].indent === indent && !lines[pos].text.startsWith('-')) {
      const { text, n } = lines[pos];
      const m = /^("[^"]*"|'[^']*'|[^:]+?):(?:\s+(.*))?$/.exec(text);
      if (!m) throw new Error(`values.yaml:${n}: cannot read "${text}"`);
      const key = String(scalar(m[1]));
      pos += 1;
      if (m[2] !== undefined && m[2] !== '') {
        into[key] = inlineValue(m[2]);
      } else {
        const next = lines[pos];
        if (next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- ')))) {
          into[key] = block(next.indent);
        } else {
          into[key] = null;
        }
      }
    }
    if (pos < lines.length && lines[pos].indent > indent) {
      throw new Error(`values.yaml:${lines[pos].n}: unexpected indentation`);
    }
    return into;
  }

  function sequence(indent) {
    const out = [];
    while (pos < lines.length && lines[pos].indent === indent && lines[pos].text.startsWith('-')) {
      const line = lines[pos];
      const rest = line.text.slice(1).trim();
      if (rest === '') {
        pos += 1;
        out.push(block(lines[pos]?.indent ?? indent + 2));
      } else if (/^[^\s"'{[][^:]*:(\s|$)/.test(rest)) {
        // "- key: value" starts a mapping whose other keys sit at indent + 2
        const itemIndent = indent + (line.text.length - rest.length);
        lines[pos] = { ...line, indent: itemIndent, text: rest };
        out.push(mapping(itemIndent));
      } else {
        pos += 1;
        out.push(inlineValue(rest));
      }
    }
    return out;
  }

  const result = block(0) ?? {};
  if (pos < lines.length) throw new Error(`values.yaml:${lines[pos].n}: cannot read "${lines[pos].text}"`);
  return result;
}

// ---- @param / @section comments ----------------------------------------------------------
function readParams(source) {
  const sections = [];
  let current = null;
  source.split('\n').forEach((raw, n) => {
    const line = raw.trim();
    let m = /^## @section\s+(.+)$/.exec(line);
    if (m) {
      current = { title: m[1].trim(), params: [] };
      sections.push(current);
      return;
    }
    m = /^## @param\s+(\S+)\s+(.+)$/.exec(line);
    if (m) {
      if (!current) throw new Error(`values.yaml:${n + 1}: @param before any @section`);
      current.params.push({ path: m[1], description: m[2].trim(), line: n + 1 });
    } else if (/^##\s*@param/.test(line)) {
      throw new Error(`values.yaml:${n + 1}: malformed @param (want "## @param path description")`);
    }
  });
  return sections;
}

function lookup(values, path) {
  let node = values;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !(key in node)) return { found: false };
    node = node[key];
  }
  return { found: true, value: node };
}

function leaves(node, prefix = '') {
  if (node === null || typeof node !== 'object' || Array.isArray(node) || Object.keys(node).length === 0) {
    return [prefix];
  }
  return Object.entries(node).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

function schemaPaths(schema, prefix = '') {
  if (!schema || !schema.properties) return prefix ? [prefix] : [];
  return Object.entries(schema.properties).flatMap(([k, v]) => schemaPaths(v, prefix ? `${prefix}.${k}` : k));
}

function schemaHas(schema, path) {
  let node = schema;
  for (const key of path.split('.')) {
    if (!node || !node.properties || !(key in node.properties)) return false;
    node = node.properties[key];
  }
  return true;
}

const covered = (path, documented) => {
  const parts = path.split('.');
  return parts.some((_, i) => documented.has(parts.slice(0, i + 1).join('.')));
};

const cell = (text) => text.replace(/\|/g, '\\|');
function show(value) {
  if (value === null) return '`nil`';
  const json = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return `\`${cell(json)}\``;
}

export function render() {
  const valuesText = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
  const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8'));
  const values = parseYaml(valuesText);
  const sections = readParams(valuesText);
  const problems = [];
  const documented = new Set();

  for (const section of sections) {
    for (const p of section.params) {
      if (documented.has(p.path)) problems.push(`values.yaml:${p.line}: @param ${p.path} documented twice`);
      documented.add(p.path);
      const hit = lookup(values, p.path);
      if (!hit.found) problems.push(`values.yaml:${p.line}: @param ${p.path} names no value`);
      else p.value = hit.value;
      if (!schemaHas(schema, p.path)) problems.push(`values.yaml:${p.line}: @param ${p.path} is not in values.schema.json`);
    }
  }
  for (const leaf of leaves(values)) {
    if (!covered(leaf, documented)) problems.push(`value ${leaf} has no "## @param" line in values.yaml`);
  }
  for (const path of schemaPaths(schema)) {
    if (!covered(path, documented)) problems.push(`schema property ${path} has no "## @param" line in values.yaml`);
  }

  const tables = sections.map((s) => [
    `### ${s.title}`,
    '',
    '| Name | Description | Value |',
    '| ---- | ----------- | ----- |',
    ...s.params.map((p) => `| \`${p.path}\` | ${cell(p.description)} | ${show(p.value)} |`),
  ].join('\n')).join('\n\n');
  return { tables, problems };
}

function main() {
  const check = process.argv.includes('--check');
  const readmePath = join(chartDir, 'README.md');
  const { tables, problems } = render();
  if (problems.length) {
    for (const p of problems) console.error(`readme: ${p}`);
    process.exit(1);
  }
  const readme = readFileSync(readmePath, 'utf8');
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) {
    console.error(`readme: ${readmePath} lacks the ${START} / ${END} markers`);
    process.exit(1);
  }
  const next = `${readme.slice(0, a + START.length)}\n\n${tables}\n\n${readme.slice(b)}`;
  if (check) {
    if (next !== readme) {
      console.error('readme: helm/helmdesk/README.md is out of date: run node scripts/chart/readme.mjs');
      process.exit(1);
    }
    console.log('README.md is up to date; every value is documented');
  } else {
    writeFileSync(readmePath, next);
    console.log(`wrote ${readmePath}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
