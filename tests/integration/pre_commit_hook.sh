#!/usr/bin/env bash
# pre_commit_hook: this repository works as a pre-commit hook source, and the example config works.
# SPDX-License-Identifier: MIT
#
# Usage: pre_commit_hook.sh MXLINT SOURCE_DIR
# Runs Debian's pre-commit (3.0.4 on Debian 12) entirely offline, with HOME, PRE_COMMIT_HOME and
# git's configuration inside a temporary directory:
#  1. hook source: a temporary git clone of SOURCE_DIR (or a fresh repository when SOURCE_DIR is
#     not a git work tree, e.g. a release tarball) with the working tree's .pre-commit-hooks.yaml
#     and examples/pre-commit-config.yaml committed on top, so uncommitted edits are tested too.
#     pre-commit clones hook repositories with git, and a local path is a valid git URL: no network.
#  2. project: a git repository holding a clean zone, configured with examples/pre-commit-config.yaml
#     whose placeholder `repo:` URL and `rev:` are rewritten to the local clone and its commit.
#     `pre-commit run --all-files` must pass; after adding a zone whose MX is a CNAME it must fail
#     and show mxlint's message; `git commit` through the installed hook must be refused.
#  3. `pre-commit try-repo <clone> mxlint --all-files`: the same verdicts without a config file.
#  4. the `repo: local` variant shown (commented out) in the example config.
#  5. the steering hook of README.md (`mxlint --config mxsteer.toml`, pass_filenames: false) on
#     examples/mxsteer.toml and zones/: passes, passes when one zone changes, fails at the
#     config's line for a pool member without an address.
# The hook is `language: system` (see .pre-commit-hooks.yaml), so mxlint goes on PATH here.
set -euo pipefail
source "$(dirname -- "$0")/common.sh"

command -v git >/dev/null || skip "git is not installed"
command -v pre-commit >/dev/null ||
    skip "pre-commit is not installed (Debian package pre-commit)"
[[ -f $SRC/.pre-commit-hooks.yaml ]] || { echo "FAIL: no .pre-commit-hooks.yaml in $SRC"; exit 1; }
[[ -f $SRC/examples/pre-commit-config.yaml ]] ||
    { echo "FAIL: no examples/pre-commit-config.yaml in $SRC"; exit 1; }

# Nothing from the caller's environment: no user or system git config, no cache, no network.
export HOME=$TMP/home PRE_COMMIT_HOME=$TMP/cache XDG_CACHE_HOME=$TMP/home/.cache
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0
export GIT_AUTHOR_NAME=mxsteer-test GIT_AUTHOR_EMAIL=test@example.com
export GIT_COMMITTER_NAME=mxsteer-test GIT_COMMITTER_EMAIL=test@example.com
export PRE_COMMIT_COLOR=never NO_COLOR=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE SKIP PRE_COMMIT_ALLOW_NO_CONFIG
mkdir -p "$HOME" bin
ln -s "$MXLINT" bin/mxlint
export PATH=$TMP/bin:$PATH
echo "pre-commit $(pre-commit --version | awk '{print $2}'), mxlint $(command -v mxlint)"

# run_expect WANT_RC LOG CMD...: run CMD, keep its output in LOG, check its exit status.
run_expect() {
    local want=$1 log=$2 rc=0
    shift 2
    "$@" >"$log" 2>&1 || rc=$?
    indent <"$log"
    if [[ $want == 0 && $rc -ne 0 ]]; then
        fail "'$*' exited $rc, expected 0"
        return 1
    elif [[ $want != 0 && $rc -eq 0 ]]; then
        fail "'$*' exited 0, expected a failure"
        return 1
    fi
    pass "'$*' exited $rc"
}
# expect_in LOG STRING WHAT: LOG contains the fixed STRING.
expect_in() {
    if grep -qF -- "$2" "$1"; then
        pass "$3"
    else
        fail "$3: '$2' not in the output"
    fi
}

# 1. The hook source.
check "make a local hook source repository"
src_repo=$TMP/mxsteer
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
    git -c safe.directory='*' clone --quiet --no-hardlinks -- "$SRC" "$src_repo" 2>clone.txt; then
    pass "cloned $(basename -- "$SRC") at $(git -C "$src_repo" rev-parse --short HEAD)"
else
    if [[ -s clone.txt ]]; then
        indent <clone.txt
    fi
    pass "$SRC is not a git work tree (or cannot be cloned): using a fresh repository"
    git init --quiet "$src_repo"
