"""The promises of deploy/k8s that a schema cannot check, asserted on the rendered manifests (.ci/suites/k8s.sh).

Usage: python check_manifests.py RENDERED.yaml; prints one line per check and "N passed, N failed"."""
import sys

import yaml

WORKER_DRAIN_SECONDS = 20  # worker/worker.ts: shutdownGraceTime

docs = [doc for doc in yaml.safe_load_all(open(sys.argv[1])) if doc]
by_kind = {}
for doc in docs:
    by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{' — ' + detail if detail else ''}")


deployments = by_kind.get("Deployment", {})
check("Deployments for api, worker and payments", {"api", "worker", "payments"} <= set(deployments), ", ".join(deployments))
check("Services for api and payments", {"api", "payments"} <= set(by_kind.get("Service", {})))
check("a ConfigMap and a Secret", bool(by_kind.get("ConfigMap")) and bool(by_kind.get("Secret")))
for name, deployment in deployments.items():
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    check(f"{name}: liveness and readiness probes", "livenessProbe" in container and "readinessProbe" in container)
    check(f"{name}: runs as non-root", deployment["spec"]["template"]["spec"].get("securityContext", {}).get("runAsNonRoot") is True)
worker = deployments.get("worker", {}).get("spec", {}).get("template", {}).get("spec", {})
grace = worker.get("terminationGracePeriodSeconds", 30)
check("worker: terminationGracePeriodSeconds above its drain", grace > WORKER_DRAIN_SECONDS, f"{grace} s > {WORKER_DRAIN_SECONDS} s")
probe = worker.get("containers", [{}])[0].get("livenessProbe", {}).get("httpGet", {})
check("worker: probes its own /healthz", probe.get("path") == "/healthz")
budgets = {doc["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/name") for doc in by_kind.get("PodDisruptionBudget", {}).values()}
check("PodDisruptionBudgets for api and worker", {"api", "worker"} <= budgets, ", ".join(sorted(filter(None, budgets))))
hpa = by_kind.get("HorizontalPodAutoscaler", {}).get("worker", {})
metric = (hpa.get("spec", {}).get("metrics") or [{}])[0].get("external", {}).get("metric", {})
check("worker autoscaling on the orders task queue's backlog", hpa.get("spec", {}).get("scaleTargetRef", {}).get("name") == "worker"
      and metric.get("selector", {}).get("matchLabels", {}).get("task_queue") == "orders", metric.get("name", ""))
rules = [rule for policy in by_kind.get("NetworkPolicy", {}).values() if policy["spec"].get("podSelector") == {} for rule in policy["spec"].get("ingress", [])]
metrics_rules = [rule for rule in rules if {9464, 9465} & {port.get("port") for port in rule.get("ports", [])}]
check("metrics ports (9464, 9465) open to the monitoring namespace only",
      bool(metrics_rules) and all(rule.get("from") and all("namespaceSelector" in peer and "podSelector" not in peer for peer in rule["from"]) for rule in metrics_rules)
      and all(rule.get("ports") for rule in rules))
check("every resource in the order-saga namespace", all(doc["metadata"].get("namespace") == "order-saga" for doc in docs if doc["kind"] != "Namespace"))

failed = results.count(False)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
