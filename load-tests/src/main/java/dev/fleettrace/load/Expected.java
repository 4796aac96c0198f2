package dev.fleettrace.load;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapReport;
import dev.fleettrace.schemas.MapRow;
import dev.fleettrace.schemas.Report;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the fleet's END summary must say: the exact merge of every delta the simulated agents sent, kept
 * independently of the coordinator (plain arrays, no shared code with its merge), and the comparison with
 * the END report's structured maps.
 */
final class Expected {

    private static final class Merged {
        final MapSchema schema;
        final int stride;
        final long[] vals;
        final boolean[] seen;

        Merged(MapSchema schema, int keys) {
            this.schema = schema;
            this.stride = Workload.stride(schema);
            this.vals = new long[keys * stride];
            this.seen = new boolean[keys];
        }
    }

    private final Map<String, Merged> maps = new LinkedHashMap<>();
    private long keyUpdates;

    Expected(List<MapSchema> schemas, int keys) {
        for (MapSchema s : schemas) maps.put(s.name(), new Merged(s, keys));
    }

    synchronized void add(String map, List<DeltaEntry> entries) {
        Merged m = maps.get(map);
        AggKind kind = m.schema.kind();
        for (DeltaEntry e : entries) {
            int k = (int) e.getKey().getLong(0);
            int r = k * m.stride;
            List<Long> v = e.getValues();
            switch (kind) {
                case COUNT, SUM -> m.vals[r] += v.get(0);
                case MIN -> m.vals[r] = m.seen[k] ? Math.min(m.vals[r], v.get(0)) : v.get(0);
                case MAX -> m.vals[r] = m.seen[k] ? Math.max(m.vals[r], v.get(0)) : v.get(0);
                case AVG, STATS -> {
                    m.vals[r] += v.get(0);
                    m.vals[r + 1] += v.get(1);
                }
                case HIST, LHIST -> {
                    for (int i = 0; i < v.size(); i += 2) m.vals[r + v.get(i).intValue()] += v.get(i + 1);
                }
                case VALUE -> throw new AssertionError();
            }
            m.seen[k] = true;
        }
        keyUpdates += entries.size();
    }

    synchronized long keyUpdates() {
        return keyUpdates;
    }

    /** Every difference between the END report's maps and the exact merge; empty when they agree. */
    synchronized List<String> differences(Report end, int limit) {
        List<String> diffs = new ArrayList<>();
        Map<String, MapReport> got = new HashMap<>();
        for (MapReport r : end.getMaps()) got.put(r.getMap().getName(), r);
        for (Merged m : maps.values()) {
            String name = m.schema.name();
            MapReport r = got.get(name);
            if (r == null) {
                diffs.add(name + ": missing from the END report");
                continue;
            }
            boolean[] reported = new boolean[m.seen.length];
            for (MapRow row : r.getRows()) {
                if (row.getKey().size() != 1 || !(row.getKey().getFirst() instanceof Long key) || key < 0 || key >= m.seen.length) {
                    diffs.add(name + ": unexpected key " + row.getKey());
                    continue;
                }
                int k = key.intValue();
                reported[k] = true;
                if (!m.seen[k]) {
                    diffs.add(name + "[" + k + "]: reported, but no agent sent it");
                    continue;
                }
                String d = compare(m, k, row.getValues());
                if (d != null) diffs.add(name + "[" + k + "]: " + d);
                if (diffs.size() >= limit) return diffs;
            }
            for (int k = 0; k < m.seen.length; k++) {
                if (m.seen[k] && !reported[k]) diffs.add(name + "[" + k + "]: sent, but missing from the END report");
                if (diffs.size() >= limit) return diffs;
            }
        }
        return diffs;
    }

    /** Checked row values: see MapReports (stats {@code [count, average, total]}, histograms every bucket by index). */
    private static String compare(Merged m, int k, List<Long> got) {
        int r = k * m.stride;
        long[] want = switch (m.schema.kind()) {
            case COUNT, SUM, MIN, MAX -> new long[] {m.vals[r]};
            case STATS -> new long[] {m.vals[r], Long.MIN_VALUE, m.vals[r + 1]};
            case AVG -> new long[] {m.vals[r + 1] / Math.max(1, m.vals[r])};
            case HIST, LHIST -> java.util.Arrays.copyOfRange(m.vals, r, r + m.stride);
            case VALUE -> throw new AssertionError();
        };
        int n = Math.max(want.length, got.size());
        for (int i = 0; i < n; i++) {
            if (m.schema.kind() == AggKind.STATS && i == 1) continue; // the average follows from count and total
            long w = i < want.length ? want[i] : 0;
            long g = i < got.size() ? got.get(i) : 0;
            if (w != g) return "value " + i + " is " + g + ", the agents sent " + w;
        }
        return null;
    }

    synchronized int keysSent() {
        int n = 0;
        for (Merged m : maps.values()) for (boolean s : m.seen) if (s) n++;
        return n;
    }
}
