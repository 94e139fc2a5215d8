// Validates Kubernetes manifests offline against the official OpenAPI schemas bundled in
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
const SKIP = new Set(['kustomize.config.k8s.io/v1beta1']);  // kustomization files, not objects

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
  const labels = obj.spec.template.metadata.labels || {};
  for (const [k, v] of Object.entries(obj.spec.selector.matchLabels || {})) {
    if (labels[k] !== v) fail(where, `selector ${k}=${v} does not match the pod labels`);
  }
}

let checked = 0;
for (const file of process.argv.slice(2)) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
  docs.forEach((doc, i) => {
    if (doc.errors.length) {
      fail(`${path.basename(file)}#${i}`, doc.errors[0].message);
      return;
    }
    const obj = doc.toJS();
    if (!obj || SKIP.has(obj.apiVersion)) return;
    const where = `${path.basename(file)}#${i} ${obj.kind}/${obj.metadata && obj.metadata.name}`;
    if (!ALLOWED.has(obj.apiVersion)) {
      fail(where, `apiVersion ${obj.apiVersion} is not allowed`);
      return;
    }
    const unknown = Object.keys(obj).filter((k) => !['apiVersion', 'kind', 'metadata', 'spec', 'data'].includes(k));
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
    if (obj.kind === 'Deployment') checkWorkload(where, obj);
    checked += 1;
    if (failures === before) console.log(`ok   ${where}`);
  });
}
if (checked === 0) fail('input', 'no Kubernetes objects checked');
console.log(`${checked} objects checked, ${failures} problems`);
process.exit(failures ? 1 : 0);
