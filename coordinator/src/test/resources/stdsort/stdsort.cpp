// Records what libstdc++'s std::sort does with ties: each input line holds values; the output line
// holds the values, " | ", and the input positions in the order std::sort left them (comparing values only).
// g++ -O2 -std=c++17 -o /tmp/stdsort stdsort.cpp && python3 gen.py | /tmp/stdsort > cases.txt
#include <algorithm>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>
int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::vector<std::pair<long, int>> v;
    long x;
    while (in >> x) v.push_back({x, (int)v.size()});
    std::sort(v.begin(), v.end(), [](auto &a, auto &b) { return a.first < b.first; });
    std::cout << line << " |";
    for (auto &p : v) std::cout << " " << p.second;
    std::cout << "\n";
  }
}