fi
mkdir -p "$src_repo/examples"
cp -- "$SRC/.pre-commit-hooks.yaml" "$src_repo/.pre-commit-hooks.yaml"
cp -- "$SRC/examples/pre-commit-config.yaml" "$src_repo/examples/pre-commit-config.yaml"
git -C "$src_repo" add .pre-commit-hooks.yaml examples/pre-commit-config.yaml
if ! git -C "$src_repo" diff --cached --quiet; then
    git -C "$src_repo" commit --quiet -m "test: working tree hook manifest"
fi
rev=$(git -C "$src_repo" rev-parse HEAD)

# 2. A project with zones that uses the example configuration.
check "make a project repository configured by examples/pre-commit-config.yaml"
project=$TMP/project
git init --quiet "$project"
mkdir -p "$project/zones"
cp -- "$SRC/zones/example.com.zone" "$project/zones/"
# Point the example at the local clone; it must name exactly one remote repo and rev.
sed -E -e "s|^(  - repo: )https?://.*$|\1$src_repo|" -e "s|^(    rev: ).*$|\1$rev|" \
    "$SRC/examples/pre-commit-config.yaml" >"$project/.pre-commit-config.yaml"
if grep -Eq '^\s*-?\s*repo:\s*https?:' "$project/.pre-commit-config.yaml" ||
    [[ $(grep -c "^  - repo: $src_repo\$" "$project/.pre-commit-config.yaml") -ne 1 ]]; then
    fail "cannot rewrite the example's repo URL to the local clone"
    indent <"$project/.pre-commit-config.yaml"
    finish
fi
pass "repo: <local clone>, rev: $rev"
cd "$project"
git add .pre-commit-config.yaml zones
run_expect 0 validate.txt pre-commit validate-config .pre-commit-config.yaml || true
run_expect 0 validate.txt pre-commit validate-manifest "$src_repo/.pre-commit-hooks.yaml" || true

check "a clean zone passes: pre-commit run --all-files"
if run_expect 0 run.txt pre-commit run --all-files --color never; then
    expect_in run.txt "mxlint" "the mxlint hook ran"
    expect_in run.txt "Passed" "pre-commit says Passed"
fi

check "a zone whose MX is a CNAME fails with mxlint's message"
cat >zones/example.net.zone <<'ZONE'
$ORIGIN example.net.
$TTL 3600
@       IN SOA  ns1 hostmaster ( 1 7200 3600 1209600 300 )
        IN NS   ns1
        IN MX   10 mail
ns1     IN A    192.0.2.53
mail    IN CNAME mx1
mx1     IN A    192.0.2.25
ZONE
git add zones/example.net.zone
run_expect 1 run.txt pre-commit run --all-files --color never || true
expect_in run.txt "Failed" "pre-commit says Failed"
if grep -Eq "^zones/example\.net\.zone:5:[0-9]+: error: MX exchange 'mail\.example\.net\.' is an alias \(CNAME\)" run.txt; then
    pass "mxlint's message names the file (relative), line 5 and the exchange"
else
    fail "no 'zones/example.net.zone:5:COL: error: MX exchange 'mail.example.net.' is an alias (CNAME)' in the output"
fi
expect_in run.txt "[mx-target-cname]" "mxlint's rule id is shown"
if grep -q "$TMP" run.txt; then
    fail "pre-commit output holds absolute temporary paths; mxlint should see relative names"
fi

check "the installed git hook refuses to commit the bad zone"
run_expect 0 install.txt pre-commit install || true
run_expect 1 commit.txt git commit --quiet -m "add example.net" || true
expect_in commit.txt "[mx-target-cname]" "the commit hook shows the rule id"
if git rev-parse --verify --quiet HEAD >/dev/null; then
    fail "the commit was made despite the failing hook"
fi

# 3. try-repo: the repository as a hook source, without any config file.
check "pre-commit try-repo <local clone> mxlint --all-files fails on the bad zone"
run_expect 1 try.txt pre-commit try-repo "$src_repo" mxlint --all-files --color never || true
expect_in try.txt "[mx-target-cname]" "try-repo shows mxlint's rule id"

check "pre-commit try-repo <local clone> mxlint --all-files passes once the zone is fixed"
sed -i 's/^        IN MX   10 mail$/        IN MX   10 mx1/' zones/example.net.zone
git add zones/example.net.zone
run_expect 0 try.txt pre-commit try-repo "$src_repo" mxlint --all-files --color never || true
expect_in try.txt "Passed" "try-repo says Passed"

