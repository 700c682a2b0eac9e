/* runstat.c - runs a command and writes what it cost: wall time, user and
 * system CPU time (microseconds) and peak RSS (KiB), from wait4()'s rusage,
 * the same source as GNU time but without its 10 ms rounding.
 *
 *   runstat OUTFILE COMMAND [ARG]...
 *
 * OUTFILE gets one line "wall_us user_us sys_us maxrss_kb". The command keeps
 * runstat's standard streams; runstat exits with its status (128+signal if
 * it was killed, 127 if it could not be started). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t tv_us(struct timeval tv)
{
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int st;

	if (argc < 3) {
		fputs("usage: runstat OUTFILE COMMAND [ARG]...\n", stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("runstat: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "runstat: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("runstat: wait4");
			return 127;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int64_t wall = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 +
		       (t1.tv_nsec - t0.tv_nsec) / 1000;
	FILE *f = fopen(argv[1], "w");
	if (!f) {
		fprintf(stderr, "runstat: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	fprintf(f, "%" PRId64 " %" PRId64 " %" PRId64 " %ld\n", wall, tv_us(ru.ru_utime),
		tv_us(ru.ru_stime), ru.ru_maxrss);
	if (fclose(f)) {
		fprintf(stderr, "runstat: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
