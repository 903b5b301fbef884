// Policy tests over the rendered chart: `node --test scripts/chart/policy.test.mjs`.
//
// Input: the JSON renderings that scripts/chart/check.sh writes to .helmdesk/render/<profile>.json
// (one JSON array of objects per values profile; YAML is converted with PyYAML because the repo
// has no YAML parser). Environment:
//   HELMDESK_RENDER_DIR  where the <profile>.json files are (default <repo>/.helmdesk/render)
//   HELMDESK_PROFILES    comma-separated profile names to test (default: every file found)
//   HELMDESK_POLICY_MODE `profiles` (only the profiles), `selftest` (only the proof that each
//                        check fails on a broken object), or unset (both)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const renderDir = process.env.HELMDESK_RENDER_DIR || join(repo, '.helmdesk', 'render');
const mode = process.env.HELMDESK_POLICY_MODE || 'all';
const NAMESPACE = 'default'; // `helm template` renders for the default namespace
const COMPONENT = 'app.kubernetes.io/component';
const SERVICES = ['gateway', 'auth', 'case', 'agent', 'notification'];
const HTTP = 8080;

// ---- reading the rendering ---------------------------------------------------------------
function loadProfiles() {
  if (!existsSync(renderDir)) return [];
  const wanted = process.env.HELMDESK_PROFILES ? process.env.HELMDESK_PROFILES.split(',') : null;
  return readdirSync(renderDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f.replace(/\.json$/, ''), docs: JSON.parse(readFileSync(join(renderDir, f), 'utf8')) }))
    .filter((p) => !wanted || wanted.includes(p.name))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const id = (doc) => `${doc.kind}/${doc.metadata.name}`;
const ofKind = (docs, kind) => docs.filter((d) => d.kind === kind);

/** Every pod the rendering can create, with where it comes from. */
function pods(docs) {
  const out = [];
  for (const doc of docs) {
    let template = null;
    let longRunning = false;
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(doc.kind)) {
      template = doc.spec.template;
      longRunning = true;
    } else if (doc.kind === 'Job') {
      template = doc.spec.template;
    } else if (doc.kind === 'CronJob') {
      template = doc.spec.jobTemplate.spec.template;
    } else if (doc.kind === 'Pod') {
      template = { metadata: doc.metadata, spec: doc.spec };
    }
    if (template) {
      out.push({ owner: id(doc), doc, labels: template.metadata?.labels ?? {}, spec: template.spec, longRunning });
    }
  }
  return out;
}

const containersOf = (spec) => [
  ...(spec.initContainers ?? []).map((c) => ({ c, init: true })),
  ...(spec.containers ?? []).map((c) => ({ c, init: false })),
];

// ---- label selectors and NetworkPolicy evaluation ------------------------------------------
export function selects(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function ipv4(ip) {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p < 256)
    ? ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3] : null;
}
function inCidr(ip, cidr) {
  const [net, bits] = cidr.split('/');
  const a = ipv4(ip);
  const b = ipv4(net);
  if (a === null || b === null) return false;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

const policyTypes = (np) => np.spec.policyTypes ?? ['Ingress', ...(np.spec.egress ? ['Egress'] : [])];

/** Does a peer list (from/to) contain the endpoint? endpoint = {pod: {labels, namespaceLabels}} or {ip}. */
function peerMatches(peers, endpoint) {
  if (!peers || peers.length === 0) return true;
  return peers.some((peer) => {
    if (peer.ipBlock) {
      if (!endpoint.ip) return false;
      return inCidr(endpoint.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((e) => inCidr(endpoint.ip, e));
    }
    if (!endpoint.pod) return false;
    const { labels, namespaceLabels } = endpoint.pod;
    if (peer.namespaceSelector && !selects(peer.namespaceSelector, namespaceLabels)) return false;
    if (!peer.namespaceSelector && namespaceLabels['kubernetes.io/metadata.name'] !== NAMESPACE) return false;
    return peer.podSelector ? selects(peer.podSelector, labels) : true;
  });
}

function portMatches(ports, port, protocol) {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port
    || (p.endPort !== undefined && port >= p.port && port <= p.endPort)));
}

const ns = (name) => ({ 'kubernetes.io/metadata.name': name });

