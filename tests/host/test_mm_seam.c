/*
 * The seam between generic mm and the machine (DESIGN.md, issue 10): no file
 * of src/mm spells an x86 page-table fact. Entry bits, level counts, shifts
 * and table sizes come from mm/pte.h (implemented in arch/<arch>/pte.h).
 * Scans the sources as text; run from the repository root (make test-host).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#define SEAM_DIR "src/mm"

/* What generic mm must not spell, and why. */
static const struct seam_rule {
	const char *re;
	const char *why;
} seam_rules[] = {
	{"(^|[^A-Za-z0-9_])PTE_[A-Z]+", "a PTE bit"},
	{"#include \"arch/", "an arch header (use mm/pte.h or mm/mmarch.h)"},
	{"(^|[^A-Za-z0-9_])(0x1ff|512)([^0-9]|$)", "a table size"},
	{"(<<|>>) *\\(?(9|12|21|30|39)([^0-9]|$)", "a level shift"},
	{"(^|[^A-Za-z0-9_])(PAGE_2M|PAGE_1G)([^A-Za-z0-9_]|$)", "an x86 leaf size"},
};

/* Report every line of `path` that matches a rule; returns the count. */
static int seam_scan_file(const char *path, regex_t *res, size_t nres)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int bad = 0, no = 0;

	cr_assert_not_null(f, "cannot read %s", path);
	while (fgets(line, sizeof(line), f)) {
		no++;
		for (size_t r = 0; r < nres; r++) {
			if (regexec(&res[r], line, 0, NULL, 0) == 0) {
				cr_log_error("%s:%d spells %s: %s", path, no, seam_rules[r].why, line);
				bad++;
			}
		}
	}
	fclose(f);
	return bad;
}

Test(mm_seam, generic_mm_spells_no_x86_fact)
{
	size_t nres = sizeof(seam_rules) / sizeof(seam_rules[0]);
	regex_t res[sizeof(seam_rules) / sizeof(seam_rules[0])];
	DIR *d = opendir(SEAM_DIR);
	struct dirent *e;
	int bad = 0, files = 0;
	char path[512];

	cr_assert_not_null(d, "%s not found: run from the repository root", SEAM_DIR);
	for (size_t r = 0; r < nres; r++)
		cr_assert_eq(regcomp(&res[r], seam_rules[r].re, REG_EXTENDED | REG_NOSUB), 0);
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n < 3 || (strcmp(e->d_name + n - 2, ".c") && strcmp(e->d_name + n - 2, ".h")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", SEAM_DIR, e->d_name);
		bad += seam_scan_file(path, res, nres);
		files++;
	}
	closedir(d);
	for (size_t r = 0; r < nres; r++)
		regfree(&res[r]);
	cr_expect_gt(files, 5, "only %d files under %s", files, SEAM_DIR);
	cr_expect_eq(bad, 0, "%d lines of src/mm spell x86 page-table facts", bad);
}

/* The scan itself finds what it looks for (a check that cannot fail proves nothing). */
Test(mm_seam, rules_match_what_they_forbid)
{
	static const char *const samples[] = {
		"\te = pa | PTE_P | PTE_W;\n",
		"#include \"arch/x86_64/pte.h\"\n",
		"for (i = 0; i < 512; i++)\n",
		"idx = (va >> 39) & 0x1ff;\n",
		"big = ALIGN_DOWN(va, PAGE_2M);\n",
	};

	for (size_t r = 0; r < sizeof(samples) / sizeof(samples[0]); r++) {
		regex_t re;

		cr_assert_eq(regcomp(&re, seam_rules[r].re, REG_EXTENDED | REG_NOSUB), 0);
		cr_expect_eq(regexec(&re, samples[r], 0, NULL, 0), 0, "rule %zu misses %s", r,
			     samples[r]);
		cr_expect_neq(regexec(&re, "\tpte_t e = pte_make_leaf(pa, flags, level);\n", 0,
				      NULL, 0), 0, "rule %zu matches clean code", r);
		regfree(&re);
	}
}
