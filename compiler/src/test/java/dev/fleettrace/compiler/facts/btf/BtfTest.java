package dev.fleettrace.compiler.facts.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BtfTest {
    private final Btf btf = BtfBuilder.kernel();

    @Test
    void findsStructsAndTheirMembers() {
        int task = btf.find("task_struct", Btf.STRUCT).orElseThrow();
        assertEquals(80, btf.sizeOf(task));
        List<Btf.Member> ms = btf.members(task);
        assertEquals("pid", ms.get(1).name());
        assertEquals(64, ms.get(1).bitOffset());
        assertEquals("pid_t", btf.typeName(ms.get(1).type()));
        assertEquals(4, btf.sizeOf(ms.get(1).type()), "through the typedef");
        Btf.Member inIowait = ms.get(5);
        assertEquals(257, inIowait.bitOffset());
        assertEquals(1, inIowait.bitSize(), "bitfields keep their width (kind_flag)");
        assertEquals("struct task_struct *", btf.typeName(ms.get(6).type()));
        assertEquals("char[16]", btf.typeName(ms.get(3).type()));
    }

    @Test
    void functionsHaveTypedParameters() {
        Btf.Function f = btf.function("vfs_read").orElseThrow();
        assertEquals(List.of("file", "buf", "count", "pos"), f.params().stream().map(Btf.Param::name).toList());
        assertEquals(List.of("struct file *", "char *", "size_t", "loff_t *"), f.params().stream().map(p -> btf.typeName(p.type())).toList());
        assertEquals("ssize_t", btf.typeName(f.returnType()));
        assertTrue(btf.function("no_such_function").isEmpty());
        assertEquals(List.of("vfs_read", "do_nanosleep"), btf.names(Btf.FUNC));
    }

    @Test
    void rejectsWhatIsNotBtf() {
        assertThrows(BtfException.class, () -> Btf.parse(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}));
        assertThrows(BtfException.class, () -> Btf.parse(new byte[] {(byte) 0x9f, (byte) 0xeb, 1, 0}));
    }
}
