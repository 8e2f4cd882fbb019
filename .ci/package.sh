#!/usr/bin/env bash
# The Debian package, end to end, on this machine (as root): build it, check its contents,
# lint it, install it, check the user, files and permissions, run check-config as the service
# user, upgrade it over an edited conffile, purge it, and check the purge left nothing but
# the system user and group (docs/operations.md, "The Debian package").
#
# Usage: bash .ci/package.sh          (.ci/run calls it; about 4 to 6 minutes, most of it the
#                                      release build, less when target/release is warm)
# Installs lintian, dpkg-dev, adduser and man-db when missing, and cargo-deb into target/tools/
# (build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# Where build.sh installs cargo-deb when the PATH has none.
export PATH="$PWD/target/tools/bin:$PATH"
[ "$(id -u)" = 0 ] || { echo "run as root: it installs and purges the package" >&2; exit 1; }

fail() { echo "package check FAILED: $*" >&2; exit 1; }
# Every path of the system a package may touch (not the services' data, caches, logs, the
# checkout), sorted: taken before the installation and after the purge.
snapshot() {
  find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /var/tmp \
    -o -path /work -o -path /root -o -path /var/cache -o -path /var/log -o -path /var/lib/postgresql \
    -o -path /var/lib/mosquitto -o -path /var/lib/apt \) -prune -o -print 2>/dev/null | sort
}
need_apt=()
command -v lintian >/dev/null || need_apt+=(lintian)
command -v dpkg-shlibdeps >/dev/null || need_apt+=(dpkg-dev)
command -v adduser >/dev/null || need_apt+=(adduser)
command -v man >/dev/null || need_apt+=(man-db)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
# A run that stopped half-way may have left it installed.
dpkg --purge wasteflow >/dev/null 2>&1 || true

