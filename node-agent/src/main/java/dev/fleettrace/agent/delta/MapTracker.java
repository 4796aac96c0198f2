package dev.fleettrace.agent.delta;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapBinding;
import dev.fleettrace.plan.SymbolResolver;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last values read from one bpftrace map, and the arithmetic that turns a new read into a
 * delta as {@link AggKind} defines it. Kernel maps are never cleared: additive values only grow, so
 * a delta is the difference of two reads and no event falls between two flushes.
 *
 * <p>A read is one scan: {@link #observe} for each entry, then {@link #finish}, which also settles
 * the keys the scan did not see (dropped, or for VALUE maps shipped as deleted).
 */
abstract sealed class MapTracker {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Confirms a key the scan missed: its value buffer now, or null when it is really gone. */
    @FunctionalInterface
    interface Confirm {
        byte[] lookup(byte[] rawKey);
    }

    /** Per-key state; {@code seen} is the read that last saw the key. */
    abstract static class State {
        long seen;
    }

    final MapBinding binding;
    final Layout layout;
    /** Turns stack ids and addresses into text (the agent's symbolizer when the map has stacks or symbols). */
    SymbolResolver symbols = SymbolResolver.NONE;
    final Map<RawKey, State> states = new HashMap<>();
    final RawKey probe = new RawKey();
    List<DeltaEntry> out = new ArrayList<>();
    long read;
    /** Known keys seen in this read: when it equals the number of known keys, none went missing. */
    int seenNow;

    MapTracker(MapBinding binding, Layout layout) {
        this.binding = binding;
        this.layout = layout;
    }

    static MapTracker of(MapBinding binding, Layout layout) {
        return switch (binding.schema().kind()) {
            case COUNT, SUM -> new Counters(binding, layout, 1);
            case AVG, STATS -> new Counters(binding, layout, 2);
            case HIST, LHIST -> new Histogram(binding, layout);
            case MIN -> new Extreme(binding, layout, true);
            case MAX -> new Extreme(binding, layout, false);
            case VALUE -> new Values(binding, layout);
        };
    }

    String name() {
        return binding.schema().name();
    }

    static long slot(byte[] values, int offset) {
        return (long) LONG.get(values, offset);
    }

    /** The value of {@code slot} summed over CPUs (wrapping, as the kernel's own adds do). */
    long sum(byte[] values, int voff, int slot) {
        long s = 0;
        for (int c = 0; c < layout.cpus(); c++) s += slot(values, voff + c * layout.stride() + slot * 8);
        return s;
    }

    byte[] canonical(byte[] keys, int koff) {
        byte[] raw = koff == 0 && keys.length == layout.keySize() ? keys : Arrays.copyOfRange(keys, koff, koff + layout.keySize());
        return CanonicalKey.fromKernel(binding.keyFields(), raw, symbols);
    }

    static DeltaEntry entry(byte[] key, List<Long> values) {
        return new DeltaEntry(ByteBuffer.wrap(key), values, null, false);
    }

    /** Starts a read. */
    void begin() {
        read++;
        seenNow = 0;
        out = new ArrayList<>();
    }

    /** One entry of the scan: the key at {@code koff} of {@code keys}, the value buffer at {@code voff} of {@code values}. */
    abstract void observe(byte[] keys, int koff, byte[] values, int voff);

    /** A key known before and absent now. */
    void vanished(RawKey key, State state) {}

    /** Ends the read: the delta of this map, or null when nothing changed. {@code confirm} is null when the scan saw every present key. */
    MapDelta finish(Confirm confirm) {
        if (seenNow != states.size()) {
            List<Map.Entry<RawKey, State>> missing = new ArrayList<>();
            for (Map.Entry<RawKey, State> e : states.entrySet()) if (e.getValue().seen != read) missing.add(e);
            for (Map.Entry<RawKey, State> e : missing) {
                byte[] key = e.getKey().bytes();
                byte[] now = confirm == null ? null : confirm.lookup(key);
                if (now != null) {
                    observe(key, 0, now, 0);
                } else {
                    states.remove(e.getKey());
                    vanished(e.getKey(), e.getValue());
                }
            }
        }
        beforeEmit();
        return out.isEmpty() ? null : new MapDelta(name(), out);
    }

    void beforeEmit() {}

    /** The state of the key at {@code koff} of {@code keys}, marked seen; null when the key is new (then {@link #remember}). */
    State known(byte[] keys, int koff) {
        probe.point(keys, koff, layout.keySize());
        State s = states.get(probe);
        if (s != null && s.seen != read) {
            s.seen = read;
            seenNow++;
        }
        return s;
    }

    /** Stores the state of the key last given to {@link #known} (copying the key). */
    <S extends State> S remember(S s) {
        s.seen = read;
        seenNow++;
        states.put(probe.copy(), s);
        return s;
    }

    // ---- COUNT, SUM ([value]) and AVG, STATS ([count, total]): per-slot sums across CPUs

    static final class Counters extends MapTracker {
        static final class S extends State {
            final long[] v;

            S(int n) {
                v = new long[n];
            }
        }

        private final int slots;
        private final long[] now;

        Counters(MapBinding binding, Layout layout, int slots) {
            super(binding, layout);
            if (layout.valueSize() < slots * 8) throw new IllegalArgumentException(name() + ": value of " + layout.valueSize() + " bytes cannot hold " + slots + " counters");
            this.slots = slots;
            this.now = new long[slots];
        }

        @Override
        void observe(byte[] keys, int koff, byte[] values, int voff) {
            S s = (S) known(keys, koff);
            boolean changed = false;
            if (s == null) {
                s = remember(new S(slots));
                changed = layout.hashed();
            }
            for (int i = 0; i < slots; i++) {
                now[i] = sum(values, voff, i);
                changed |= now[i] != s.v[i];
            }
            if (!changed) return;
            Long[] inc = new Long[slots];
            for (int i = 0; i < slots; i++) {
                inc[i] = now[i] - s.v[i];
                s.v[i] = now[i];
            }
            out.add(entry(canonical(keys, koff), Arrays.asList(inc)));
        }
    }

    // ---- HIST, LHIST: one kernel key per (user key, bucket), a count per CPU; sparse deltas per user key

    static final class Histogram extends MapTracker {
        static final class S extends State {
            long count;
        }

        /** Changed buckets of one user key in this read: bucket, increment, bucket, increment, ... */
        private static final class Pairs {
            long[] a = new long[8];
            int n;

            void add(long bucket, long inc) {
                if (n + 2 > a.length) a = Arrays.copyOf(a, a.length * 2);
                a[n++] = bucket;
                a[n++] = inc;
            }
        }

        private final int bucketOffset;
        private Map<ByteBuffer, Pairs> changed = new LinkedHashMap<>();

        Histogram(MapBinding binding, Layout layout) {
            super(binding, layout);
            this.bucketOffset = binding.bucketOffset();
            if (bucketOffset < 0 || bucketOffset + 8 > layout.keySize())
                throw new IllegalArgumentException(name() + ": bucket offset " + bucketOffset + " outside a key of " + layout.keySize() + " bytes");
            if (layout.valueSize() < 8) throw new IllegalArgumentException(name() + ": value too small for a count");
        }

        @Override
        void begin() {
            super.begin();
            changed = new LinkedHashMap<>();
        }

        @Override
        void observe(byte[] keys, int koff, byte[] values, int voff) {
            S s = (S) known(keys, koff);
            if (s == null) s = remember(new S());
            long now = sum(values, voff, 0);
            if (now == s.count) return;
            long inc = now - s.count;
            s.count = now;
            // The key fields lie outside the bucket, so the full kernel key encodes the user key.
            ByteBuffer user = ByteBuffer.wrap(canonical(keys, koff));
            changed.computeIfAbsent(user, k -> new Pairs()).add(slot(keys, koff + bucketOffset), inc);
        }

        @Override
        void beforeEmit() {
            for (Map.Entry<ByteBuffer, Pairs> e : changed.entrySet()) out.add(entry(e.getKey().array(), sparse(e.getValue().a, e.getValue().n)));
        }

        /** Sorts {@code n/2} (bucket, increment) pairs by bucket into the wire form. */
        static List<Long> sparse(long[] pairs, int n) {
            Integer[] order = new Integer[n / 2];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Arrays.sort(order, (x, y) -> Long.compare(pairs[2 * x], pairs[2 * y]));
            List<Long> values = new ArrayList<>(n);
            for (int i : order) {
                values.add(pairs[2 * i]);
                values.add(pairs[2 * i + 1]);
            }
            return values;
        }
    }

    // ---- MIN, MAX: per CPU [value, tag] for even epochs then odd ones (see MapBinding); ship each window's extreme

    static final class Extreme extends MapTracker {
        static final class S extends State {
            long value;
            boolean set;
        }

        private final boolean min;
        private final boolean unsigned;
        /** The epoch whose slot this read looks at. */
        private long closing;
        /** Each read closes its own epoch (the agent bumped it): ship every window's extreme. */
        private boolean perWindow;

        Extreme(MapBinding binding, Layout layout, boolean min) {
            super(binding, layout);
            if (layout.valueSize() < 32) throw new IllegalArgumentException(name() + ": value of " + layout.valueSize() + " bytes cannot hold two [value, tag] slots");
            this.min = min;
            this.unsigned = binding.schema().value() == FieldKind.UINT;
        }

        /**
         * The next read looks at {@code epoch}'s slot. {@code perWindow}: the epoch ended (probes write the
         * next one's slot), so its extreme is the window's and ships; otherwise the epoch never moves and
         * the slot holds the extreme since the start, shipped when it moves.
         */
        void closing(long epoch, boolean perWindow) {
            this.closing = epoch;
            this.perWindow = perWindow;
        }

        @Override
        void observe(byte[] keys, int koff, byte[] values, int voff) {
            int slotOff = (int) (closing & 1) * 16;
            long tag = closing + 1;
            boolean any = false;
            long best = 0;
            for (int c = 0; c < layout.cpus(); c++) {
                int at = voff + c * layout.stride() + slotOff;
                if (slot(values, at + 8) != tag) continue;
                long v = slot(values, at);
                if (!any || better(v, best)) best = v;
                any = true;
            }
            S s = (S) known(keys, koff);
            // No CPU saw the key in this window: nothing to ship.
            if (!any) return;
            if (s == null) s = remember(new S());
            if (!perWindow && s.set && s.value == best) return;
            s.set = true;
            s.value = best;
            out.add(entry(canonical(keys, koff), List.of(best)));
        }

        private boolean better(long v, long than) {
            int c = unsigned ? Long.compareUnsigned(v, than) : Long.compare(v, than);
            return min ? c < 0 : c > 0;
        }
    }

    // ---- VALUE: plain assignments in a shared map; ship a value when it changed, a deletion when the key went

    static final class Values extends MapTracker {
        static final class S extends State {
            byte[] value;
        }

        private final FieldKind kind;

        Values(MapBinding binding, Layout layout) {
            super(binding, layout);
            if (layout.cpus() != 1) throw new IllegalArgumentException(name() + ": a VALUE map must not be per-CPU");
            this.kind = binding.schema().value();
        }

        @Override
        void observe(byte[] keys, int koff, byte[] values, int voff) {
            S s = (S) known(keys, koff);
            if (s == null) s = remember(new S());
            int size = layout.valueSize();
            if (s.value != null && Arrays.equals(s.value, 0, size, values, voff, voff + size)) return;
            s.value = Arrays.copyOfRange(values, voff, voff + size);
            byte[] key = canonical(keys, koff);
            if (binding.valueSymbolic() != null) {
                byte[] text = symbols.text(binding.valueSymbolic(), values, voff, false);
                out.add(new DeltaEntry(ByteBuffer.wrap(key), List.of(), ByteBuffer.wrap(text), false));
                return;
            }
            out.add(switch (kind) {
                case INT, UINT, POINTER -> entry(key, List.of(CanonicalKey.readInt(values, voff, Math.min(8, size), kind == FieldKind.INT)));
                case STRING -> new DeltaEntry(ByteBuffer.wrap(key), List.of(), ByteBuffer.wrap(Arrays.copyOf(s.value, strlen(s.value))), false);
                case STACK -> new DeltaEntry(ByteBuffer.wrap(key), List.of(), ByteBuffer.wrap(s.value.clone()), false);
                // Tuples travel in their canonical form: the coordinator prints them without the kernel layout.
                case TUPLE -> new DeltaEntry(ByteBuffer.wrap(key), List.of(), ByteBuffer.wrap(binding.valueTuple().canonical(values, voff, symbols)), false);
            });
        }

        @Override
        void vanished(RawKey key, State state) {
            out.add(new DeltaEntry(ByteBuffer.wrap(CanonicalKey.fromKernel(binding.keyFields(), key.bytes(), symbols)), List.of(), null, true));
        }

        static int strlen(byte[] b) {
            int n = 0;
            while (n < b.length && b[n] != 0) n++;
            return n;
        }
    }
}
