package dev.fleettrace.coordinator.output;

import java.util.Comparator;
import java.util.List;

/**
 * {@code std::sort} as libstdc++ (GCC 12, Debian bookworm's bpftrace 0.17) implements it: introsort
 * with median-of-three pivots, a heapsort fallback past depth 2·log2(n), and a final insertion sort over
 * runs of 16. It is not stable, but it is deterministic: given the same input order and the same
 * "less" it permutes equal elements the same way. bpftrace sorts avg/stats/hist rows with it starting
 * from {@code std::map} order, so reproducing it reproduces bpftrace's order of tied rows exactly.
 * Checked against g++'s {@code std::sort} on random inputs full of ties (StdSortTest).
 */
final class StdSort {
    private StdSort() {}

    private static final int THRESHOLD = 16;

    static <T> void sort(List<T> list, Comparator<? super T> order) {
        @SuppressWarnings("unchecked")
        T[] a = (T[]) list.toArray();
        sort(a, order);
        for (int i = 0; i < a.length; i++) list.set(i, a[i]);
    }

    static <T> void sort(T[] a, Comparator<? super T> order) {
        int n = a.length;
        if (n == 0) return;
        Sorter<T> s = new Sorter<>(a, order);
        s.introsortLoop(0, n, 2 * (31 - Integer.numberOfLeadingZeros(n)));
        s.finalInsertionSort(0, n);
    }

    private record Sorter<T>(T[] a, Comparator<? super T> order) {

        private boolean less(T x, T y) {
            return order.compare(x, y) < 0;
        }

        private void swap(int i, int j) {
            T t = a[i];
            a[i] = a[j];
            a[j] = t;
        }

        void introsortLoop(int first, int last, int depth) {
            while (last - first > THRESHOLD) {
                if (depth == 0) {
                    partialSort(first, last, last);
                    return;
                }
                --depth;
                int cut = unguardedPartitionPivot(first, last);
                introsortLoop(cut, last, depth);
                last = cut;
            }
        }

        private int unguardedPartitionPivot(int first, int last) {
            int mid = first + (last - first) / 2;
            moveMedianToFirst(first, first + 1, mid, last - 1);
            return unguardedPartition(first + 1, last, first);
        }

        private void moveMedianToFirst(int result, int x, int y, int z) {
            if (less(a[x], a[y])) {
                if (less(a[y], a[z])) swap(result, y);
                else if (less(a[x], a[z])) swap(result, z);
                else swap(result, x);
            } else if (less(a[x], a[z])) swap(result, x);
            else if (less(a[y], a[z])) swap(result, z);
            else swap(result, y);
        }

        private int unguardedPartition(int first, int last, int pivot) {
            while (true) {
                while (less(a[first], a[pivot])) ++first;
                --last;
                while (less(a[pivot], a[last])) --last;
                if (!(first < last)) return first;
                swap(first, last);
                ++first;
            }
        }

        void finalInsertionSort(int first, int last) {
            if (last - first > THRESHOLD) {
                insertionSort(first, first + THRESHOLD);
                for (int i = first + THRESHOLD; i != last; ++i) unguardedLinearInsert(i);
            } else {
                insertionSort(first, last);
            }
        }

        private void insertionSort(int first, int last) {
            if (first == last) return;
            for (int i = first + 1; i != last; ++i) {
                if (less(a[i], a[first])) {
                    T val = a[i];
                    System.arraycopy(a, first, a, first + 1, i - first);
                    a[first] = val;
                } else {
                    unguardedLinearInsert(i);
                }
            }
        }

        private void unguardedLinearInsert(int last) {
            T val = a[last];
            int next = last - 1;
            while (less(val, a[next])) {
                a[last] = a[next];
                last = next;
                --next;
            }
            a[last] = val;
        }

        private void partialSort(int first, int middle, int last) {
            makeHeap(first, middle);
            for (int i = middle; i < last; ++i) if (less(a[i], a[first])) popHeap(first, middle, i);
            while (middle - first > 1) {
                --middle;
                popHeap(first, middle, middle);
            }
        }

        private void makeHeap(int first, int last) {
            int len = last - first;
            if (len < 2) return;
            int parent = (len - 2) / 2;
            while (true) {
                adjustHeap(first, parent, len, a[first + parent]);
                if (parent == 0) return;
                parent--;
            }
        }

        private void popHeap(int first, int last, int result) {
            T value = a[result];
            a[result] = a[first];
            adjustHeap(first, 0, last - first, value);
        }

        private void adjustHeap(int first, int hole, int len, T value) {
            int top = hole;
            int second = hole;
            while (second < (len - 1) / 2) {
                second = 2 * (second + 1);
                if (less(a[first + second], a[first + second - 1])) second--;
                a[first + hole] = a[first + second];
                hole = second;
            }
            if ((len & 1) == 0 && second == (len - 2) / 2) {
                second = 2 * (second + 1);
                a[first + hole] = a[first + second - 1];
                hole = second - 1;
            }
            int parent = (hole - 1) / 2;
            while (hole > top && less(a[first + parent], value)) {
                a[first + hole] = a[first + parent];
                hole = parent;
                parent = (hole - 1) / 2;
            }
            a[first + hole] = value;
        }
    }
}