/** Is traffic from pod `from` to `to` (a pod or an ip) on port/protocol allowed by the policies? */
export function allowed(docs, from, to, port, protocol = 'TCP') {
  const nps = ofKind(docs, 'NetworkPolicy');
  const fromEp = { pod: { labels: from, namespaceLabels: ns(NAMESPACE) } };
  const egress = nps.filter((np) => selects(np.spec.podSelector, from) && policyTypes(np).includes('Egress'));
  const out = egress.length === 0 || egress.some((np) => (np.spec.egress ?? [])
    .some((r) => peerMatches(r.to, to) && portMatches(r.ports, port, protocol)));
  if (!out || to.ip || (to.pod.namespaceLabels['kubernetes.io/metadata.name'] !== NAMESPACE)) return out;
  const ingress = nps.filter((np) => selects(np.spec.podSelector, to.pod.labels) && policyTypes(np).includes('Ingress'));
  return ingress.length === 0 || ingress.some((np) => (np.spec.ingress ?? [])
    .some((r) => peerMatches(r.from, fromEp) && portMatches(r.ports, port, protocol)));
}

// ---- the policies --------------------------------------------------------------------------
export function podSecurityViolations(docs) {
  const v = [];
  for (const { owner, spec } of pods(docs)) {
    const psc = spec.securityContext ?? {};
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) v.push(`${owner}: uses host namespaces`);
    if ((spec.volumes ?? []).some((vol) => vol.hostPath)) v.push(`${owner}: mounts a hostPath`);
    if (spec.automountServiceAccountToken !== false) v.push(`${owner}: automountServiceAccountToken is not false`);
    if (psc.runAsUser === 0) v.push(`${owner}: pod runs as uid 0`);
    for (const { c } of containersOf(spec)) {
      const sc = c.securityContext ?? {};
      const where = `${owner} container ${c.name}`;
      if (!(sc.runAsNonRoot === true || (psc.runAsNonRoot === true && sc.runAsNonRoot !== false))) v.push(`${where}: runAsNonRoot is not true`);
      if (sc.runAsUser === 0) v.push(`${where}: runs as uid 0`);
      const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
      if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) v.push(`${where}: seccompProfile is not RuntimeDefault`);
      if (sc.allowPrivilegeEscalation !== false) v.push(`${where}: allowPrivilegeEscalation is not false`);
      if (sc.privileged === true) v.push(`${where}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${where}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE')) v.push(`${where}: adds capabilities`);
      if (sc.readOnlyRootFilesystem !== true) v.push(`${where}: root file system is writable`);
    }
  }
  return v;
}

export function containerViolations(docs) {
  const v = [];
  for (const { owner, spec, longRunning } of pods(docs)) {
    for (const { c, init } of containersOf(spec)) {
      const where = `${owner} container ${c.name}`;
      const r = c.resources ?? {};
      if (!r.requests?.cpu || !r.requests?.memory) v.push(`${where}: no cpu/memory requests`);
      if (!r.limits?.memory) v.push(`${where}: no memory limit`);
      if (!/(@sha256:[a-f0-9]{64}|:[\w][\w.-]{0,127})$/.test(c.image) || /:latest$/.test(c.image)) v.push(`${where}: image ${c.image} is not pinned`);
      if (longRunning && !init) {
        if (!c.livenessProbe) v.push(`${where}: no livenessProbe`);
        if (!c.readinessProbe) v.push(`${where}: no readinessProbe`);
      }
    }
  }
  return v;
}

export function disruptionViolations(docs) {
  const v = [];
  const hpaTargets = new Set(ofKind(docs, 'HorizontalPodAutoscaler').map((h) => `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`));
  for (const hpa of ofKind(docs, 'HorizontalPodAutoscaler')) {
    const t = hpa.spec.scaleTargetRef;
    if (!docs.some((d) => d.kind === t.kind && d.metadata.name === t.name)) v.push(`${id(hpa)}: scales missing ${t.kind}/${t.name}`);
    if (hpa.spec.minReplicas > hpa.spec.maxReplicas) v.push(`${id(hpa)}: minReplicas > maxReplicas`);
  }
  for (const d of [...ofKind(docs, 'Deployment'), ...ofKind(docs, 'StatefulSet')]) {
    const scaled = hpaTargets.has(id(d));
    if (scaled && d.spec.replicas !== undefined) v.push(`${id(d)}: sets replicas although an HPA scales it`);
    if ((d.spec.replicas ?? 1) > 1 || scaled) {
      const labels = d.spec.template.metadata.labels;
      if (!ofKind(docs, 'PodDisruptionBudget').some((p) => selects(p.spec.selector, labels))) {
        v.push(`${id(d)}: runs several replicas without a PodDisruptionBudget`);
      }
    }
    if (d.kind === 'Deployment') {
      const s = d.spec.strategy ?? {};
      if (s.type !== 'RollingUpdate' || s.rollingUpdate?.maxUnavailable !== 0) v.push(`${id(d)}: rolling update does not keep maxUnavailable 0`);
    }
  }
  return v;
}

export function networkCoverageViolations(docs) {
  const nps = ofKind(docs, 'NetworkPolicy');
  return pods(docs)
    .filter((p) => !nps.some((np) => selects(np.spec.podSelector, p.labels)))
    .map((p) => `${p.owner}: no NetworkPolicy selects its pods`);
}

export function serviceViolations(docs) {
  const v = [];
  const podLabels = pods(docs).map((p) => p);
  for (const svc of ofKind(docs, 'Service')) {
    const component = svc.metadata.labels?.[COMPONENT];
    const type = svc.spec.type ?? 'ClusterIP';
    if (component !== 'gateway' && type !== 'ClusterIP') v.push(`${id(svc)}: internal Service of type ${type}`);
    const backing = podLabels.filter((p) => p.longRunning && selects({ matchLabels: svc.spec.selector }, p.labels));
    if (backing.length === 0) v.push(`${id(svc)}: selects no pod`);
    for (const port of svc.spec.ports) {
      if (typeof port.targetPort === 'string' && !backing.some((p) => p.spec.containers
        .some((c) => (c.ports ?? []).some((cp) => cp.name === port.targetPort)))) {
        v.push(`${id(svc)}: targetPort ${port.targetPort} is no container port`);
      }
    }
  }
  return v;
}

/** The flows Helmdesk needs are open, and the ones it must not have are closed. */
export function flowViolations(docs) {
  if (ofKind(docs, 'NetworkPolicy').length === 0) return ['no NetworkPolicy rendered'];
  const byComponent = new Map();
  for (const p of pods(docs)) if (p.labels[COMPONENT]) byComponent.set(p.labels[COMPONENT], p.labels);
  const pod = (c) => ({ pod: { labels: byComponent.get(c), namespaceLabels: ns(NAMESPACE) } });
  const has = (c) => byComponent.has(c);
  const v = [];
  const expect = (from, to, port, want, protocol = 'TCP') => {
    if (!has(from) || (typeof to === 'string' && !has(to))) return;
    const target = typeof to === 'string' ? pod(to) : to;
    const got = allowed(docs, byComponent.get(from), target, port, protocol);
    if (got !== want) {
      const name = typeof to === 'string' ? to : (to.ip ?? JSON.stringify(to.pod.labels));
      v.push(`${from} -> ${name}:${port}/${protocol} should be ${want ? 'allowed' : 'denied'}`);
    }
  };
  const kubeDns = { pod: { labels: { 'k8s-app': 'kube-dns' }, namespaceLabels: ns('kube-system') } };
  for (const c of byComponent.keys()) {
    if (!['postgresql', 'kafka'].includes(c)) expect(c, kubeDns, 53, true, 'UDP');
  }
  for (const s of SERVICES.filter((s) => s !== 'gateway')) {
    expect('gateway', s, HTTP, true);
    expect('test', s, HTTP, false);
    expect(s, 'gateway', HTTP, false);
    if (s !== 'auth') expect(s, 'auth', HTTP, true);
    expect(s, 'postgresql', 5432, true);
    expect(s, 'kafka', 9092, true);
  }
  expect('test', 'gateway', HTTP, true);
  expect('case', 'agent', HTTP, false);
  expect('agent', 'case', HTTP, false);
  expect('notification', 'case', HTTP, false);
  expect('auth', 'case', HTTP, false);
  expect('gateway', 'postgresql', 5432, false);
  expect('gateway', 'kafka', 9092, false);
  expect('digest', 'postgresql', 5432, true);
  expect('digest', 'kafka', 9092, false);
  expect('migrate', 'postgresql', 5432, true);
  expect('topics', 'kafka', 9092, true);
  expect('kafka', 'postgresql', 5432, false);
  // webhooks: the internet yes, private ranges and cloud metadata no, and only from notification
  const webhooksOn = ofKind(docs, 'NetworkPolicy').some((np) => (np.spec.egress ?? [])
    .some((r) => (r.to ?? []).some((p) => p.ipBlock?.cidr === '0.0.0.0/0')));
  if (webhooksOn) expect('notification', { ip: '203.0.113.10' }, 443, true);
  expect('notification', { ip: '169.254.169.254' }, 80, false);
  expect('notification', { ip: '10.1.2.3' }, 443, false);
  expect('notification', { ip: '192.168.1.1' }, 443, false);
  for (const c of ['gateway', 'auth', 'case', 'agent', 'digest', 'test', 'postgresql', 'kafka']) {
    expect(c, { ip: '203.0.113.10' }, 443, false);
  }
  return v;
}

const CHECKS = [
  ['every pod meets restricted Pod Security and mounts no token', podSecurityViolations],
  ['every container has requests, a memory limit and a pinned image; long-running ones have probes', containerViolations],
  ['replicated workloads have a PodDisruptionBudget and roll with maxUnavailable 0', disruptionViolations],
  ['every pod is selected by a NetworkPolicy', networkCoverageViolations],
  ['internal Services are ClusterIP and every Service has pods behind it', serviceViolations],
  ['NetworkPolicies open exactly the flows Helmdesk needs', flowViolations],
];

// ---- the tests -----------------------------------------------------------------------------
const profiles = loadProfiles();

if (mode !== 'selftest') {
  test('rendered profiles are present', () => {
    assert.ok(profiles.length > 0, `no <profile>.json in ${renderDir}: run scripts/chart/check.sh first`);
  });
  for (const profile of profiles) {
    describe(`profile ${profile.name}`, () => {
      test('renders pods', () => assert.ok(pods(profile.docs).length > 0));
      for (const [name, check] of CHECKS) {
        test(name, () => assert.deepEqual(check(profile.docs), []));
      }
    });
  }
}

if (mode !== 'profiles') {
  describe('each check fails on a broken rendering', () => {
    const base = profiles.find((p) => p.name === 'default') ?? profiles[0];
    const broken = (mutate) => {
      assert.ok(base, 'needs a rendered profile');
      const docs = structuredClone(base.docs);
      mutate(docs);
      return docs;
    };
    const find = (docs, kind, component) => docs.find((d) => d.kind === kind && d.metadata.labels?.[COMPONENT] === component);
    const container = (docs, component) => find(docs, 'Deployment', component).spec.template.spec.containers[0];

    test('the unbroken rendering passes every check', () => {
      for (const [, check] of CHECKS) assert.deepEqual(check(base.docs), []);
    });
    test('a container without securityContext', () => {
      const docs = broken((d) => { delete container(d, 'gateway').securityContext; });
      assert.ok(podSecurityViolations(docs).some((x) => x.includes('container gateway')));
    });
    test('a writable root file system', () => {
      const docs = broken((d) => { container(d, 'case').securityContext.readOnlyRootFilesystem = false; });
      assert.match(podSecurityViolations(docs).join('\n'), /container case: root file system is writable/);
    });
    test('a container without a liveness probe or resources', () => {
      const docs = broken((d) => { delete container(d, 'auth').livenessProbe; delete container(d, 'agent').resources; });
      const v = containerViolations(docs).join('\n');
      assert.match(v, /container auth: no livenessProbe/);
      assert.match(v, /container agent: no cpu\/memory requests/);
    });
    test('several replicas without a PodDisruptionBudget', () => {
      const docs = broken((d) => {
        find(d, 'Deployment', 'case').spec.replicas = 3;
        const i = d.findIndex((x) => x.kind === 'PodDisruptionBudget' && x.metadata.labels[COMPONENT] === 'case');
        if (i >= 0) d.splice(i, 1);
      });
      assert.match(disruptionViolations(docs).join('\n'), /case: runs several replicas without a PodDisruptionBudget/);
    });
    test('pods no NetworkPolicy selects', () => {
      const docs = broken((d) => { for (let i = d.length - 1; i >= 0; i -= 1) if (d[i].kind === 'NetworkPolicy') d.splice(i, 1); });
      assert.ok(networkCoverageViolations(docs).length >= 5);
    });
    test('a missing per-service NetworkPolicy closes the gateway -> case flow', () => {
      const docs = broken((d) => d.splice(d.findIndex((x) => x.kind === 'NetworkPolicy' && x.metadata.labels[COMPONENT] === 'case'), 1));
      assert.match(flowViolations(docs).join('\n'), /gateway -> case:8080\/TCP should be allowed/);
    });
    test('an ingress rule open to everyone lets case reach agent', () => {
      const docs = broken((d) => { find(d, 'NetworkPolicy', 'agent').spec.ingress.push({}); find(d, 'NetworkPolicy', 'case').spec.egress.push({}); });
      assert.match(flowViolations(docs).join('\n'), /case -> agent:8080\/TCP should be denied/);
    });
    test('an internal Service exposed as NodePort', () => {
      const docs = broken((d) => { find(d, 'Service', 'auth').spec.type = 'NodePort'; });
      assert.match(serviceViolations(docs).join('\n'), /auth: internal Service of type NodePort/);
    });
  });
}
