#!/bin/sh
# The image's launcher: the same JVM flags as bin/fleettrace (FFM for bpf(2), trusted Avro classes).
exec java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.fleettrace.schemas -XX:+UseSerialGC \
  ${FLEETTRACE_JVM_OPTS:-} -jar /opt/fleettrace/fleettrace.jar "$@"
