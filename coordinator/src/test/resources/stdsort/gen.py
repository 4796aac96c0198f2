# Inputs for stdsort.cpp: random sizes and value ranges full of ties, sorted/reversed/organ-pipe runs,
# and median-of-3 killer sequences (which drive introsort into its heapsort fallback).
import random
r = random.Random(20240917)
rows = []
for n in list(range(0, 40)) + [r.randint(40, 400) for _ in range(150)]:
    k = r.choice([1, 2, 3, 5, 10, 1000])
    rows.append([r.randint(0, k) for _ in range(n)])
for n in (17, 33, 100, 257):
    rows.append(list(range(n)))
    rows.append(list(range(n, 0, -1)))
    rows.append([min(i, n - i) for i in range(n)])
    rows.append([i % 7 for i in range(n)])
def killer(n):
    # Musser-style median-of-3 killer: at n = 128, 512 and 2048 it exhausts introsort's depth limit, so
    # those rows go through the heapsort fallback (checked by instrumenting the Java port).
    k = n // 2
    a = [0] * n
    for i in range(1, k + 1):
        if i % 2 == 1:
            a[i - 1] = i
            a[i] = k + i
        a[k + i - 1] = 2 * i
    return a
for n in (64, 128, 512, 2048):
    rows.append(killer(n))
    rows.append([x % 3 for x in killer(n)])
for row in rows:
    print(" ".join(map(str, row)))
