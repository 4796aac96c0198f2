/**
 * The eBPF instruction set as data: registers, operations, instructions as records under a sealed
 * interface, an {@link dev.fleettrace.bpf.Assembler} with labels bound later, the binary encoding and
 * a disassembler in bpftool's notation. Independent of the bpftrace AST: the code generator is one
 * client, the loader and the tests are others.
 */
package dev.fleettrace.bpf;
