package dev.fleettrace.load;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The coordinator under test: {@code fleettrace coordinator} (the CLI's own subcommand, {@code
 * dev.fleettrace.cli.Main}) in a JVM of its own, so its CPU time and heap are its own. Measured through
 * the JDK's attach API and JMX: heap after a full GC, process CPU time.
 */
final class CoordinatorProcess implements AutoCloseable {

    /** The JVM flags bin/fleettrace runs the CLI with. */
    static final List<String> FLAGS = List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
            "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.fleettrace.schemas", "-XX:+UseSerialGC");

    private final Process process;
    private final Path log;
    private final JMXConnector jmx;
    private final MemoryMXBean memory;
    private final com.sun.management.OperatingSystemMXBean os;

    private CoordinatorProcess(Process process, Path log, JMXConnector jmx) throws IOException {
        this.process = process;
        this.log = log;
        this.jmx = jmx;
        MBeanServerConnection c = jmx.getMBeanServerConnection();
        this.memory = ManagementFactory.newPlatformMXBeanProxy(c, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
        this.os = ManagementFactory.newPlatformMXBeanProxy(c, ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME, com.sun.management.OperatingSystemMXBean.class);
    }

    /**
     * Starts it and waits until it reads its topics. Its broker check gives up after 5 s without an answer,
     * which a just-started broker on a busy 2-core machine can take: it is tried three times.
     */
    static CoordinatorProcess start(String bootstrap, String topicPrefix, long graceMs, List<String> jvmOptions) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(bootstrap, topicPrefix, graceMs, jvmOptions);
            } catch (Exited e) {
                if (attempt == 3 || !e.getMessage().contains("no Kafka broker answers")) throw e;
            }
        }
    }

    private static final class Exited extends IllegalStateException {
        Exited(String message) {
            super(message);
        }
    }

    private static CoordinatorProcess startOnce(String bootstrap, String topicPrefix, long graceMs, List<String> jvmOptions) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(FLAGS);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.fleettrace.cli.Main", "coordinator",
                "--bootstrap", bootstrap, "--topic-prefix", topicPrefix, "--window-grace", String.valueOf(graceMs), "--id", "load-coordinator"));
        Path log = Files.createTempFile("fleettrace-load-coordinator", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // It says so on stderr once its stream reads the topics.
        while (!Files.readString(log).contains("coordinator running against")) {
            if (!p.isAlive()) {
                String out = Files.readString(log);
                Files.deleteIfExists(log);
                throw new Exited("the coordinator exited (" + p.exitValue() + "):\n" + out);
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("the coordinator did not start within 60 s:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        VirtualMachine vm = VirtualMachine.attach(String.valueOf(p.pid()));
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        return new CoordinatorProcess(p, log, JMXConnectorFactory.connect(new JMXServiceURL(address)));
    }

    /** Heap in use right after a full GC: what the coordinator holds. */
    long heapAfterGc() {
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    long cpuNanos() {
        return os.getProcessCpuTime();
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws Exception {
        try {
            jmx.close();
        } catch (IOException ignored) {
            // The coordinator goes anyway.
        }
        process.destroy(); // SIGTERM: the subcommand stops cleanly
        if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        Files.deleteIfExists(log);
    }
}
