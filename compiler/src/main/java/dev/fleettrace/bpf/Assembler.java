package dev.fleettrace.bpf;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds a list of {@link Insn} with symbolic jump targets. Labels are bound later; {@link #build()}
 * resolves every jump to a relative offset and fails on an unbound label or an offset out of range.
 * The structured builders ({@link #ifThen}, {@link #ifThenElse}) read like the source construct.
 */
public final class Assembler {

    /** An instruction, or a jump whose offset waits for its label. */
    private sealed interface Item {
        record Fixed(Insn insn) implements Item {}

        record CondJump(Cond cond, Label target) implements Item {}

        record Uncond(Label target) implements Item {}
    }

    private final List<Item> items = new ArrayList<>();
    private int slots;
    private int labels;

    public Label newLabel() {
        return new Label("L" + labels++);
    }

    public Label newLabel(String hint) {
        return new Label(hint + labels++);
    }

    public Assembler bind(Label label) {
        if (label.isBound()) throw new IllegalStateException("label " + label + " bound twice");
        label.slot = slots;
        return this;
    }

    /** Slots emitted so far: the position the next instruction will take. */
    public int position() {
        return slots;
    }

    public Assembler emit(Insn insn) {
        items.add(new Item.Fixed(insn));
        slots += insn.slots();
        return this;
    }

    // ---- ALU

    public Assembler alu(AluOp op, Reg dst, Src src) {
        return emit(new Insn.Alu(true, op, dst, src));
    }

    public Assembler alu(AluOp op, Reg dst, int imm) {
        return alu(op, dst, Src.imm(imm));
    }

    public Assembler alu32(AluOp op, Reg dst, Src src) {
        return emit(new Insn.Alu(false, op, dst, src));
    }

    public Assembler mov(Reg dst, Src src) {
        return alu(AluOp.MOV, dst, src);
    }

    /** {@code dst = value}, in one slot when it fits a sign-extended 32-bit immediate, else two. */
    public Assembler movImm(Reg dst, long value) {
        if (value == (int) value) return alu(AluOp.MOV, dst, Src.imm((int) value));
        if (value >= 0 && value <= 0xffff_ffffL) return alu32(AluOp.MOV, dst, Src.imm((int) value));
        return emit(new Insn.LoadImm64(dst, value));
    }

    public Assembler add(Reg dst, int imm) {
        return alu(AluOp.ADD, dst, Src.imm(imm));
    }

    // ---- memory

    public Assembler load(Size size, Reg dst, Reg src, int off) {
        return emit(new Insn.Load(size, dst, src, checkOff(off)));
    }

    public Assembler store(Size size, Reg dst, int off, Reg src) {
        return emit(new Insn.Store(size, dst, checkOff(off), src));
    }

    public Assembler storeImm(Size size, Reg dst, int off, int imm) {
        return emit(new Insn.StoreImm(size, dst, checkOff(off), imm));
    }

    public Assembler atomicAdd(Size size, Reg dst, int off, Reg src) {
        return emit(new Insn.Atomic(size, Insn.AtomicOp.ADD, dst, checkOff(off), src));
    }

    public Assembler loadMapFd(Reg dst, int map) {
        return emit(new Insn.LoadMapFd(dst, map));
    }

    public Assembler loadMapValue(Reg dst, int map, int offset) {
        return emit(new Insn.LoadMapValue(dst, map, offset));
    }

    // ---- control flow

    public Assembler call(Helper helper) {
        return emit(new Insn.Call(helper.id));
    }

    public Assembler exit() {
        return emit(new Insn.Exit());
    }

    /** {@code r0 = value; exit}. */
    public Assembler ret(int value) {
        return mov(Reg.R0, Src.imm(value)).exit();
    }

    public Assembler jump(Cond cond, Label target) {
        items.add(new Item.CondJump(cond, target));
        slots += 1;
        return this;
    }

    public Assembler jump(Reg dst, JmpOp op, Src src, Label target) {
        return jump(new Cond(op, dst, src, true), target);
    }

    public Assembler jump(Reg dst, JmpOp op, int imm, Label target) {
        return jump(new Cond(op, dst, Src.imm(imm), true), target);
    }

    public Assembler jump32(Reg dst, JmpOp op, Src src, Label target) {
        return jump(new Cond(op, dst, src, false), target);
    }

    public Assembler jumpTo(Label target) {
        items.add(new Item.Uncond(target));
        slots += 1;
        return this;
    }

    /** {@code if (cond) { then }}. */
    public Assembler ifThen(Cond cond, Consumer<Assembler> then) {
        Label end = newLabel("endif");
        jump(cond.negate(), end);
        then.accept(this);
        return bind(end);
    }

    /** {@code if (cond) { then } else { otherwise }}. */
    public Assembler ifThenElse(Cond cond, Consumer<Assembler> then, Consumer<Assembler> otherwise) {
        Label elseL = newLabel("else");
        Label end = newLabel("endif");
        jump(cond.negate(), elseL);
        then.accept(this);
        jumpTo(end);
        bind(elseL);
        otherwise.accept(this);
        return bind(end);
    }

    /** Resolves every jump; the result is ready to encode. */
    public List<Insn> build() {
        List<Insn> out = new ArrayList<>(items.size());
        int pos = 0;
        for (Item item : items) {
            switch (item) {
                case Item.Fixed(Insn insn) -> {
                    out.add(insn);
                    pos += insn.slots();
                }
                case Item.CondJump(Cond c, Label target) -> {
                    out.add(new Insn.Jump(c.wide(), c.op(), c.dst(), c.src(), offset(pos, target)));
                    pos += 1;
                }
                case Item.Uncond(Label target) -> {
                    out.add(new Insn.Goto(offset(pos, target)));
                    pos += 1;
                }
            }
        }
        return out;
    }

    private static short offset(int pos, Label target) {
        if (!target.isBound()) throw new IllegalStateException("jump to unbound label " + target);
        int off = target.slot - (pos + 1);
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) throw new IllegalStateException("jump offset out of range: " + off);
        return (short) off;
    }

    private static short checkOff(int off) {
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) throw new IllegalArgumentException("memory offset out of range: " + off);
        return (short) off;
    }
}
