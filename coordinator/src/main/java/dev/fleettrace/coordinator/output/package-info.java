/**
 * bpftrace 0.17's map output, byte for byte, from merged state: read a map into a {@link
 * dev.fleettrace.coordinator.output.MapView} ({@link dev.fleettrace.coordinator.output.MapViews}), then
 * print it with a {@link dev.fleettrace.coordinator.output.Printer} ({@code print(@m, top, div)}, and
 * the dump at exit) as text or JSON, or turn it into a report row set ({@link
 * dev.fleettrace.coordinator.output.MapReports}). Row order is {@link
 * dev.fleettrace.coordinator.output.MapOrdering}'s; every rule was recorded from bpftrace itself
 * (src/test/resources/bpftrace).
 */
package dev.fleettrace.coordinator.output;