echo "== build"
bash deploy/debian/build.sh
VERSION=$(cargo metadata --no-deps --format-version 1 --locked | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')
ARCH=$(dpkg --print-architecture)
BUILT=target/debian/wasteflow_${VERSION}-1_${ARCH}.deb
[ -f "$BUILT" ] || fail "no $BUILT"
# cargo deb empties target/debian each time: the two packages checked are kept aside. The
# second one holds the same files as a later revision, to check an upgrade.
rm -rf target/package-check && mkdir -p target/package-check
DEB=target/package-check/$(basename "$BUILT")
cp "$BUILT" "$DEB"
cargo deb --no-build --locked --strip --deb-revision 2 >/dev/null
DEB2=target/package-check/wasteflow_${VERSION}-2_${ARCH}.deb
cp "target/debian/$(basename "$DEB2")" "$DEB2"
cp "$DEB" "$BUILT"   # what build.sh made stays where it said

# The Debian changelog names the version built (Cargo.toml's, revision 1).
head -n1 deploy/debian/changelog | grep -qF "wasteflow ($VERSION-1)" \
  || fail "deploy/debian/changelog's first entry is not $VERSION-1: add one for this version"

echo "== contents"
CONTENTS=$(dpkg-deb -c "$DEB" | awk '{print $1, $2, $NF}')
has() { grep -qE "$1" <<<"$CONTENTS" || fail "the package lacks $2 ($1)"; }
has '^-rwxr-xr-x (root/root|0/0) \./usr/bin/wasteflow$' "the binary, 0755"
has ' \./(usr/)?lib/systemd/system/wasteflow\.service$' "the systemd unit"
# 0644 in the archive (lintian's standard); the postinst's statoverride makes them 0640.
has '^-rw-r--r-- (root/root|0/0) \./etc/wasteflow/wasteflow\.toml$' "the configuration"
has '^-rw-r--r-- (root/root|0/0) \./etc/wasteflow/zone\.toml$' "the zone registry"
has ' \./usr/share/man/man1/wasteflow\.1\.gz$' "wasteflow(1)"
has ' \./usr/share/bash-completion/completions/wasteflow$' "the bash completion"
has ' \./usr/share/zsh/vendor-completions/_wasteflow$' "the zsh completion"
has ' \./usr/share/fish/vendor_completions.d/wasteflow\.fish$' "the fish completion"
has ' \./usr/share/doc/wasteflow/operations\.md' "the operator's guide"
has ' \./usr/share/doc/wasteflow/copyright$' "the copyright file"
has ' \./usr/share/doc/wasteflow/examples/prometheus/wasteflow-rules\.yml' "the Prometheus rules"
has ' \./usr/share/doc/wasteflow/examples/grafana/dashboards/zone-overview\.json' "the Grafana dashboards"
has ' \./usr/share/doc/wasteflow/examples/grafana/provisioning/datasources/wasteflow\.yaml' "the Grafana provisioning"
has ' \./usr/share/doc/wasteflow/examples/grafana/company-org\.sh' "the Grafana organisation of a company"
has ' \./usr/share/doc/wasteflow/examples/mosquitto/mosquitto\.conf' "the Mosquitto configuration"
has ' \./usr/share/doc/wasteflow/examples/alertmanager/alertmanager\.yml' "the Alertmanager routing"
# One page per subcommand: as many as examples/manuals.rs generated.
PAGES=$(ls target/assets/man/*.1 | wc -l)
SHIPPED=$(grep -c '\./usr/share/man/man1/wasteflow.*\.1\.gz$' <<<"$CONTENTS")
[ "$PAGES" = "$SHIPPED" ] || fail "$PAGES manual pages generated, $SHIPPED shipped"
CONTROL=$(mktemp -d); trap 'rm -rf "$CONTROL"' EXIT
dpkg-deb -e "$DEB" "$CONTROL"
diff <(sort "$CONTROL/conffiles") <(printf '%s\n' /etc/wasteflow/wasteflow.toml /etc/wasteflow/zone.toml) \
  || fail "the conffiles are not exactly the two configuration files"
grep -q '^Depends:.*adduser' "$CONTROL/control" || fail "Depends: lacks adduser (the postinst uses it)"
for s in postinst postrm; do [ -x "$CONTROL/$s" ] || fail "no $s"; done
# Neither started nor enabled (debhelper's --no-start --no-enable fragments only re-enable a
# unit the administrator had enabled before).
grep -qE '^\s*(deb-systemd-invoke (start|restart)|systemctl [a-z-]* *(enable|start))' "$CONTROL/postinst" \
  && fail "the postinst enables or starts the daemon (it must wait for the operator's configuration)"
echo "$SHIPPED manual pages, 3 completions, 2 conffiles"

echo "== lintian"
# Errors, warnings and infos fail; the infos that stay are overridden with their reasons in
# deploy/debian/lintian-overrides (shipped in the package, where lintian reads them). Any tag
# left unexplained is printed; "running with root privileges" is lintian's own remark.
lintian --fail-on error,warning,info --display-info --tag-display-limit 0 "$DEB"

echo "== install"
snapshot > /tmp/wf-before.txt
OUT=$(dpkg -i "$DEB" 2>&1) || { echo "$OUT"; fail "dpkg -i"; }
echo "$OUT"
grep -q "NOT started" <<<"$OUT" || fail "the postinst did not say the daemon is not started"

echo "== user, files, permissions"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd wasteflow) || fail "no user wasteflow"
[ "$uid" -lt 1000 ] || fail "wasteflow is not a system user (uid $uid)"
[ "$home" = /nonexistent ] && [ "$shell" = /usr/sbin/nologin ] || fail "wasteflow has home $home, shell $shell"
getent group wasteflow >/dev/null || fail "no group wasteflow"
perm() { [ "$(stat -c '%a %U:%G' "$1")" = "$2" ] || fail "$1 is $(stat -c '%a %U:%G' "$1"), not $2"; }
perm /usr/bin/wasteflow "755 root:root"
perm /etc/wasteflow "750 root:wasteflow"
perm /etc/wasteflow/wasteflow.toml "640 root:wasteflow"
perm /etc/wasteflow/zone.toml "640 root:wasteflow"
perm /etc/wasteflow/credentials "750 root:wasteflow"
UNIT=/usr/lib/systemd/system/wasteflow.service
[ -f "$UNIT" ] || fail "no unit installed at $UNIT"
grep -q '^ExecStart=/usr/bin/wasteflow ' "$UNIT" || fail "the unit does not run /usr/bin/wasteflow"
[ ! -e /etc/systemd/system/multi-user.target.wants/wasteflow.service ] || fail "the unit was enabled"
systemd-analyze verify "$UNIT" 2>&1 | grep -v 'Failed to \|System has not been booted' | grep . && fail "systemd-analyze verify complains" || true
man -w wasteflow-run >/dev/null || fail "man wasteflow-run finds no page"
man -w wasteflow-registry-sync >/dev/null || fail "man wasteflow-registry-sync finds no page"
MANPAGER=cat man wasteflow 2>/dev/null | grep -q 'EXIT STATUS' || fail "man wasteflow does not render"

echo "== check-config as the service user"
(cd / && runuser -u wasteflow -- wasteflow --config /etc/wasteflow/wasteflow.toml check-config) \
  || fail "check-config as wasteflow"
# The credentials (docs/operations.md, "The Debian package"): an operator in group wasteflow
# reads the daemon's password, made group-readable as the docs say, and no one but root reads
# a secret left 0600 (the owner's password of the least-privilege set-up).
install -m 0640 -g wasteflow /dev/stdin /etc/wasteflow/credentials/db-password <<< 'daemon-password'
install -m 0600 /dev/stdin /etc/wasteflow/credentials/db-owner-password <<< 'owner-password'
# A system account: no subordinate ids, so /etc/subuid and /etc/subgid stay as they were.
useradd --system --no-create-home --groups wasteflow wf-operator
[ "$(cd / && runuser -u wf-operator -- cat /etc/wasteflow/credentials/db-password)" = daemon-password ] \
  || fail "an operator in group wasteflow cannot read the daemon's password"
for who in wf-operator wasteflow; do
  (cd / && runuser -u "$who" -- cat /etc/wasteflow/credentials/db-owner-password >/dev/null 2>&1) \
    && fail "$who can read a credential left 0600"
done
userdel wf-operator
rm /etc/wasteflow/credentials/db-password /etc/wasteflow/credentials/db-owner-password

echo "== upgrade keeps an edited conffile, a drop-in and the permissions"
echo "# edited by the operator" >> /etc/wasteflow/wasteflow.toml
mkdir -p /etc/systemd/system/wasteflow.service.d
printf '[Service]\nIPAddressAllow=10.20.0.0/16\n' > /etc/systemd/system/wasteflow.service.d/override.conf
printf 'secret\n' > /etc/wasteflow/credentials/db-password; chmod 600 /etc/wasteflow/credentials/db-password
dpkg -i --force-confold "$DEB2" >/dev/null || fail "upgrade to -2"
tail -n1 /etc/wasteflow/wasteflow.toml | grep -q "edited by the operator" || fail "the upgrade lost the operator's edit"
[ -f /etc/wasteflow/credentials/db-password ] || fail "the upgrade lost the credentials"
grep -q 10.20.0.0/16 /etc/systemd/system/wasteflow.service.d/override.conf || fail "the upgrade lost the drop-in"
# The drop-in is the operator's, not the package's: a purge leaves it, so it goes by hand.
rm -r /etc/systemd/system/wasteflow.service.d
perm /etc/wasteflow/wasteflow.toml "640 root:wasteflow"
perm /etc/wasteflow "750 root:wasteflow"

echo "== remove keeps the configuration, purge removes it"
dpkg --remove wasteflow >/dev/null
[ -f /etc/wasteflow/wasteflow.toml ] && [ -f /etc/wasteflow/credentials/db-password ] \
  || fail "remove took the configuration"
[ ! -e /usr/bin/wasteflow ] || fail "remove left the binary"
dpkg --purge wasteflow >/dev/null
snapshot > /tmp/wf-after.txt
LEFT=$(comm -13 /tmp/wf-before.txt /tmp/wf-after.txt)
GONE=$(comm -23 /tmp/wf-before.txt /tmp/wf-after.txt)
[ -z "$LEFT" ] || fail "the purge left: $LEFT"
[ -z "$GONE" ] || fail "install and purge removed: $GONE"
dpkg-statoverride --list | grep -q wasteflow && fail "the purge left a statoverride"
[ "$(dpkg-query -W -f='${db:Status-Status}' wasteflow 2>/dev/null || echo not-installed)" = not-installed ] \
  || dpkg-query -W -f='${db:Status-Status}\n' wasteflow | grep -q '^not-installed$' || fail "dpkg still knows wasteflow"
# What stays, as Debian's daemon packages usually leave it: the system user and group.
getent passwd wasteflow >/dev/null || fail "the purge removed the system user (it is meant to stay)"
rm -f /tmp/wf-before.txt /tmp/wf-after.txt
echo "package: built, linted, installed, checked, upgraded, purged: OK"
