# Sourced by bin/fleettrace and bin/test: sets JAVA_HOME to a JDK 25 or newer, or exits with a message.
jdk_major() { # the major version a JDK's release file states, without starting a JVM
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null
}
find_jdk() {
  local j v
  for j in "${FLEETTRACE_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$j" ] && [ -x "$j/bin/java" ] || continue
    v=$(jdk_major "$j")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$j"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(find_jdk); then
  echo "fleettrace: needs JDK 25 or newer: none in \$FLEETTRACE_JAVA_HOME, \$JAVA_HOME or /usr/lib/jvm (install Temurin 25, or point FLEETTRACE_JAVA_HOME at one)" >&2
  exit 1
fi
export JAVA_HOME
