#include "elf_maps.h"

int main(int argc, char **argv)
{
	(void)argc;
	return elf_maps_show(argv);
}
