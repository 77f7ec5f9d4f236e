#!/usr/bin/env bash
# Install the real calendar parsers used by tests/clients (see __init__.py):
#   * libical 3 through PyGObject, for Debian's /usr/bin/python3
#     (Debian packages libical3, gir1.2-ical-3.0, python3-gi);
#   * Debian's chromium, for the browser tests (Playwright drives /usr/bin/chromium);
#   * Debian's faketime, which shifts the clock of real processes (the year-change tests);
#   * node + npm (Debian's nodejs and npm, unless a node is already there) and
#     ical.js, axe-core (the accessibility checks the browser tests inject) and
#     oidc-provider with jose (the real OpenID provider of the sign-in tests,
#     tests/clients/oidc_provider.mjs), pinned in package.json / package-lock.json,
#     into node_modules.
# Idempotent; a second run only checks and takes about a second. Debian 12, as
# root (or with sudo). apt-get update runs only when a package is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { printf 'tests/clients/install.sh: %s\n' "$*"; }

if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    as_root=(false)  # fails with a clear message below, only if something is missing
fi

installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == installed ]]
}

# chromium: the real browser the follow-up form tests drive through Playwright.
# faketime: `scheduler serve` through a year change on a shifted clock, never by sleeping.
# wrk and nginx-light: `make bench` serves feeds beside nginx (tests/test_bench.py runs it small).
# libcairo2: CairoSVG draws the årshjul's PDF through it (chromium brings it too; named so it stays).
apt_packages=(libical3 gir1.2-ical-3.0 python3-gi chromium fonts-dejavu-core libcairo2 faketime wrk nginx-light)
if ! command -v node >/dev/null 2>&1 && ! command -v nodejs >/dev/null 2>&1; then
    apt_packages+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
    apt_packages+=(npm)
fi

missing=()
for pkg in "${apt_packages[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]})); then
    if [[ "${as_root[0]:-}" == false ]]; then
        say "need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
    say "installing Debian packages: ${missing[*]}"
    say "+ apt-get update"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    say "+ apt-get install -y --no-install-recommends ${missing[*]}"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    say "Debian packages present: ${apt_packages[*]} (libical3 $(dpkg-query -W -f='${Version}' libical3))"
fi

node_bin="$(command -v node || command -v nodejs)"
say "node $("$node_bin" --version) ($node_bin), npm $(npm --version)"

# The node packages: npm ci from the lock, unless node_modules already holds every locked version.
lock="$here/package-lock.json"
have_version() {
    "$node_bin" -e '
        const fs = require("fs");
        const [lock, here] = process.argv.slice(1);
        const packages = JSON.parse(fs.readFileSync(lock, "utf8")).packages;
        for (const [path, entry] of Object.entries(packages)) {
            if (!path) continue;  // the root project itself
            let have = null;
            try { have = JSON.parse(fs.readFileSync(`${here}/${path}/package.json`, "utf8")).version; } catch (e) {}
            if (have !== entry.version) process.exit(1);
        }
    ' "$lock" "$here"
}

cd "$here"
if [[ ! -f "$lock" ]]; then
    say "+ npm install (no package-lock.json yet: creating it; commit it)"
    npm install --no-audit --no-fund --no-update-notifier
elif have_version; then
    say "node packages already installed as locked in package-lock.json"
else
    say "+ npm ci (in $here)"
    npm ci --no-audit --no-fund --no-update-notifier
fi

# Smoke test both clients, so a broken install fails here and not in pytest.
"$node_bin" --input-type=module -e '
    import ICAL from "ical.js";
    import { readFileSync } from "node:fs";
    const version = JSON.parse(readFileSync("node_modules/ical.js/package.json", "utf8")).version;
    ICAL.parse("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    console.log(`tests/clients/install.sh: ical.js ${version} OK`);
    const axe = JSON.parse(readFileSync("node_modules/axe-core/package.json", "utf8")).version;
    readFileSync("node_modules/axe-core/axe.min.js");
    console.log(`tests/clients/install.sh: axe-core ${axe} OK`);
    const { default: Provider } = await import("oidc-provider");
    if (typeof Provider !== "function") throw new Error("oidc-provider has no Provider");
    const oidc = JSON.parse(readFileSync("node_modules/oidc-provider/package.json", "utf8")).version;
    console.log(`tests/clients/install.sh: oidc-provider ${oidc} OK`);
'
/usr/bin/python3 -c '
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib
ICalGLib.Component.new_from_string("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
print("tests/clients/install.sh: libical (ICalGLib 3.0) via PyGObject", gi.__version__, "OK")
'
