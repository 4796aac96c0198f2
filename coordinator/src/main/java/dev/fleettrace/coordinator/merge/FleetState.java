package dev.fleettrace.coordinator.merge;

import dev.fleettrace.transport.SchemaCodec;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.EventBatch;
import dev.fleettrace.schemas.JobStatus;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.schemas.MapSchemaRecord;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The fleet-wide merged state of one job: every bpftrace map by name, and which records were applied.
 * Plain single-threaded code; the job's actor owns one.
 *
 * <p>Maps are kept in name order, the order bpftrace 0.17 prints them at exit (its maps live in a
 * {@code std::map<std::string, ...>}).
 */
public final class FleetState {
    private final TreeMap<String, MapState> maps;
    private final SequenceTracker tracker;

    public FleetState(Collection<MapSchema> schemas) {
        maps = new TreeMap<>();
        tracker = new SequenceTracker();
        schemas.forEach(this::declare);
    }

    private FleetState(FleetState o) {
        maps = new TreeMap<>();
        o.maps.forEach((n, m) -> maps.put(n, m.copy()));
        tracker = o.tracker.copy();
    }

    /** A deep copy (cheap: flat arrays are cloned), e.g. to print an interval while merging goes on. */
    public FleetState copy() {
        return new FleetState(this);
    }

    /** Adds a map; declaring an identical schema again is a no-op, a different one is an error. */
    public void declare(MapSchema schema) {
        MapState old = maps.get(schema.name());
        if (old == null) maps.put(schema.name(), MapState.of(schema));
        else if (!old.schema().equals(schema))
            throw new IllegalArgumentException("map " + schema.name() + " declared as " + schema + " but already " + old.schema());
    }

    /** Every map, by name. */
    public SortedMap<String, MapState> maps() {
        return Collections.unmodifiableSortedMap(maps);
    }

    public MapState map(String name) {
        MapState m = maps.get(name);
        if (m == null) throw new IllegalArgumentException("no map " + name);
        return m;
    }

    public SequenceTracker tracker() {
        return tracker;
    }

    /**
     * Applies one record from the deltas topic at most once. Delta batches merge; a job status declares
     * the maps it lists; event batches change no state (the caller prints them when accepted). A record
     * that does not fit the maps throws {@link IllegalArgumentException} and is neither applied nor
     * marked as seen.
     */
    public Admission offer(AgentRecord r) {
        Admission a = admit(r);
        if (a.accepted() && r.getBody() instanceof DeltaBatch b) applyAdmitted(r.getAgent(), b);
        return a;
    }

    /**
     * {@link #offer} without merging a delta batch: the record is checked, marked as seen, and a job
     * status declares its maps, but a {@code DeltaBatch} waits for {@link #applyAdmitted} (the job
     * applies a batch when its window opens).
     */
    public Admission admit(AgentRecord r) {
        String agent = r.getAgent();
        Admission a = tracker.check(agent, r.getIncarnation(), r.getSeq());
        if (!a.accepted()) return a;
        switch (r.getBody()) {
            case DeltaBatch b -> validate(b);
            case JobStatus s -> {
                for (MapSchemaRecord m : s.getMaps()) {
                    MapSchema schema = SchemaCodec.fromRecord(m);
                    MapState old = maps.get(schema.name());
                    if (old != null && !old.schema().equals(schema))
                        throw new IllegalArgumentException("agent " + agent + " reports map " + schema.name() + " as " + schema + " but it is " + old.schema());
                }
            }
            case EventBatch e -> {}
            default -> throw new IllegalArgumentException("unknown record body " + r.getBody().getClass().getName());
        }
        tracker.commit(agent, r.getIncarnation(), r.getSeq());
        if (a instanceof Admission.Accepted acc && acc.newIncarnation()) dropHost(agent);
        if (r.getBody() instanceof JobStatus s) s.getMaps().forEach(m -> declare(SchemaCodec.fromRecord(m)));
        return a;
    }

    /** Merges a batch that {@link #admit} accepted (so it is known to fit the maps). */
    public void applyAdmitted(String host, DeltaBatch batch) {
        applyValidated(host, batch);
    }

    /** Merges a batch from {@code host} without any idempotence check (the tracker is the caller's job). */
    public void apply(String host, DeltaBatch batch) {
        validate(batch);
        applyValidated(host, batch);
    }

    private void validate(DeltaBatch batch) {
        for (MapDelta d : batch.getMaps()) {
            MapState m = maps.get(d.getMap());
            if (m == null) throw new IllegalArgumentException("delta for undeclared map " + d.getMap());
            m.validate(d);
        }
    }

    private void applyValidated(String host, DeltaBatch batch) {
        List<MapDelta> ds = batch.getMaps();
        for (MapDelta d : ds) {
            switch (maps.get(d.getMap())) {
                case AggregateMap a -> a.applyValidated(d);
                case ValueMap v -> v.applyValidated(host, d);
            }
        }
    }

    /** A host whose agent restarted lost its kernel maps: its host-local values go with them. */
    public void dropHost(String host) {
        for (MapState m : maps.values()) if (m instanceof ValueMap v) v.dropHost(host);
    }

    public void clear(String name) {
        map(name).clear();
    }

    public void zero(String name) {
        map(name).zero();
    }

    public void delete(String name, byte[] key) {
        map(name).delete(key);
    }

    /** Schemas of every map, by name. */
    public Map<String, MapSchema> schemas() {
        TreeMap<String, MapSchema> out = new TreeMap<>();
        maps.forEach((n, m) -> out.put(n, m.schema()));
        return out;
    }
}
