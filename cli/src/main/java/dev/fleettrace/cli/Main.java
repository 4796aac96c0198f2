package dev.fleettrace.cli;

import dev.fleettrace.agent.kernel.HostKernelFacts;
import dev.fleettrace.agent.kernel.KernelException;
import dev.fleettrace.bpf.Disassembler;
import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.ast.AstPrinter;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.sema.Type;
import dev.fleettrace.coordinator.job.JobCoordinator;
import dev.fleettrace.plan.ProbeProgram;
import dev.fleettrace.transport.BrokerCheck;
import dev.fleettrace.transport.BrokerUnavailableException;
import dev.fleettrace.transport.EmbeddedKafka;
import dev.fleettrace.transport.SchemaTrust;
import dev.fleettrace.transport.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fleettrace}: bpftrace's command line, run across a fleet. With no {@code --bootstrap} it runs
 * the whole pipeline in this process (a Kafka broker, a coordinator, {@code --agents} agents on this
 * kernel); with {@code --bootstrap} it submits to an existing cluster's coordinator and agents.
 */
@Command(name = "fleettrace", mixinStandardHelpOptions = false, sortOptions = false, usageHelpWidth = 100,
        versionProvider = Main.Version.class,
        subcommands = {AgentCommand.class, CoordinatorCommand.class, BrokerCommand.class, ReportsCommand.class},
        description = {"bpftrace for a whole fleet: one program on every host, one merged answer.", ""},
        footer = {"", "Examples:",
                "  fleettrace -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }'",
                "  fleettrace --agents 3 script.bt -c 'make -j2'",
                "  fleettrace --bootstrap kafka:9092 -f json -e 'tracepoint:sched:sched_switch { @[host] = count(); }'"})
