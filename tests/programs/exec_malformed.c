// pending: execve, fork (issue 13)
/* execve of malformed executables written to /tmp: each is refused (ENOEXEC for a bad ELF header or no format at all, ENOENT for a missing #! interpreter, EACCES without an x bit) and the caller goes on, in the first process and in a forked child. */
#include "proc.h"
#include <elf.h>
#include <sys/stat.h>

static char path[64];

/* A 64-bit x86-64 ET_EXEC header with one PT_LOAD program header after it. */
static void elf_good(unsigned char *buf, size_t len)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*eh));

	memset(buf, 0, len);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x401000;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_vaddr = 0x400000;
	ph->p_filesz = len;
	ph->p_memsz = len;
	ph->p_align = 0x1000;
}

/* Write len bytes to path with the given mode; 0 when done. */
static int put_file(const void *bytes, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, bytes, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	close(fd);
	return chmod(path, mode);
}

/* execve(path) in this process: the errno it gives (it must come back). */
static int try_exec(void)
{
	char *argv[] = { path, NULL }, *envp[] = { NULL };

	execve(path, argv, envp);
	return errno;
}

/* The same from a forked child, which reports the errno as its exit status. */
static int try_exec_child(void)
{
	pid_t pid = proc_fork();

	if (pid == 0)
		_exit(try_exec());
	return proc_status(pid);
}

/* One malformed file: write it, exec it here and in a child, print the errnos. */
static void case_file(const char *what, const void *bytes, size_t len, mode_t mode, int want)
{
	int here, child;

	if (put_file(bytes, len, mode) != 0) {
		printf("%s: cannot write the file\n", what);
		prog_failed = 1;
		return;
	}
	here = try_exec();
	child = try_exec_child();
	printf("%s: %s, in a child: %s\n", what, proc_errname(here), proc_errname(child));
	if (here != want || child != want)
		prog_failed = 1;
}

/* An ELF header with one field broken by `mutate`. */
static void case_elf(const char *what, void (*mutate)(Elf64_Ehdr *), int want)
{
	unsigned char buf[512];

	elf_good(buf, sizeof(buf));
	mutate((Elf64_Ehdr *)buf);
	case_file(what, buf, sizeof(buf), 0755, want);
}

static void bad_magic(Elf64_Ehdr *e) { e->e_ident[EI_MAG1] = 'X'; }
static void bad_machine(Elf64_Ehdr *e) { e->e_machine = EM_AARCH64; }
static void bad_type(Elf64_Ehdr *e) { e->e_type = ET_REL; }
static void core_type(Elf64_Ehdr *e) { e->e_type = ET_CORE; }
static void bad_phentsize(Elf64_Ehdr *e) { e->e_phentsize = 32; }
static void no_phdrs(Elf64_Ehdr *e) { e->e_phnum = 0; }
static void many_phdrs(Elf64_Ehdr *e) { e->e_phnum = 0xffff; }

int main(void)
{
	static const char text[] = "this is not a program\n";
	static const char shebang[] = "#!/nonexistent/interpreter\n";
	static const char elf4[] = "\177ELF";
	unsigned char buf[512];

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	snprintf(path, sizeof(path), "/tmp/exec_malformed.%d", (int)getpid());
	case_file("empty file", "", 0, 0755, ENOEXEC);
	case_file("text without #!", text, sizeof(text) - 1, 0755, ENOEXEC);
	case_file("ELF magic alone", elf4, 4, 0755, ENOEXEC);
	case_elf("bad magic", bad_magic, ENOEXEC);
	case_elf("e_machine aarch64", bad_machine, ENOEXEC);
	case_elf("e_type ET_REL", bad_type, ENOEXEC);
	case_elf("e_type ET_CORE", core_type, ENOEXEC);
	case_elf("e_phentsize 32", bad_phentsize, ENOEXEC);
	case_elf("e_phnum 0", no_phdrs, ENOEXEC);
	case_elf("e_phnum 65535", many_phdrs, ENOEXEC);
	case_file("#! with a missing interpreter", shebang, sizeof(shebang) - 1, 0755, ENOENT);
	elf_good(buf, sizeof(buf));
	case_file("mode 0644", buf, sizeof(buf), 0644, EACCES);
	unlink(path);
	printf("the caller went on\n");
	return prog_done();
}
