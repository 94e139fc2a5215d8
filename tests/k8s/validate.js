// Validates Kubernetes manifests offline (read as YAML 1.1, as Kubernetes reads them: 0440 is octal) against the official OpenAPI schemas bundled in
// kubernetes-models, plus the checks those schemas cannot make: only current API versions,
// no unknown top-level keys, and the security settings every paymesh workload must carry.
//
//   node validate.js deploy/k8s/base/*.yaml      (exit 1 on any problem)
'use strict';

const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

// apiVersion → module path in kubernetes-models; anything else (e.g. removed betas) is refused.
const ALLOWED = new Set(['v1', 'apps/v1', 'policy/v1', 'autoscaling/v2', 'networking.k8s.io/v1']);
const SKIP = new Set(['kustomize.config.k8s.io/v1beta1', 'kustomize.config.k8s.io/v1alpha1']);

// cert-manager's resources (no schema bundled): what an identity needs to work here.
function checkCertManager(where, obj) {
  const spec = obj.spec || {};
  if (obj.kind === 'Issuer' || obj.kind === 'ClusterIssuer') {
    if (!spec.ca || !spec.ca.secretName) fail(where, 'a CA issuer needs spec.ca.secretName');
    return;
  }
  if (obj.kind !== 'Certificate') { fail(where, `unknown kind ${obj.kind}`); return; }
  if (!spec.secretName) fail(where, 'needs spec.secretName');
  if (!spec.issuerRef || !spec.issuerRef.name) fail(where, 'needs spec.issuerRef.name');
  if (!Array.isArray(spec.dnsNames) || !spec.dnsNames.length) {
    fail(where, 'needs dnsNames (the identity)');
  } else if (spec.secretName && /-grpc-tls$/.test(spec.secretName) &&
             spec.dnsNames[0] !== spec.secretName.replace(/-grpc-tls$/, '')) {
    // <identity>-grpc-tls must hold the identity it is mounted as.
    fail(where, `${spec.secretName} would hold the identity ${spec.dnsNames[0]}`);
  }
  for (const usage of ['server auth', 'client auth']) {
    if (!(spec.usages || []).includes(usage)) fail(where, `usages must include ${usage} (mutual TLS)`);
  }
}

let failures = 0;
function fail(where, message) {
  failures += 1;
  console.log(`FAIL ${where}: ${message}`);
}

function checkWorkload(where, obj) {
  const spec = obj.spec.template.spec;
  if (!spec.securityContext || spec.securityContext.runAsNonRoot !== true) {
    fail(where, 'pod must set securityContext.runAsNonRoot: true');
  }
  for (const c of spec.containers) {
    const sc = c.securityContext || {};
    if (sc.readOnlyRootFilesystem !== true) fail(where, `${c.name}: readOnlyRootFilesystem must be true`);
    if (sc.allowPrivilegeEscalation !== false) fail(where, `${c.name}: allowPrivilegeEscalation must be false`);
    if (!c.readinessProbe || !c.livenessProbe) fail(where, `${c.name}: needs readiness and liveness probes`);
    if (!c.resources || !c.resources.limits || !c.resources.limits.memory) {
      fail(where, `${c.name}: needs a memory limit`);
    }
  }
  // paymesh's own pods: the services talk mutual TLS, so each mounts its identity, and the
  // kubelet (which shows no client certificate) probes HTTP, not gRPC. Secret files must be
  // readable by the non-root user: group-readable with fsGroup set.
  const secretVolumes = (spec.volumes || []).filter((v) => v.secret);
  for (const v of secretVolumes) {
    const mode = v.secret.defaultMode === undefined ? 0o644 : v.secret.defaultMode;
    const readable = (mode & 0o004) || ((mode & 0o040) && spec.securityContext && spec.securityContext.fsGroup);
    if (!readable) fail(where, `secret volume ${v.name} is unreadable by the non-root user (mode ${mode.toString(8)}, no fsGroup)`);
  }
  const usesSharedConfig = (c) => (c.envFrom || []).some((e) => e.configMapRef && e.configMapRef.name === 'paymesh');
  // paymesh's image under any registry and tag (overlays rewrite it).
  const isPaymesh = (c) => /(^|\/)paymesh(:|@|$)/.test(c.image || '');
  for (const c of spec.containers.filter((c) => isPaymesh(c) && usesSharedConfig(c))) {
    for (const probe of [c.readinessProbe, c.livenessProbe]) {
      if (probe && probe.grpc) fail(where, `${c.name}: a gRPC probe cannot pass mutual TLS; probe /healthz over HTTP`);
    }
    const tlsMount = (c.volumeMounts || []).find((m) => m.mountPath === '/var/run/secrets/paymesh/grpc');
    const tlsVolume = tlsMount && secretVolumes.find((v) => v.name === tlsMount.name);
    if (!tlsVolume || !/-grpc-tls$/.test(tlsVolume.secret.secretName)) {
      fail(where, `${c.name}: needs its mutual-TLS identity (a *-grpc-tls Secret at /var/run/secrets/paymesh/grpc)`);
    }
  }
  const labels = obj.spec.template.metadata.labels || {};
  for (const [k, v] of Object.entries(obj.spec.selector.matchLabels || {})) {
    if (labels[k] !== v) fail(where, `selector ${k}=${v} does not match the pod labels`);
  }
}

