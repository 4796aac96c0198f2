package dev.fleettrace.coordinator.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** KeyIndex against a list model with the same dense, swap-on-remove numbering. */
class KeyIndexTest {

    @Test
    void behavesLikeADenseListOfDistinctKeys() {
        HexFormat hex = HexFormat.of();
        for (int it = 0; it < 50; it++) {
            Random r = new Random(it);
            KeyIndex idx = new KeyIndex();
            List<String> model = new ArrayList<>();
            java.util.Map<String, Integer> pos = new java.util.HashMap<>();
            int space = 1 + r.nextInt(2000);
            for (int op = 0; op < 5000; op++) {
                byte[] prefix = r.nextBoolean() ? new byte[0] : new byte[] {(byte) r.nextInt(3)};
                byte[] k = new byte[1 + r.nextInt(3)];
                int x = r.nextInt(space);
                for (int i = 0; i < k.length; i++) k[i] = (byte) (x >>> (8 * i));
                byte[] full = new byte[prefix.length + k.length];
                System.arraycopy(prefix, 0, full, 0, prefix.length);
                System.arraycopy(k, 0, full, prefix.length, k.length);
                // a buffer with an offset, as Avro may hand out
                ByteBuffer buf = ByteBuffer.wrap(concat(new byte[] {9, 9}, k), 2, k.length).slice();
                int h = KeyIndex.hash(prefix, buf);
                assertEquals(KeyIndex.hash(full), h);
                int e = idx.find(prefix, buf, h);
                assertEquals(pos.getOrDefault(hex.formatHex(full), -1), e);
                if (e < 0) {
                    assertEquals(model.size(), idx.insert(prefix, buf, h));
                    pos.put(hex.formatHex(full), model.size());
                    model.add(hex.formatHex(full));
                } else if (r.nextInt(3) == 0) {
                    int moved = idx.remove(e);
                    int last = model.size() - 1;
                    assertEquals(e == last ? -1 : last, moved);
                    pos.remove(model.get(e));
                    if (e != last) pos.put(model.get(last), e);
                    model.set(e, model.get(last));
                    model.remove(last);
                }
                assertEquals(model.size(), idx.size());
            }
            for (int i = 0; i < model.size(); i++) {
                assertArrayEquals(hex.parseHex(model.get(i)), idx.key(i));
                assertEquals(i, idx.find(hex.parseHex(model.get(i))));
            }
            KeyIndex copy = idx.copy();
            idx.clear();
            assertEquals(0, idx.size());
            assertEquals(model.size(), copy.size());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
