package dev.fleettrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.testkit.Workload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifests under {@code k8s/} stay in step with the CLI: every fleettrace container's
 * command line (after Kubernetes' {@code $(VAR)} expansion) is one the CLI accepts, and the agent gets
 * what loading BPF programs on a node needs.
 */
class K8sManifestsTest {
    private static final Path K8S = Workload.repoRoot().resolve("k8s");

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents() throws IOException {
        Map<String, Object> kustomization = load(K8S.resolve("kustomization.yaml")).getFirst();
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object file : (List<Object>) kustomization.get("resources")) {
            Path p = K8S.resolve((String) file);
            assertTrue(Files.isRegularFile(p), "kustomization lists " + file + ", which does not exist");
            docs.addAll(load(p));
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> load(Path p) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(p))) {
            if (d != null) out.add((Map<String, Object>) d);
        }
        return out;
    }

    private static Map<String, Object> find(List<Map<String, Object>> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.get("kind")) && name.equals(map(d, "metadata").get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in k8s/"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertNotNull(v, "missing " + key);
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? List.of() : (List<Map<String, Object>>) v;
    }

    private static Map<String, Object> podSpec(Map<String, Object> workload) {
        return map(map(map(workload, "spec"), "template"), "spec");
    }

    /** The ConfigMap's values plus the container's literal env; fieldRef values get a stand-in. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(List<Map<String, Object>> docs, Map<String, Object> container) {
        Map<String, String> env = new HashMap<>();
        for (Map<String, Object> from : list(container, "envFrom")) {
            String cm = (String) map(from, "configMapRef").get("name");
            ((Map<String, Object>) map(find(docs, "ConfigMap", cm), "data")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        }
        for (Map<String, Object> e : list(container, "env")) {
            env.put((String) e.get("name"), e.containsKey("value") ? String.valueOf(e.get("value")) : "from-" + e.get("name"));
        }
        return env;
    }

    /** Kubernetes' expansion of {@code $(VAR)} in args; an undefined variable stays as written, which the test rejects. */
    private static List<String> expand(List<Object> args, Map<String, String> env) {
        Pattern var = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
        List<String> out = new ArrayList<>();
        for (Object a : args) {
            Matcher m = var.matcher(String.valueOf(a));
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String v = env.get(m.group(1));
                assertNotNull(v, "args use $(" + m.group(1) + "), which the container's environment does not define");
                m.appendReplacement(sb, Matcher.quoteReplacement(v));
            }
            m.appendTail(sb);
            out.add(sb.toString());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static picocli.CommandLine.ParseResult parse(List<Map<String, Object>> docs, Map<String, Object> workload) {
        Map<String, Object> container = list(podSpec(workload), "containers").getFirst();
        assertEquals("fleettrace", container.get("image"), "the kustomization's image name, replaced at apply time");
        List<String> args = expand((List<Object>) container.get("args"), environment(docs, container));
        return new picocli.CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
    }

    @Test
    void theAgentDaemonSetRunsTheAgentCommandWithWhatBpfNeeds() throws IOException {
        List<Map<String, Object>> docs = documents();
        Map<String, Object> ds = find(docs, "DaemonSet", "fleettrace-agent");
        picocli.CommandLine.ParseResult parsed = parse(docs, ds);
        assertTrue(parsed.hasSubcommand(), "runs a subcommand");
        var agent = parsed.subcommand();
        assertEquals("agent", agent.commandSpec().name());
        assertEquals("fleettrace-kafka:9092", agent.matchedOptionValue("--bootstrap", ""));
        assertEquals("from-NODE_NAME", agent.matchedOptionValue("--name", ""), "the node's name is the agent's host identity");

        Map<String, Object> pod = podSpec(ds);
        assertEquals(Boolean.TRUE, pod.get("hostPID"), "host pids and /proc/PID/root for uprobes");
        Map<String, Object> container = list(pod, "containers").getFirst();
        assertEquals(Boolean.TRUE, map(container, "securityContext").get("privileged"), "bpf(2) and perf_event_open need privilege");
        List<String> mounts = list(container, "volumeMounts").stream().map(m -> (String) m.get("mountPath")).toList();
        assertTrue(mounts.contains("/sys/kernel/tracing"), "tracepoint formats and ids come from tracefs: " + mounts);
        assertTrue(mounts.contains("/sys/kernel/btf"), "BTF types: " + mounts);
        List<String> hostPaths = list(pod, "volumes").stream().map(v -> (String) map(v, "hostPath").get("path")).toList();
        for (String m : mounts) assertTrue(hostPaths.contains(m), m + " is mounted from the same path on the host: " + hostPaths);
        assertFalse(list(pod, "tolerations").isEmpty(), "every node runs an agent, tainted ones included");
    }

    @Test
    void theCoordinatorIsOneReplicaRunningTheCoordinatorCommand() throws IOException {
        List<Map<String, Object>> docs = documents();
        Map<String, Object> deploy = find(docs, "Deployment", "fleettrace-coordinator");
        assertEquals(1, map(deploy, "spec").get("replicas"), "one coordinator merges a job");
        assertEquals("Recreate", map(map(deploy, "spec"), "strategy").get("type"), "never two coordinators during a rollout");
        var coordinator = parse(docs, deploy).subcommand();
        assertEquals("coordinator", coordinator.commandSpec().name());
        assertEquals("fleettrace-kafka:9092", coordinator.matchedOptionValue("--bootstrap", ""));
    }

    @Test
    void theBundledKafkaAdvertisesTheAddressTheOthersUse() throws IOException {
        List<Map<String, Object>> docs = documents();
        Map<String, Object> kafka = find(docs, "StatefulSet", "fleettrace-kafka");
        Map<String, String> env = environment(docs, list(podSpec(kafka), "containers").getFirst());
        String bootstrap = (String) map(find(docs, "ConfigMap", "fleettrace-config"), "data").get("FLEETTRACE_BOOTSTRAP");
        assertEquals("PLAINTEXT://" + bootstrap, env.get("KAFKA_ADVERTISED_LISTENERS"));
        Map<String, Object> service = find(docs, "Service", "fleettrace-kafka");
        assertEquals(bootstrap, map(service, "metadata").get("name") + ":" + list(map(service, "spec"), "ports").getFirst().get("port"));
    }
}