public final class Main implements Callable<Integer> {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);

    public static final String VERSION = "0.1.0";

    @Option(names = "-e", paramLabel = "PROGRAM", description = "run this program")
    String expression;

    @Option(names = "-c", paramLabel = "CMD", description = "run CMD once every agent attached; the job ends when it exits")
    String command;

    @Option(names = "-f", paramLabel = "FORMAT", defaultValue = "text", description = "output format: text or json")
    String format;

    @Option(names = "-d", description = "(dry run) print the AST and each probe's BPF instructions, then exit")
    boolean dump;

    @Option(names = "--unsafe", description = "allow unsafe builtin functions")
    boolean unsafe;

    @Option(names = "-p", paramLabel = "PID", description = "uprobes and usdt probes fire in process PID only (on the hosts where it runs)")
    Integer pid;

    @Option(names = "-l", description = "list probes (all, or those matching the first argument: -l 'tracepoint:sched:*'), then exit")
    boolean list;

    @Option(names = "-v", description = "with -l: show tracepoints' fields and kfuncs' arguments")
    boolean verbose;

    @Option(names = "--info", description = "print what this kernel supports (helpers, map and probe types), then exit")
    boolean info;

    @Option(names = "--agents", paramLabel = "N", description = "run N agents (and a coordinator) in this process, each its own host; default 1 with the embedded broker, 0 with --bootstrap")
    Integer agents;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "use this Kafka cluster instead of the embedded broker")
    String bootstrap;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = "", description = "prefix of the topic names, to share a cluster")
    String topicPrefix;

    @Option(names = "--flush-interval", paramLabel = "MS", defaultValue = "1000", description = "how often agents ship deltas (ms)")
    long flushMs;

    @Option(names = "--attach-timeout", paramLabel = "S", defaultValue = "60", description = "how long to wait for every agent to attach (s)")
    long attachTimeoutS;

    @Option(names = "--host-prefix", description = "start each line that printf prints in a probe with the host that printed it (\"HOST: \"; in JSON a \"host\" member)")
    boolean hostPrefix;

    @Option(names = "--job-id", paramLabel = "ID", description = "name the job (default: a random UUID), e.g. to follow its reports with 'fleettrace reports --job ID'")
    String jobId;

    @Option(names = "--window-grace", paramLabel = "MS", defaultValue = "500",
            description = "how long after an interval's window ended the local coordinator waits for late hosts (ms)")
    long windowGraceMs;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "print the version")
    boolean version;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Parameters(paramLabel = "FILE [ARGS]", arity = "0..*", description = "a script (or - for standard input), then its positional parameters $1, $2, ...")
    List<String> positional = new ArrayList<>();

    public static void main(String[] args) {
        SchemaTrust.install();
        picocli.CommandLine cli = new picocli.CommandLine(new Main());
        // Like bpftrace (getopt), options may follow the script: "script.bt -c CMD". "--" ends options.
        cli.setStopAtPositional(false);
        cli.setUnmatchedOptionsArePositionalParams(false);
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError u) {
                System.err.println(u.getMessage());
                return u.exitCode;
            }
            throw ex;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            System.err.println("fleettrace: " + ex.getMessage() + " (see fleettrace --help)");
            return 2;
        });
        int status = cli.execute(args);
        System.out.flush();
        System.err.flush();
        // Everything was closed in order above (the kernel's objects first); the JVM's own shutdown
        // hooks have nothing left to do but cost half a second.
        Runtime.getRuntime().halt(status);
    }

    @Override
    public Integer call() throws Exception {
        boolean json = switch (format) {
            case "text" -> false;
            case "json" -> true;
            default -> throw new UserError("fleettrace: unknown output format '" + format + "': use text or json");
        };
        if (info) return KernelInfo.print(System.out);
        if (list) return ProbeListing.print(positional.isEmpty() ? expression : positional.getFirst(), verbose, System.out);
        ProgramInput program = ProgramInput.of(expression, positional);
        Topics topics = Topics.defaults().withPrefix(topicPrefix);
        int localAgents = agents != null ? agents : bootstrap == null ? 1 : 0;
        if (localAgents < 0 || (bootstrap == null && localAgents == 0)) throw new UserError("fleettrace: --agents must be at least 1 without --bootstrap");

        if (dump) return dryRun(program);
        if (pid != null && (pid <= 0 || !Files.isDirectory(Path.of("/proc", Integer.toString(pid)))) && bootstrap == null)
            throw new UserError("fleettrace: -p " + pid + ": no such process on this host");

        CompletableFuture<EmbeddedKafka> broker = null;
        boolean kernelHere = localAgents > 0;
        if (kernelHere) Privileges.require();
        if (bootstrap == null) broker = LocalFleet.startBroker();
        var actorSystem = localAgents > 0 ? LocalFleet.startActorSystem() : null;
        try {
            precheck(program, kernelHere);
            log.info("program checked");
            String servers;
            EmbeddedKafka embedded = null;
            if (broker != null) {
                embedded = broker.join();
                servers = embedded.bootstrapServers();
                log.info("broker up at {}", servers);
            } else {
                try {
                    BrokerCheck.verify(bootstrap);
                } catch (BrokerUnavailableException e) {
                    throw new UserError("fleettrace: " + e.getMessage());
                }
                servers = bootstrap;
            }
            try (LocalFleet fleet = new LocalFleet(servers, embedded)) {
                broker = null; // the fleet owns it now
                LocalFleet.ensureTopics(servers, topics);
                Duration attachTimeout = Duration.ofSeconds(attachTimeoutS);
                if (localAgents > 0) fleet.startServices(actorSystem, topics, localAgents,
                        new JobCoordinator.Timeouts(attachTimeout, Duration.ofSeconds(10), Duration.ofMillis(windowGraceMs)));
                else Coordinators.requireLive(servers, topics);
                log.info("services ready");
                JobSession session = new JobSession(new JobSession.Settings(servers, topics, program, json, command, localAgents, flushMs, unsafe,
                        attachTimeout, hostPrefix, jobId, pid == null ? 0 : pid));
                Signals.onInterrupt(session::interrupt);
                return session.run();
            }
        } finally {
            if (broker != null) broker.thenAccept(EmbeddedKafka::close);
        }
    }

    /**
     * Catches what can be caught before anything starts: syntax and type errors everywhere, and with
     * agents on this kernel, unknown tracepoints and anything the code generator refuses.
     */
    private void precheck(ProgramInput program, boolean kernelHere) {
        CompileOptions opts = CompileOptions.defaults().withParams(program.params()).withUnsafe(unsafe).withHost(LocalFleet.host());
        try {
            var typed = kernelHere ? Compiler.compile(program.source(), facts(), opts).typed() : Compiler.checkWithoutKernel(program.source(), opts);
            // Warnings go to stderr before the job starts, as bpftrace prints them before "Attaching".
            for (var w : typed.warnings()) System.err.print(w.render(program.source()));
        } catch (CompileException e) {
            throw new UserError(withoutLastNewline(e.render()));
        }
    }

    /** The rendered diagnostics without the newline that ends them (an empty caret line stays, as bpftrace prints it). */
    private static String withoutLastNewline(String rendered) {
        return rendered.endsWith("\n") ? rendered.substring(0, rendered.length() - 1) : rendered;
    }

    static KernelFacts facts() {
        TracefsMount.ensure();
        try {
            return HostKernelFacts.detect();
        } catch (KernelException e) {
            throw new UserError("fleettrace: " + e.getMessage());
        }
    }

    private int dryRun(ProgramInput program) {
        CompileOptions opts = CompileOptions.defaults().withParams(program.params()).withUnsafe(unsafe).withHost(LocalFleet.host());
        try {
            var comp = Compiler.compile(program.source(), facts(), opts);
            System.out.println("AST after: semantic analysis");
            System.out.println("-------------------");
            System.out.print(AstPrinter.print(comp.typed().ast(), e -> {
                Type t = comp.typed().types().get(e);
                return t == null ? null : t.toString();
            }));
            for (ProbeProgram p : comp.plan().probes()) {
                System.out.println();
                System.out.println(p.attach().probeName() + " (" + p.type() + ", " + p.slots() + " instructions)");
                System.out.print(Disassembler.disassemble(p.insns(), i -> "map[" + comp.plan().maps().get(i).name() + "]"));
            }
            return 0;
        } catch (CompileException e) {
            throw new UserError(withoutLastNewline(e.render()));
        }
    }

    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"fleettrace v" + VERSION + " (the bpftrace 0.17 language)"};
        }
    }

    /** Root, or the capabilities that load BPF programs, checked before a broker starts for nothing. */
    static final class Privileges {
        private Privileges() {}

        static void require() {
            long caps = effectiveCapabilities();
            boolean sysAdmin = (caps & (1L << 21)) != 0;
            boolean bpfAndPerfmon = (caps & (1L << 39)) != 0 && (caps & (1L << 38)) != 0;
            if (!sysAdmin && !bpfAndPerfmon)
                throw new UserError("fleettrace: loading BPF programs needs root (or CAP_BPF and CAP_PERFMON): run fleettrace with sudo");
        }

        private static long effectiveCapabilities() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("CapEff:")) return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            } catch (Exception ignored) {
                // Not Linux, or no /proc: loading will fail with its own message.
            }
            return -1;
        }
    }
}
