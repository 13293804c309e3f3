// g++ -static: iostream, exceptions thrown and caught through several
// frames (the unwinder, the libstdc++ futex-based guards), std::vector,
// std::map, std::string, a function-local static.
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Tracker {
	static int live;
	std::string name;
	explicit Tracker(std::string n) : name(std::move(n)) { live++; }
	~Tracker() { live--; }
};
int Tracker::live = 0;

int depth3(int x)
{
	Tracker t("depth3");
	if (x > 2)
		throw std::runtime_error("too deep: " + std::to_string(x));
	return x;
}

int depth2(int x)
{
	Tracker t("depth2");
	std::vector<int> v(100, x);
	return depth3(x + 1) + v[0];
}

int depth1(int x)
{
	Tracker t("depth1");
	return depth2(x + 1);
}

const std::string &greeting()
{
	static const std::string g = "function-local static";
	return g;
}

} // namespace

int main()
{
	int failed = 0;

	std::cout << "hello from g++" << std::endl;
	for (int start = 0; start < 3; start++) {
		try {
			std::cout << "depth1(" << start << ") = " << depth1(start) << '\n';
		} catch (const std::runtime_error &e) {
			std::cout << "caught: " << e.what() << ", live trackers " << Tracker::live
				  << '\n';
			failed |= Tracker::live != 0;
		}
	}
	try {
		std::vector<int> v(3);
		(void)v.at(7);
	} catch (const std::out_of_range &) {
		std::cout << "caught out_of_range from vector::at\n";
	}
	std::map<std::string, int> counts;
	std::istringstream words("the quick brown fox jumps over the lazy dog the end");
	for (std::string w; words >> w;)
		counts[w]++;
	for (const auto &kv : counts)
		std::cout << kv.first << '=' << kv.second << ' ';
	std::cout << '\n';
	std::vector<std::unique_ptr<std::string>> owned;
	for (int i = 0; i < 1000; i++)
		owned.push_back(std::make_unique<std::string>(std::string(i % 50, 'a' + i % 26)));
	size_t total = 0;
	for (const auto &s : owned)
		total += s->size();
	std::cout << "strings " << owned.size() << " bytes " << total << '\n';
	std::cout << greeting() << '\n';
	return failed;
}
