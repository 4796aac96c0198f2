/**
 * The bpftrace abstract syntax tree: records under sealed interfaces, walked with exhaustive
 * {@code switch} and record patterns rather than visitors. Nodes are immutable and carry the source
 * span diagnostics point at; types live beside the tree (see {@code sema}), not in it.
 */
package dev.fleettrace.compiler.ast;