// "64k", "1088k", "1m", "65536" → bytes (nginx's size syntax).
function sizeBytes(text) {
  const m = /^(\d+)([kKmM]?)$/.exec(String(text || ''));
  if (!m) return NaN;
  return Number(m[1]) * ({ '': 1, k: 1024, m: 1024 * 1024 }[m[2].toLowerCase()]);
}

// The edge: an Ingress routes nothing operational (/metrics, /readyz, /healthz), and its body
// limit is the one the gateway it fronts enforces (GATEWAY_MAX_BODY_BYTES for the API,
// GATEWAY_NOTIFY_MAX_BODY_BYTES for notifications, from the paymesh ConfigMap).
function checkEdge(objects) {
  const config = objects.find((o) => o.obj.kind === 'ConfigMap' && o.obj.metadata.name === 'paymesh');
  for (const { where, obj } of objects.filter((o) => o.obj.kind === 'Ingress')) {
    if (!config) { fail(where, 'no paymesh ConfigMap to compare body limits with'); continue; }
    const limit = sizeBytes((obj.metadata.annotations || {})['nginx.ingress.kubernetes.io/proxy-body-size']);
    for (const rule of obj.spec.rules || []) {
      for (const p of (rule.http && rule.http.paths) || []) {
        const operational = ['/metrics', '/readyz', '/healthz'].some((op) =>
          (p.pathType === 'Exact' ? p.path === op : op.startsWith(p.path)));
        if (operational) fail(where, `path ${p.path} (${p.pathType}) exposes /metrics, /readyz or /healthz`);
        const service = p.backend.service.name;
        const key = service === 'gateway-notify' ? 'GATEWAY_NOTIFY_MAX_BODY_BYTES' : 'GATEWAY_MAX_BODY_BYTES';
        const want = Number(config.obj.data[key]);
        if (!(limit === want)) fail(where, `body limit ${limit} for ${service} is not ${key}=${config.obj.data[key]}`);
      }
    }
  }
}

let checked = 0;
const objects = [];
for (const file of process.argv.slice(2)) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' });
  docs.forEach((doc, i) => {
    if (doc.errors.length) {
      fail(`${path.basename(file)}#${i}`, doc.errors[0].message);
      return;
    }
    const obj = doc.toJS();
    if (!obj || SKIP.has(obj.apiVersion)) return;
    const where = `${path.basename(file)}#${i} ${obj.kind}/${obj.metadata && obj.metadata.name}`;
    if (obj.apiVersion === 'cert-manager.io/v1') {
      const before = failures;
      checkCertManager(where, obj);
      objects.push({ where, obj });
      checked += 1;
      if (failures === before) console.log(`ok   ${where}`);
      return;
    }
    if (!ALLOWED.has(obj.apiVersion)) {
      fail(where, `apiVersion ${obj.apiVersion} is not allowed`);
      return;
    }
    const known = ['apiVersion', 'kind', 'metadata', 'spec', 'data', 'type', 'stringData', 'binaryData', 'immutable'];
    const unknown = Object.keys(obj).filter((k) => !known.includes(k));
    // A Secret's base64 may be wrapped over lines (kustomize does); Kubernetes ignores the breaks.
    if (obj.kind === 'Secret' && obj.data) {
      for (const k of Object.keys(obj.data)) obj.data[k] = String(obj.data[k]).replace(/\s+/g, '');
    }
    if (unknown.length) fail(where, `unknown top-level keys: ${unknown.join(', ')}`);
    const mod = require(`kubernetes-models/${obj.apiVersion}`);
    const Kind = mod[obj.kind];
    if (!Kind) {
      fail(where, `unknown kind ${obj.kind}`);
      return;
    }
    try {
      new Kind(obj).validate();
    } catch (e) {
      fail(where, e.message);
      return;
    }
    const before = failures;
    objects.push({ where, obj });
    if (obj.kind === 'Deployment') checkWorkload(where, obj);
    checked += 1;
    if (failures === before) console.log(`ok   ${where}`);
  });
}
if (objects.some((o) => o.obj.kind === 'Ingress')) checkEdge(objects);
// Where cert-manager issues identities, every identity a pod mounts must be issued.
const issued = new Set(objects.filter((o) => o.obj.kind === 'Certificate').map((o) => o.obj.spec.secretName));
if (issued.size) {
  for (const { where, obj } of objects.filter((o) => o.obj.kind === 'Deployment')) {
    for (const v of obj.spec.template.spec.volumes || []) {
      if (v.secret && /-grpc-tls$/.test(v.secret.secretName) && !issued.has(v.secret.secretName)) {
        fail(where, `no Certificate issues ${v.secret.secretName}`);
      }
    }
  }
}
if (checked === 0) fail('input', 'no Kubernetes objects checked');
console.log(`${checked} objects checked, ${failures} problems`);
process.exit(failures ? 1 : 0);
