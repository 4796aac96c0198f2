package dev.fleettrace.coordinator.merge;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Merged state of a count/sum/min/max/avg/stats/hist/lhist map: one row of {@code stride} longs per key
 * in a flat array (see {@link AggKind} for the delta conventions).
 *
 * <ul>
 *   <li>COUNT, SUM: {@code [value]}, plus the increment (wrapping, as the kernel's u64 does).
 *   <li>MIN, MAX: {@code [value, fresh]}: candidates merge idempotently. {@code fresh} makes the next
 *       candidate replace the value: set for a new key, and after {@code zero()} of a MIN map, because
 *       0.17's min() restarts after zero() (recorded) while max() compares against the zeroed 0.
 *   <li>AVG, STATS: {@code [count, total]}.
 *   <li>HIST, LHIST: dense bucket counts, {@link Buckets#slots} of them.
 * </ul>
 */
public final class AggregateMap implements MapState {
    private final MapSchema schema;
    private final AggKind kind;
    private final int stride;
    private final KeyIndex index;
    private long[] vals;

    AggregateMap(MapSchema schema) {
        this.schema = schema;
        this.kind = schema.kind();
        this.stride = switch (kind) {
            case COUNT, SUM -> 1;
            case MIN, MAX, AVG, STATS -> 2;
            case HIST, LHIST -> Buckets.slots(schema);
            case VALUE -> throw new IllegalArgumentException(schema.name() + " is a VALUE map");
        };
        this.index = new KeyIndex();
        this.vals = new long[index.capacity() * stride];
    }

    private AggregateMap(AggregateMap o) {
        schema = o.schema;
        kind = o.kind;
        stride = o.stride;
        index = o.index.copy();
        vals = o.vals.clone();
    }

    @Override
    public MapSchema schema() {
        return schema;
    }

    @Override
    public int size() {
        return index.size();
    }

    @Override
    public AggregateMap copy() {
        return new AggregateMap(this);
    }

    @Override
    public void validate(MapDelta delta) {
        int slots = kind.histogram() ? stride : 0;
        for (DeltaEntry e : delta.getEntries()) {
            if (e.getDeleted()) throw bad(e, "deleted is for VALUE maps; an aggregation's keys only go away by clear() or delete() on the coordinator");
            if (e.getBytesValue() != null) throw bad(e, "bytesValue is for VALUE maps");
            List<Long> v = e.getValues();
            switch (kind) {
                case COUNT, SUM, MIN, MAX -> { if (v.size() != 1) throw bad(e, "expects [value], got " + v.size() + " values"); }
                case AVG, STATS -> { if (v.size() != 2) throw bad(e, "expects [count, total], got " + v.size() + " values"); }
                case HIST, LHIST -> {
                    if ((v.size() & 1) != 0) throw bad(e, "expects [bucket, increment, ...] pairs, got " + v.size() + " values");
                    for (int i = 0; i < v.size(); i += 2) {
                        long b = v.get(i);
                        if (b < 0 || b >= slots) throw bad(e, "bucket " + b + " outside 0.." + (slots - 1));
                    }
                }
                case VALUE -> throw new AssertionError();
            }
        }
    }

    private IllegalArgumentException bad(DeltaEntry e, String why) {
        return new IllegalArgumentException("delta for " + schema.name() + " (" + kind + "): " + why);
    }

    @Override
    public void apply(String host, MapDelta delta) {
        validate(delta);
        applyValidated(delta);
    }

    /** The hot loop: one switch per map delta, then a tight loop per kind. */
    void applyValidated(MapDelta delta) {
        List<DeltaEntry> entries = delta.getEntries();
        switch (kind) {
            case COUNT, SUM -> {
                for (DeltaEntry e : entries) {
                    int r = row(e.getKey()); // before reading vals: row() may grow it
                    vals[r] += e.getValues().get(0);
                }
            }
            case MIN -> {
                for (DeltaEntry e : entries) {
                    int r = row(e.getKey());
                    long c = e.getValues().get(0);
                    if (vals[r + 1] != 0 || c < vals[r]) { vals[r] = c; vals[r + 1] = 0; }
                }
            }
            case MAX -> {
                for (DeltaEntry e : entries) {
                    int r = row(e.getKey());
                    long c = e.getValues().get(0);
                    if (vals[r + 1] != 0 || c > vals[r]) { vals[r] = c; vals[r + 1] = 0; }
                }
            }
            case AVG, STATS -> {
                for (DeltaEntry e : entries) {
                    int r = row(e.getKey());
                    List<Long> v = e.getValues();
                    vals[r] += v.get(0);
                    vals[r + 1] += v.get(1);
                }
            }
            case HIST, LHIST -> {
                for (DeltaEntry e : entries) {
                    int r = row(e.getKey());
                    List<Long> v = e.getValues();
                    for (int i = 0, n = v.size(); i < n; i += 2) vals[r + v.get(i).intValue()] += v.get(i + 1);
                }
            }
            case VALUE -> throw new AssertionError();
        }
    }

    /** Offset of the key's row in {@code vals}, adding a zeroed (MIN/MAX: fresh) row for a new key. */
    private int row(ByteBuffer key) {
        int h = KeyIndex.hash(EMPTY, key);
        int e = index.find(EMPTY, key, h);
        if (e < 0) {
            e = index.insert(EMPTY, key, h);
            newRow(e);
        }
        return e * stride;
    }

    private static final byte[] EMPTY = new byte[0];

    private void newRow(int e) {
        if (vals.length < index.capacity() * stride) vals = Arrays.copyOf(vals, index.capacity() * stride);
        int r = e * stride;
        Arrays.fill(vals, r, r + stride, 0);
        if (kind == AggKind.MIN || kind == AggKind.MAX) vals[r + 1] = 1;
    }

    @Override
    public void clear() {
        index.clear();
    }

    @Override
    public void zero() {
        int n = index.size();
        Arrays.fill(vals, 0, n * stride, 0);
        if (kind == AggKind.MIN) for (int e = 0; e < n; e++) vals[e * stride + 1] = 1;
    }

    @Override
    public void delete(byte[] key) {
        int e = index.find(key);
        if (e < 0) return;
        int moved = index.remove(e);
        if (moved >= 0) System.arraycopy(vals, moved * stride, vals, e * stride, stride);
    }

    /**
     * The key's merged values, or null when absent: COUNT/SUM/MIN/MAX {@code [value]}, AVG/STATS
     * {@code [count, total]}, HIST/LHIST the bucket counts. (bpftrace 0.17 does not let a program read an
     * aggregation in an expression; this is for printing and for the coordinator's own use.)
     */
    public long[] get(byte[] key) {
        int e = index.find(key);
        return e < 0 ? null : values(e);
    }

    /**
     * {@code @m[key]} as a number: COUNT/SUM/MIN/MAX the value, AVG/STATS the average ({@code total /
     * count}, truncated), 0 for an absent key. bpftrace 0.17 itself rejects aggregations in expressions
     * ("Type mismatch for '+': comparing 'count' with 'int64'"); this is for fleettrace's END and interval
     * blocks should the language allow it. Histograms have no single value.
     */
    public long read(byte[] key) {
        long[] v = get(key);
        if (v == null) return 0;
        return switch (kind) {
            case COUNT, SUM, MIN, MAX -> v[0];
            case AVG, STATS -> v[0] == 0 ? 0 : v[1] / v[0];
            case HIST, LHIST -> throw new IllegalStateException(schema.name() + " is a histogram: it has no single value");
            case VALUE -> throw new AssertionError();
        };
    }

    private long[] values(int e) {
        int r = e * stride;
        return kind == AggKind.MIN || kind == AggKind.MAX ? new long[] {vals[r]} : Arrays.copyOfRange(vals, r, r + stride);
    }

    /** One key and its merged values, as {@link #get} gives them. */
    public record Entry(byte[] key, long[] values) {}

    /** Every key with its values, in no particular order (the printers sort). */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>(index.size());
        for (int e = 0; e < index.size(); e++) out.add(new Entry(index.key(e), values(e)));
        return out;
    }
}
