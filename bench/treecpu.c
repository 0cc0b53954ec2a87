/*
 * treecpu: run a command and print the CPU seconds (user + system) of its
 * whole process tree, gpg included, then its wall seconds:
 *
 *     treecpu COMMAND [ARG...]    ->  stderr: "treecpu CPU WALL"
 *
 * GPGME double-forks gpg, so gpg is never a waited-for child of casevault and
 * /usr/bin/time leaves it out.  treecpu makes itself a child subreaper
 * (prctl PR_SET_CHILD_SUBREAPER): every orphaned descendant is re-parented to
 * it and its rusage, once reaped, counts in RUSAGE_CHILDREN.  A gpg-agent the
 * command starts lives on after it and is not waited for (a bench starts the
 * agent before timing).  On a machine shared with other work the CPU seconds
 * move far less than the wall time.  Exit status: the command's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double secs(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int st = 0, rc = 127, tries = 0;
	pid_t pid, w;

	if (argc < 2) {
		fprintf(stderr, "usage: treecpu COMMAND [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("treecpu: prctl");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) < 0) {
		perror("treecpu: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror("treecpu: exec");
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	/* descendants still running (gpg finishing): up to 0.5 s, then leave the rest (an agent) */
	while (tries < 50 && (w = waitpid(-1, NULL, WNOHANG)) >= 0) {
		if (w == 0) {
			usleep(10000);
			tries++;
		}
	}
	getrusage(RUSAGE_CHILDREN, &ru);
	fprintf(stderr, "treecpu %.3f %.3f\n", secs(ru.ru_utime) + secs(ru.ru_stime),
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return rc;
}
