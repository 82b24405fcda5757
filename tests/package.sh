#!/bin/sh
# The Debian package and the release tarball, as a user gets them: packaging/deb.sh builds them
# (PANCRED_SKIP_BUILD=1 reuses the build there is; PANCRED_PACKAGE_PROFILE=dev packages the debug
# build), then this checks the package's contents with dpkg-deb -c, installs it with `dpkg -i`
# into a clean root (`dpkg --root`: its own empty dpkg database, so the machine's is untouched),
# runs pancred --version, a cached `token` and `list` from there, renders a man page with man -l,
# completes a subcommand with the packaged bash completion, removes the package again, checks the
# checksums and the Homebrew formula's syntax, and runs lintian (errors fail; the warnings left
# are explained in the README).
# tests/run.sh runs it on the debug build every time (seconds) and on a release build when
# PANCRED_TEST_PACKAGE=1 (minutes).
set -eu
cd "$(dirname "$0")/.."
fail() { echo "package test: $*" >&2; exit 1; }

out=$(packaging/deb.sh)
deb=$(echo "$out" | sed -n 1p)
[ -f "$deb" ] || fail "no package: $out"

contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/bin/pancred ./usr/bin/pancred-full \
  ./usr/share/man/man1/pancred.1.gz ./usr/share/man/man1/pancred-token.1.gz \
  ./usr/share/man/man1/pancred-doctor.1.gz ./usr/share/man/man1/pancred-full.1.gz \
  ./usr/share/bash-completion/completions/pancred ./usr/share/zsh/vendor-completions/_pancred \
  ./usr/share/fish/vendor_completions.d/pancred.fish \
  ./usr/share/doc/pancred/README.md ./usr/share/doc/pancred/docs/stores.md \
  ./usr/share/doc/pancred/copyright; do
  echo "$contents" | grep -qx "$f" || fail "$f missing from the package:
$contents"
done
grep -q "Permission to use, copy, modify" <<EOT || fail "the copyright file lacks the ISC licence"
$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/pancred/copyright)
EOT

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# A clean root with an empty dpkg database; its libc is the machine's (not in that database).
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
dpkg_root() { dpkg --root="$root" --log=/dev/null --force-script-chrootless "$@"; }
dpkg_root --force-depends -i "$deb" >/dev/null 2>&1 || fail "dpkg -i into $root"
dpkg_root -s pancred | grep -q "^Status: install ok installed" || fail "dpkg -s: not installed"
dpkg_root -L pancred | grep -qx /usr/share/man/man1/pancred-token.1.gz || fail "dpkg -L"
bin="$root/usr/bin"
"$bin/pancred" --version | grep -q "^pancred " || fail "pancred --version"

export HOME="$root/home" PANCRED_STORE=file PAN_CREDENTIALS_DBFILE="$root/creds.json" NO_COLOR=1
mkdir -p "$HOME"
unset PANCRED_PROFILE PAN_ACCESS_TOKEN PANCRED_TOKEN_SOCKET PANCRED_TOKEN_URL || true
printf '%s' '{"profiles": {"1": {"profile": "default", "client_id": "c", "access_token": "cached-from-the-package", "expires_at": 4102444800}}}' >"$PAN_CREDENTIALS_DBFILE"
chmod 600 "$PAN_CREDENTIALS_DBFILE"
[ "$("$bin/pancred" token)" = cached-from-the-package ] || fail "cached token"
"$bin/pancred" list | grep -q default || fail "list (through pancred-full beside pancred)"

page=$(MANWIDTH=100 MANPAGER=cat man -l "$root/usr/share/man/man1/pancred-token.1.gz")
for want in NAME SYNOPSIS --no-refresh ENVIRONMENT "EXIT STATUS" PANCRED_STORE; do
  echo "$page" | grep -q -- "$want" || fail "man pancred-token lacks $want"
done

# As `man NAME` finds them in the installed tree (pancred-full's page points at pancred's).
for name in pancred pancred-token pancred-full; do
  MANPAGER=cat man -M "$root/usr/share/man" "$name" 2>&1 | grep -q "EXIT STATUS" || fail "man $name"
done

completed=$(PATH="$bin:$PATH" bash -c '
  . "$1"
  COMP_WORDS=(pancred doc); COMP_CWORD=1; COMP_TYPE=9
  _clap_complete_pancred pancred doc pancred
  printf "%s\n" "${COMPREPLY[@]}"' sh "$root/usr/share/bash-completion/completions/pancred")
echo "$completed" | grep -qx "doctor" || fail "bash completion of 'doc': $completed"

dpkg_root -r pancred >/dev/null 2>&1 || fail "dpkg -r"
[ ! -e "$bin/pancred" ] && [ ! -e "$root/usr/share/man/man1/pancred.1.gz" ] || fail "dpkg -r left files"

(cd target/dist && sha256sum -c --quiet SHA256SUMS) || fail "checksums"
tar -tzf target/dist/pancred-*-linux.tar.gz | grep -q "/bin/pancred-full$" || fail "tarball contents"
if command -v ruby >/dev/null; then
  ruby -c target/dist/pancred.rb >/dev/null || fail "the Homebrew formula"
fi

if command -v lintian >/dev/null; then
  report=$(lintian --tag-display-limit 0 "$deb" 2>&1 || true)
  echo "$report"
  if echo "$report" | grep -q '^E:'; then fail "lintian errors"; fi
fi
echo "package test: ok ($deb)"