# 4. repo: local, as shown in the example's comment.
check "the 'repo: local' variant of the example config"
sed -n '/^  # - repo: local/,$p' "$SRC/examples/pre-commit-config.yaml" | sed -E 's/^  # ?/  /' |
    { echo "repos:"; cat; } >.pre-commit-config.yaml
git add .pre-commit-config.yaml
run_expect 0 validate.txt pre-commit validate-config .pre-commit-config.yaml || true
run_expect 0 run.txt pre-commit run --all-files --color never || true
sed -i 's/^        IN MX   10 mx1$/        IN MX   10 mail/' zones/example.net.zone
git add zones/example.net.zone
run_expect 1 run.txt pre-commit run --all-files --color never || true
expect_in run.txt "[mx-target-cname]" "repo: local shows mxlint's rule id"

# 5. The steering hook shown in README.md ("### pre-commit"): mxlint --config mxsteer.toml over
#    the config and all its zones, whenever one of them changes (pass_filenames: false).
check "the README's steering hook passes on examples/mxsteer.toml and zones/"
steer_project=$TMP/steer-project
git init --quiet "$steer_project"
mkdir -p "$steer_project/zones"
cp -- "$SRC"/zones/*.zone "$steer_project/zones/"
cp -- "$SRC"/zones/*.mta-sts.txt "$steer_project/zones/" 2>/dev/null || true
# The example's zones are ../zones/ from examples/; here they are zones/ beside the config.
sed 's|"\.\./zones/|"zones/|' "$SRC/examples/mxsteer.toml" >"$steer_project/mxsteer.toml"
steer_hook=$(awk '/^### pre-commit/ { p = 1 } p && /^```yaml/ { y = 1; next } y && /^```/ { exit } y' \
    "$SRC/README.md")
cd "$steer_project"
if [[ -z $steer_hook ]]; then
    fail "no yaml block under '### pre-commit' in README.md"
else
    { echo "repos:"; printf '%s\n' "$steer_hook"; } >.pre-commit-config.yaml
    indent <.pre-commit-config.yaml
    git add .pre-commit-config.yaml mxsteer.toml zones
    run_expect 0 validate.txt pre-commit validate-config .pre-commit-config.yaml || true
    if run_expect 0 run.txt pre-commit run --all-files --color never; then
        expect_in run.txt "mxlint (steering)" "the steering hook ran"
        expect_in run.txt "Passed" "pre-commit says Passed"
    fi

    check "a commit that changes one zone still checks the steering against every zone"
    git commit --quiet -m "steering config and zones"
    printf '; touched\n' >>zones/example.org.zone
    git add zones/example.org.zone
    run_expect 0 run.txt pre-commit run --color never || true

    check "a pool member without an address fails at the config's line and column"
    # Where mx-ap1 is named in mxsteer.toml (a copy of examples/mxsteer.toml): line and column.
    at=$(grep -n '"mx-ap1\.example\.com\."' mxsteer.toml | grep -v '^[0-9]*:#' | head -1)
    ap_line=${at%%:*}
    ap_text=${at#*:}
    ap_prefix=${ap_text%%\"mx-ap1*}
    ap_col=$((${#ap_prefix} + 1))
    sed -i 's/"mx-ap1\.example\.com\."/"mx-ap9.example.com."/' mxsteer.toml
    git add mxsteer.toml
    run_expect 1 run.txt pre-commit run --color never || true
    expect_in run.txt "Failed" "pre-commit says Failed"
    if grep -Eq "^mxsteer\.toml:$ap_line:$ap_col: error: steering pool member 'mx-ap9\.example\.com\.' of 'example\.com\.' does not exist in the zone \[mx-target-no-address\]" run.txt; then
        pass "mxlint names mxsteer.toml:$ap_line:$ap_col, the member and the rule"
    else
        fail "no 'mxsteer.toml:$ap_line:$ap_col: error: steering pool member 'mx-ap9.example.com.' ...' in the output"
    fi
    run_expect 0 install.txt pre-commit install || true
    run_expect 1 commit.txt git commit --quiet -m "steer to mx-ap9" || true
    expect_in commit.txt "[mx-target-no-address]" "the commit hook refuses the config"
fi

check "pre-commit did not touch the network: every hook repository is a local path"
if [[ -f $PRE_COMMIT_HOME/db.db ]] && command -v sqlite3 >/dev/null; then
    sqlite3 "$PRE_COMMIT_HOME/db.db" 'select repo from repos' | indent
fi
if grep -rqsE 'https?://' "$PRE_COMMIT_HOME"/repo*/.git/config; then
    fail "a cached hook repository has a network remote"
else
    pass "only local remotes"
fi
finish
