#!/bin/sh
# render-acl.sh - users.acl with passwords: prints the aclfile with each named
# user switched on under the sha256 of the password in its file, for
# redis-server --aclfile. A user not named stays off, as shipped.
# Usage: render-acl.sh USERS_ACL USER=PASSWORD_FILE... > users.acl
#   render-acl.sh deploy/redis/users.acl lnob_sink=/run/secrets/redis-sink.password
# The password is the file's first line without a trailing "\r", as lnob's
# --redis-password-file reads it. Only the hash is written, never the password.
# Used by deploy/compose/compose.yaml and deploy/k8s/redis.yaml (docs/deploy.md).
set -eu

die() {
    echo "render-acl.sh: $*" >&2
    exit 1
}

[ $# -ge 2 ] || die "usage: render-acl.sh USERS_ACL USER=PASSWORD_FILE..."
acl=$1
shift
[ -r "$acl" ] || die "cannot read $acl"

script=""
cr=$(printf '\r')
for arg in "$@"; do
    user=${arg%%=*}
    file=${arg#*=}
    case $user in
    "" | *[!a-z0-9_]*) die "$arg: a user name is lower-case letters, digits and _" ;;
    esac
    [ "$file" != "$arg" ] || die "$arg: give USER=PASSWORD_FILE"
    [ -r "$file" ] || die "cannot read the password file of $user: $file"
    grep -q "^user $user off " "$acl" || die "$acl has no line 'user $user off ...'"
    password=$(head -n 1 "$file")
    password=${password%"$cr"}
    [ -n "$password" ] || die "the password file of $user is empty: $file"
    hash=$(printf %s "$password" | sha256sum | cut -d ' ' -f 1)
    script="${script}s/^user $user off /user $user on #$hash /;"
done
sed "$script" "$acl"
