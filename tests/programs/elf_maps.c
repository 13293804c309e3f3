#include "elf_maps.h"
