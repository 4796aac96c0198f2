package dev.fleettrace.agent.events;

import dev.fleettrace.plan.EventArg;
import dev.fleettrace.plan.EventSpec;
import dev.fleettrace.plan.PrintfFormat;
import dev.fleettrace.plan.SymbolResolver;
import dev.fleettrace.schemas.EventKind;
import dev.fleettrace.schemas.ProbeEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes ring buffer records by the plan's {@link EventSpec}s. printf is formatted on the agent, where
 * the argument types are known, so what travels is the text bpftrace would print.
 */
public final class EventDecoder {
    private final List<EventSpec> specs;
    private final PrintfFormat[] formats;
    private final SymbolResolver symbols;

    public EventDecoder(List<EventSpec> specs) {
        this(specs, SymbolResolver.NONE);
    }

    /** A decoder whose stack and symbol arguments {@code symbols} turns into text. */
    public EventDecoder(List<EventSpec> specs, SymbolResolver symbols) {
        this.symbols = symbols;
        this.specs = List.copyOf(specs);
        this.formats = new PrintfFormat[specs.size()];
        for (EventSpec s : specs) if (s instanceof EventSpec.Printf p) formats[p.id()] = PrintfFormat.parse(p.format());
    }

    /** The event in {@code record} (read from its start, little endian); throws on a record no spec describes. */
    public ProbeEvent decode(ByteBuffer record) {
        ByteBuffer b = record.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int start = b.position();
        if (b.remaining() < 8) throw new IllegalArgumentException("ring buffer record of " + b.remaining() + " bytes has no event id");
        long id = b.getLong(start);
        if (id < 0 || id >= specs.size()) throw new IllegalArgumentException("ring buffer record with unknown event id " + id);
        EventSpec spec = specs.get((int) id);
        if (b.remaining() < spec.size()) throw new IllegalArgumentException("event " + id + " record is " + b.remaining() + " bytes, expected " + spec.size());
        return switch (spec) {
            case EventSpec.Printf p -> {
                List<Object> args = new ArrayList<>(p.args().size());
                for (EventArg a : p.args()) {
                    if (a.symbolic() != null) {
                        byte[] raw = new byte[a.size()];
                        b.get(start + a.offset(), raw);
                        args.add(symbols.text(a.symbolic(), raw, 0, false));
                        continue;
                    }
                    switch (a.kind()) {
                        case INT, UINT -> args.add(b.getLong(start + a.offset()));
                        case STRING, STACK -> {
                            int len = 0;
                            while (len < a.size() && b.get(start + a.offset() + len) != 0) len++;
                            byte[] s = new byte[len];
                            b.get(start + a.offset(), s);
                            args.add(s);
                        }
                    }
                }
                yield event(EventKind.PRINTF, p.begin(), formats[p.id()].apply(args));
            }
            case EventSpec.Exit e -> event(EventKind.EXIT, e.begin(), "");
        };
    }

    private static ProbeEvent event(EventKind kind, boolean begin, String text) {
        return ProbeEvent.newBuilder().setKind(kind).setBegin(begin).setText(text).build();
    }
}
