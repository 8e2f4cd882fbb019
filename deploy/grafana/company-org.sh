#!/usr/bin/env bash
# Writes the Grafana provisioning of one company's organisation: its PostgreSQL data source
# (a login holding the company's role, in that organisation only) and its dashboard provider
# (company detail and zone overview, bound to that data source).
#   deploy/grafana/company-org.sh COMPANY_ID ORG_ID DIR
# writes DIR/provisioning/datasources/wasteflow-COMPANY_ID.yaml and
# DIR/provisioning/dashboards/wasteflow-COMPANY_ID.yaml (DIR=/etc/grafana installs them).
# The organisation must exist first: docs/operations.md, "Grafana: one organisation per company".
# deploy/grafana/companies/beton-artois/ is its output for beton-artois 2 (tests/grafana_provisioning.rs).
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 COMPANY_ID ORG_ID DIR" >&2; exit 64; }
[[ $# -eq 3 ]] || usage
id=$1 org=$2 dir=$3

# As src/zone/check.rs check_id: 1 to 64 lower-case letters, digits or '-'.
if ! [[ $id =~ ^[a-z0-9-]{1,64}$ ]]; then
    echo "$0: company id \"$id\": use 1 to 64 lower-case letters, digits or '-' (the registry's id)" >&2
    exit 64
fi
# Organisation 1 (Main Org.) is the operators': it holds the coordinator's data source.
if ! [[ $org =~ ^[1-9][0-9]*$ ]] || [[ $org == 1 ]]; then
    echo "$0: organisation id \"$org\": the id Grafana gave the company's organisation (2 or more; 1 is the operators')" >&2
    exit 64
fi

# The company's role, as wf_company_role() of migration 16 names it.
role="wasteflow_company_$id"
if (( ${#role} > 63 )); then
    role="wasteflow_company_${id:0:36}_$(printf '%s' "$id" | md5sum | cut -c1-8)"
fi
login="grafana_$id"
if (( ${#login} > 63 )); then
    login="grafana_${id:0:46}_$(printf '%s' "$id" | md5sum | cut -c1-8)"
fi
password_var="WASTEFLOW_$(tr 'a-z-' 'A-Z_' <<<"$id")_DB_PASSWORD"

mkdir -p "$dir/provisioning/datasources" "$dir/provisioning/dashboards"

cat >"$dir/provisioning/datasources/wasteflow-$id.yaml" <<EOF
# The data source of the company $id in its Grafana organisation ($org), written by
# deploy/grafana/company-org.sh $id $org DIR. Its login holds the company's role only, so every
# query reads the company's own rows and the zone's aggregates, whatever the dashboard asks:
#   CREATE ROLE "$login" LOGIN PASSWORD '...' IN ROLE "$role";
# and put the password in the environment of grafana-server as $password_var.
# The uid is the one the shipped dashboards name: uids are unique per organisation.
apiVersion: 1
datasources:
  - name: wasteflow
    uid: wasteflow-pg
    orgId: $org
    type: grafana-postgresql-datasource
    access: proxy
    url: 127.0.0.1:5432
    user: $login
    editable: false
    jsonData:
      database: wasteflow
      sslmode: disable        # use verify-full with a CA for a remote database
      postgresVersion: 1500
      timescaledb: true
      timeInterval: 1m
    secureJsonData:
      password: \$$password_var
EOF

cat >"$dir/provisioning/dashboards/wasteflow-$id.yaml" <<EOF
# The dashboards of the company $id in its Grafana organisation ($org), written by
# deploy/grafana/company-org.sh $id $org DIR. The path is shared by every company's
# organisation and holds company-detail.json and zone-overview.json of deploy/grafana/dashboards/
# only (ingestion-health.json reads Prometheus, which companies are not given).
apiVersion: 1
providers:
  - name: wasteflow-$id
    orgId: $org
    folder: wasteflow
    type: file
    disableDeletion: true
    updateIntervalSeconds: 60
    allowUiUpdates: false
    options:
      path: /var/lib/grafana/dashboards/wasteflow-company
      foldersFromFilesStructure: false
EOF

echo "$dir/provisioning/datasources/wasteflow-$id.yaml"
echo "$dir/provisioning/dashboards/wasteflow-$id.yaml"
