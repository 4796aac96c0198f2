package dev.fleettrace.cli;

import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prints reports as bpftrace prints its output: the report's text (bytes, as the kernel gave them) or
 * its JSON lines on standard output, its diagnostics on standard error.
 *
 * <p>With {@code hostPrefix}, output of probes (OUTPUT reports, which name the one host that printed
 * them) shows that host: {@code HOST: } before each text line, as pdsh does, kept whole per host (a line
 * a host prints in pieces comes out once complete); in JSON a {@code "host"} member in each object.
 * The fleet's own output (BEGIN, interval, END) has no host.
 */
final class ReportPrinter {
    private final PrintStream out;
    private final boolean json;
    private final boolean hostPrefix;
    /** Per host, text after its last newline, waiting for the rest of the line. */
    private final Map<String, StringBuilder> partial = new LinkedHashMap<>();

    ReportPrinter(PrintStream out, boolean json, boolean hostPrefix) {
        this.out = out;
        this.json = json;
        this.hostPrefix = hostPrefix;
    }

    void print(Report r) throws IOException {
        String host = hostPrefix && r.getKind() == ReportKind.OUTPUT && r.getHosts().size() == 1 ? r.getHosts().getFirst() : null;
        if (json) {
            String text = r.getJson();
            out.write((host == null ? text : withHost(text, host)).getBytes(StandardCharsets.ISO_8859_1));
        } else {
            ByteBuffer text = r.getText();
            byte[] b = new byte[text.remaining()];
            text.duplicate().get(b);
            if (host == null) out.write(b);
            else prefixLines(host, new String(b, StandardCharsets.ISO_8859_1));
        }
        out.flush();
        if (!r.getStderr().isEmpty()) {
            System.err.print(r.getStderr());
            System.err.flush();
        }
    }

    /** The job ended: lines a host left unfinished come out as they are. */
    void finish() throws IOException {
        for (Map.Entry<String, StringBuilder> e : partial.entrySet()) {
            if (!e.getValue().isEmpty()) out.write((e.getKey() + ": " + e.getValue()).getBytes(StandardCharsets.ISO_8859_1));
        }
        partial.clear();
        out.flush();
    }

    private void prefixLines(String host, String text) throws IOException {
        StringBuilder pending = partial.computeIfAbsent(host, h -> new StringBuilder());
        pending.append(text);
        StringBuilder lines = new StringBuilder();
        int nl;
        while ((nl = pending.indexOf("\n")) >= 0) {
            lines.append(host).append(": ").append(pending, 0, nl + 1);
            pending.delete(0, nl + 1);
        }
        out.write(lines.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** {@code {"type": ...}} becomes {@code {"host": "h", "type": ...}} on every line that is an object. */
    private static String withHost(String jsonLines, String host) {
        String member = "{\"host\": \"" + host.replace("\\", "\\\\").replace("\"", "\\\"") + "\", ";
        StringBuilder sb = new StringBuilder();
        for (String line : jsonLines.split("\n", -1)) {
            if (!sb.isEmpty()) sb.append('\n');
            sb.append(line.startsWith("{") ? member + line.substring(1) : line);
        }
        return sb.toString();
    }
}
