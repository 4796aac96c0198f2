package dev.fleettrace.coordinator.output;

import java.util.List;

/**
 * One piece of a report's output, kept as data so that it renders in both formats: a report carries
 * bpftrace's text and its JSON, and a block that printed a map and then cleared it must not run twice.
 * {@link Print} holds a snapshot of the map taken when it was printed.
 */
public sealed interface Output {

    record Printf(String text) implements Output {}

    record Print(MapView map, long top, long div) implements Output {}

    record Time(String text) implements Output {}

    record Value(Object value) implements Output {}

    /** {@code join(arr)} from a kernel probe: the joined strings. */
    record Join(String text) implements Output {}

    /** {@code system(cmd)} from a kernel probe: what the command wrote on its host's standard output. */
    record System(String text) implements Output {}

    /** {@code Attaching N probes...}. */
    record Attached(int probes) implements Output {}

    /** The dump bpftrace prints when the program ends: every map, in name order. */
    record ExitDump(List<MapView> maps) implements Output {}

    static String render(List<Output> items, Printer p) {
        StringBuilder sb = new StringBuilder();
        for (Output o : items) {
            sb.append(switch (o) {
                case Printf(String t) -> p.printf(t);
                case Print(MapView m, long top, long div) -> p.print(m, top, div);
                case Time(String t) -> p.time(t);
                case Value(Object v) -> p.value(v);
                case Join(String t) -> p.join(t);
                case System(String t) -> p.system(t);
                case Attached(int n) -> p.attached(n);
                case ExitDump(List<MapView> maps) -> p.exit(maps);
            });
        }
        return sb.toString();
    }
}
