package dev.fleettrace.agent.events;

import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.EventArg;
import dev.fleettrace.plan.EventSpec;
import dev.fleettrace.plan.PrintfFormat;
import dev.fleettrace.plan.Strftime;
import dev.fleettrace.plan.SymbolResolver;
import dev.fleettrace.schemas.EventKind;
import dev.fleettrace.schemas.ProbeEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
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
    private final java.util.Map<Integer, PrintfFormat> systemFormats = new java.util.HashMap<>();
    private java.time.Clock clock = java.time.Clock.systemDefaultZone();

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

    /** Formats time() with {@code c} instead of the host's clock (tests). */
    public EventDecoder withClock(java.time.Clock c) {
        this.clock = c;
        return this;
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
            case EventSpec.Printf p -> event(EventKind.PRINTF, p.begin(), formats[p.id()].apply(args(b, start, p.args())));
            case EventSpec.Exit e -> event(EventKind.EXIT, e.begin(), "");
            case EventSpec.MapAction m -> {
                ProbeEvent.Builder e = ProbeEvent.newBuilder().setKind(switch (m.action()) {
                    case PRINT -> EventKind.PRINT;
                    case CLEAR -> EventKind.CLEAR;
                    case ZERO -> EventKind.ZERO;
                    case DELETE -> EventKind.DELETE;
                }).setBegin(m.begin()).setMap(m.map()).setTop(m.top()).setDiv(m.div());
                if (m.action() == EventSpec.MapAction.Action.DELETE) {
                    byte[] raw = new byte[m.size() - 8];
                    b.get(start + 8, raw);
                    e.setKey(ByteBuffer.wrap(CanonicalKey.fromKernel(m.keyFields(), raw, symbols)));
                }
                yield e.build();
            }
            case EventSpec.PrintValue v -> {
                Object x = args(b, start, List.of(v.arg())).getFirst();
                ProbeEvent.Builder e = ProbeEvent.newBuilder().setKind(EventKind.VALUE).setBegin(v.begin());
                if (x instanceof Long l) e.setValue(l);
                else e.setText(x instanceof byte[] s ? new String(s, StandardCharsets.ISO_8859_1) : String.valueOf(x));
                yield e.build();
            }
            // The agent's clock and time zone: the host the probe fired on.
            case EventSpec.Time t -> event(EventKind.TIME, t.begin(), Strftime.format(t.format(), ZonedDateTime.now(clock)));
            case EventSpec.Join j -> {
                StringBuilder joined = new StringBuilder();
                for (int i = 0; i < j.count(); i++) {
                    int at = start + 8 + i * j.elementSize();
                    if (b.get(at) == 0) break;
                    if (i > 0) joined.append(j.delim());
                    joined.append(cString(b, at, j.elementSize()));
                }
                yield event(EventKind.JOIN, j.begin(), joined.toString());
            }
            // The command line; the agent runs it and replaces the text with its output.
            case EventSpec.System sy -> event(EventKind.SYSTEM, sy.begin(), systemFormats.computeIfAbsent(sy.id(), k -> PrintfFormat.parse(sy.format()))
                    .apply(args(b, start, sy.args())));
        };
    }

    private List<Object> args(ByteBuffer b, int start, List<EventArg> specs) {
        List<Object> args = new ArrayList<>(specs.size());
        for (EventArg a : specs) {
            if (a.symbolic() != null) {
                byte[] raw = new byte[a.size()];
                b.get(start + a.offset(), raw);
                args.add(symbols.text(a.symbolic(), raw, 0, false));
                continue;
            }
            switch (a.kind()) {
                case INT, UINT, POINTER -> args.add(b.getLong(start + a.offset()));
                case STRING, STACK -> {
                    int len = 0;
                    while (len < a.size() && b.get(start + a.offset() + len) != 0) len++;
                    byte[] s = new byte[len];
                    b.get(start + a.offset(), s);
                    args.add(s);
                }
            }
        }
        return args;
    }

    private static String cString(ByteBuffer b, int at, int max) {
        int len = 0;
        while (len < max && b.get(at + len) != 0) len++;
        byte[] s = new byte[len];
        b.get(at, s);
        return new String(s, StandardCharsets.ISO_8859_1);
    }

    private static ProbeEvent event(EventKind kind, boolean begin, String text) {
        return ProbeEvent.newBuilder().setKind(kind).setBegin(begin).setText(text).build();
    }
}
