/*
 * casevaultd - the daemon (docs/service.md): listens on a Unix socket (its
 * own, or the one systemd passes), gives each connection a process of its
 * own (the spare forked ahead while nothing ran, or one forked for it), and
 * keeps count of them.  It holds no vault state itself: each request's
 * worker opens the vault as a direct-mode command does, or takes the one
 * its spare opened when nothing changed since (docs/service.md, Processes).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <jansson.h>

#include "cli.h"
#include "proto.h"
#include "service.h"
#include "session.h"
#include "web.h"
#include "intake_watch.h"

static volatile sig_atomic_t stopping;
static int web_port, web_idle = WEB_IDLE_DEFAULT;  /* --web, --web-idle (docs/web.md) */
static const char *intake_dir;  /* --intake: the drop folder (docs/intake.md) */
static cvd_web_config web_cfg = { .listen = "127.0.0.1" };  /* --web-listen, --web-name (docs/web.md, TLS) */
static const char *tls_cert, *tls_key, *make_cert;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void on_child(int sig)
{
	(void)sig;  /* only wakes poll; the loop reaps */
}

static int usage(FILE *f, int code)
{
	fprintf(f, "usage: casevaultd --vault DIR [--socket PATH] [--request-timeout SECONDS] [--max-clients N]\n"
		   "                  [--web PORT [--web-idle SECONDS] [--web-listen ADDR] [--web-name NAME]\n"
		   "                   [--tls-cert FILE --tls-key FILE]] [--intake DIR]\n"
		   "       casevaultd --make-cert DIR --web-name NAME\n"
		   "       casevaultd --options\n\n"
		   "Serves the vault at DIR, owned by this account, to the staff members whose grants name\n"
		   "the OS users that connect (docs/service.md).  Without --socket it uses the socket systemd\n"
		   "passes (casevaultd.socket), else %s.  --web PORT also serves the web\n"
		   "interface on http://127.0.0.1:PORT/, or over TLS on ADDR (docs/web.md); --make-cert\n"
		   "makes a self-signed pair DIR/web.crt, DIR/web.key for NAME and shows its fingerprint.\n"
		   "--intake DIR watches DIR, a drop folder, and takes each complete file into the intake\n"
		   "tray, encrypted (docs/intake.md).\n",
		   CLI_DEFAULT_SOCKET);
	return code;
}

static int die(const char *what, const char *arg)
{
	fprintf(stderr, "casevaultd: %s%s\n", what, arg ? arg : "");
	return EXIT_FAIL;
}

/* The socket systemd passed (LISTEN_FDS), or -1. */
static int systemd_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");

	if (!pid || !n || atol(pid) != (long)getpid() || atoi(n) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 3;
}

/* Every local account may connect: who it is comes from SO_PEERCRED, and only a grant lets it act. */
static int own_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat sb;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return die("the socket path is too long: ", path), -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path);  /* left by a daemon that was stopped */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 || listen(fd, 64) < 0) {
		fprintf(stderr, "casevaultd: cannot listen on %s: %s\n", path, strerror(errno));
		return -1;
	}
	return fd;
}

/* --make-cert DIR: the pair, and the fingerprint the office compares in its browsers (docs/web.md, TLS). */
static int new_cert(void)
{
	char fpr[100], err[600];

	if (cvd_web_make_cert(make_cert, web_cfg.name, fpr, sizeof(fpr), err, sizeof(err)) < 0)
		return die(err, NULL), EXIT_USAGE;
	printf("%s/web.crt\n%s/web.key\nSHA-256 fingerprint: %s\n", make_cert, make_cert, fpr);
	return -1;
}

/* The web options checked now, so that a bad one stops the daemon before it listens. */
static int web_options(void)
{
	char err[600];

	if (!web_port && (tls_cert || tls_key || web_cfg.name || strcmp(web_cfg.listen, "127.0.0.1")))
		return die("--web-listen, --web-name, --tls-cert and --tls-key need --web PORT", NULL), EXIT_USAGE;
	if (web_port && cvd_web_check(&web_cfg, tls_cert, tls_key, err, sizeof(err)) < 0)
		return die(err, NULL), EXIT_USAGE;
	return 0;
}

/*
 * The options, and beside each the word the usage names its value with: the
 * bash completion is generated from this table ('casevaultd --options',
 * packaging/gen-completion.py; docs/install.md, Shell completion).
 */
static const struct option OPTS[] = {
	{ "vault", required_argument, NULL, 'C' }, { "socket", required_argument, NULL, 's' },
	{ "request-timeout", required_argument, NULL, 't' }, { "max-clients", required_argument, NULL, 'm' },
	{ "web", required_argument, NULL, 'w' }, { "web-idle", required_argument, NULL, 'i' },
	{ "intake", required_argument, NULL, 'I' },
	{ "web-listen", required_argument, NULL, 'L' }, { "web-name", required_argument, NULL, 'N' },
	{ "tls-cert", required_argument, NULL, 'c' }, { "tls-key", required_argument, NULL, 'k' },
	{ "make-cert", required_argument, NULL, 'M' },
	{ "help", no_argument, NULL, 'h' }, { "options", no_argument, NULL, 'O' }, { NULL, 0, NULL, 0 }
};
static const char *const OPT_ARGS[] = {
	"DIR", "PATH", "SECONDS", "N", "PORT", "SECONDS", "DIR", "ADDR", "NAME", "FILE", "FILE", "DIR", NULL, NULL
};
_Static_assert(sizeof(OPTS) / sizeof(OPTS[0]) == sizeof(OPT_ARGS) / sizeof(OPT_ARGS[0]) + 1,
	       "every option has its value's word");

/* --options: the table above as JSON, {"options": [{"name", "short", "arg"}...]} */
static int print_options(void)
{
	json_t *list = json_array(), *o;
	size_t i;
	int bad = !list;

	for (i = 0; !bad && OPTS[i].name; i++) {
		o = json_object();
		bad = !o || json_array_append_new(list, o) ||
		      json_object_set_new(o, "name", json_sprintf("--%s", OPTS[i].name)) ||
		      json_object_set_new(o, "short", OPTS[i].val == 'C' ? json_string("-C") : json_null()) ||
		      json_object_set_new(o, "arg", OPT_ARGS[i] ? json_string(OPT_ARGS[i]) : json_null());
	}
	o = json_object();
	if (!bad && o && json_object_set(o, "options", list) == 0)
		bad = json_dumpf(o, stdout, JSON_INDENT(2)) || putchar('\n') == EOF || fflush(stdout);
	else
		bad = 1;
	json_decref(o);
	json_decref(list);
	return bad ? (die("cannot print the options", NULL), EXIT_FAIL) : -1;
}

static int parse_args(int argc, char **argv, cvd_config *cfg, const char **sock)
{
	int o;

	while ((o = getopt_long(argc, argv, "C:h", OPTS, NULL)) != -1) {
		if (o == 'C')
			cfg->vault_dir = optarg;
		else if (o == 's')
			*sock = optarg;
		else if (o == 't')
			cfg->request_timeout = atoi(optarg);
		else if (o == 'm')
			cfg->max_clients = atoi(optarg);
		else if (o == 'w')
			web_port = atoi(optarg);
		else if (o == 'i')
			web_idle = atoi(optarg);
		else if (o == 'I')
			intake_dir = optarg;
		else if (o == 'L' || o == 'N')
			*(o == 'L' ? &web_cfg.listen : &web_cfg.name) = optarg;
		else if (o == 'c' || o == 'k' || o == 'M')
			*(o == 'c' ? &tls_cert : o == 'k' ? &tls_key : &make_cert) = optarg;
		else if (o == 'O')
			return print_options();
		else
			return usage(o == 'h' ? stdout : stderr, o == 'h' ? -1 : EXIT_USAGE);
	}
	if (make_cert)
		return new_cert();
	if (optind < argc || !cfg->vault_dir)
		return usage(stderr, EXIT_USAGE);
	if (cfg->request_timeout < 1 || cfg->request_timeout > 600 || cfg->max_clients < 1)
		return die("--request-timeout takes 1 to 600 seconds and --max-clients at least 1", NULL), EXIT_USAGE;
	if (web_port < 0 || web_port > 65535 || web_idle < 1 || web_idle > 7200)
		return die("--web takes a TCP port from 1 to 65535 and --web-idle 1 to 7200 seconds", NULL), EXIT_USAGE;
	return web_options();
}

/* The daemon's own process: no core dumps, nothing for ptrace, files for the owner only. */
static void harden(void)
{
	struct rlimit rl = { 0, 0 };
	struct sigaction sa;

	umask(077);
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

static pid_t keeper_pid = -1, web_pid = -1, intake_pid = -1;
static time_t keeper_since, web_since;
static int web_renew;  /* the web process was stopped to follow a new keeper: start it again */

/*
 * The web process (docs/web.md), started after the keeper, whose socket it
 * hands its workers; started again when it stops, and restarted with the
 * keeper, whose socket changes then.
 */
static void web_start(cvd_config *cfg, int lfd)
{
	if (!web_port)
		return;
	web_since = time(NULL);
	web_cfg.vault_dir = cfg->vault_dir;
	web_cfg.keeper_fd = cfg->keeper_fd;
	web_cfg.port = web_port;
	web_cfg.idle = web_idle;
	if (cvd_web_start(&web_cfg, lfd, &web_pid) < 0)
		fprintf(stderr, "casevaultd: cannot start the web interface: %s\n", strerror(errno));
}

/*
 * The session keeper (docs/service.md, Sessions): started with the daemon,
 * started again if it dies; the sessions it held are lost then, and each
 * person proves their passphrase again, nothing else.
 */
static void keeper_start(cvd_config *cfg, int lfd)
{
	keeper_since = time(NULL);
	if ((cfg->keeper_fd = cvd_keeper_start(lfd, &keeper_pid)) < 0)
		fprintf(stderr, "casevaultd: cannot start the session keeper: %s; every command asks its passphrase\n",
			strerror(errno));
}

/*
 * The spare (docs/service.md, Speed): a connection process and its worker,
 * forked while no request runs, the vault opened in the worker; the next
 * connection is handed to it.  spare_ctl: the socket it is handed on.
 */
static pid_t spare_pid = -1;
static int spare_ctl = -1;
static time_t spare_failed;

static void spare_start(cvd_config *cfg, int lfd)
{
	int s[2];
	pid_t pid;

	if (spare_pid > 0 || stopping || cfg->keeper_fd < 0 || time(NULL) - spare_failed < 2 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s) < 0)
		return;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(lfd);
		close(s[0]);
		cvd_spare_connection(cfg, s[1]);
	}
	close(s[1]);
	if (pid < 0) {
		close(s[0]);
		return;
	}
	spare_pid = pid;
	spare_ctl = s[0];
}

/*
 * The spare ends unused: told so by its socket's end, its worker closes the
 * vault as a command's end does, for a second at most, then it is killed.
 */
static void spare_drop(void)
{
	int i;

	if (spare_pid <= 0)
		return;
	close(spare_ctl);
	for (i = 0; i < 100 && waitpid(spare_pid, NULL, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 100 && kill(spare_pid, SIGKILL) == 0)
		while (waitpid(spare_pid, NULL, 0) < 0 && errno == EINTR)
			;
	spare_ctl = -1;
	spare_pid = -1;
}

/* The connection to the spare, which serves it from now on; 0, or -1 when there is none to take it. */
static int spare_hand(int conn)
{
	char b = 0;
	struct iovec iov = { &b, 1 };

	if (spare_pid <= 0)
		return -1;
	if (cvd_send_fds(spare_ctl, &iov, 1, &conn, 1, MSG_DONTWAIT) < 0) {
		spare_drop();
		return -1;
	}
	close(spare_ctl);
	spare_ctl = -1;
	spare_pid = -1;  /* a connection process now, counted as one */
	return 0;
}

/* A child ended: a connection, or the keeper (started again unless it cannot even start). */
static void reaped(cvd_config *cfg, int lfd, pid_t pid, int *running)
{
	if (pid == spare_pid) {
		close(spare_ctl);
		spare_ctl = -1;
		spare_pid = -1;
		spare_failed = time(NULL);  /* a spare that dies unused is not forked again at once */
		return;
	}
	if (pid == web_pid) {
		web_pid = -1;
		if (time(NULL) - web_since < 2 && !web_renew)
			fprintf(stderr, "casevaultd: the web interface stopped as it started; not starting it again\n");
		else
			web_start(cfg, lfd);
		web_renew = 0;
		return;
	}
	if (pid == intake_pid) {
		fprintf(stderr, "casevaultd: the drop folder's watcher stopped; starting it again\n");
		sleep(1);  /* a watcher that cannot run does not spin */
		if (cvd_intake_start(cfg->vault_dir, intake_dir, lfd, &intake_pid) < 0)
			intake_pid = -1;
		return;
	}
	if (pid != keeper_pid) {
		(*running)--;
		return;
	}
	if (web_pid > 0 && kill(web_pid, SIGTERM) == 0)
		web_renew = 1;  /* reaped, then started again with the new keeper's socket */
	spare_drop();  /* it holds the old keeper's socket */
	close(cfg->keeper_fd);
	cfg->keeper_fd = -1;
	keeper_pid = -1;
	if (time(NULL) - keeper_since < 2) {
		fprintf(stderr, "casevaultd: the session keeper stopped as it started; no sessions: every command asks "
			"its passphrase until casevaultd is restarted\n");
		return;
	}
	fprintf(stderr, "casevaultd: the session keeper stopped; sessions are lost, starting it again\n");
	keeper_start(cfg, lfd);
}

static void serve(cvd_config *cfg, int lfd)
{
	struct pollfd p = { lfd, POLLIN, 0 };
	int conn, running = 0;
	pid_t pid;

	while (!stopping) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			reaped(cfg, lfd, pid, &running);
		if (running == 0)
			spare_start(cfg, lfd);
		if (poll(&p, 1, 1000) <= 0 || (conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		if (running >= cfg->max_clients) {
			size_t len = 0;
			char *busy = cv_proto_make_reply(EXIT_FAIL, "casevaultd is serving as many clients as it may; try again", &len);

			if (busy)
				send(conn, busy, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			free(busy);
			close(conn);
			continue;
		}
		if (spare_hand(conn) == 0) {
			running++;
			close(conn);
			continue;
		}
		fflush(NULL);
		if ((pid = fork()) == 0) {
			close(lfd);
			if (spare_ctl >= 0)
				close(spare_ctl);  /* the spare sees its end close with the daemon's */
			cvd_serve_connection(cfg, conn);
		}
		running += pid > 0;
		close(conn);
	}
}

int main(int argc, char **argv)
{
	cvd_config cfg = { NULL, 10, 64, -1 };
	const char *sock = NULL;
	char real[PATH_MAX];
	struct stat sb;
	int r, lfd;

	if ((r = parse_args(argc, argv, &cfg, &sock)) != 0)
		return r < 0 ? 0 : r;
	if (geteuid() == 0)
		return die("casevaultd runs as the vault's own service account, never as root (docs/service.md)", NULL);
	if (!realpath(cfg.vault_dir, real) || stat(real, &sb) < 0)
		return die("cannot find the vault directory ", cfg.vault_dir);
	if (sb.st_uid != geteuid() || (sb.st_mode & 077))
		return die("the vault directory must belong to this account and be closed to others (chmod 700): ", real);
	cfg.vault_dir = real;
	harden();
	/* GnuPG's programs learnt once for every worker (docs/service.md, Speed) */
	if (cv_global_warm() < 0)
		fprintf(stderr, "casevaultd: cannot start gpg yet; each request will try again\n");
	cv_proto_wipe_json_memory();
	if ((lfd = sock ? -1 : systemd_socket()) < 0 && (lfd = own_socket(sock ? sock : CLI_DEFAULT_SOCKET)) < 0)
		return EXIT_FAIL;
	fprintf(stderr, "casevaultd: serving %s\n", cfg.vault_dir);
	if (intake_dir && cvd_intake_start(cfg.vault_dir, intake_dir, lfd, &intake_pid) < 0)
		return EXIT_FAIL;
	keeper_start(&cfg, lfd);
	web_start(&cfg, lfd);
	serve(&cfg, lfd);
	spare_drop();
	if (web_pid > 0 && kill(web_pid, SIGTERM) == 0)
		waitpid(web_pid, NULL, 0);
	if (intake_pid > 0 && kill(intake_pid, SIGTERM) == 0)
		waitpid(intake_pid, NULL, 0);
	cvd_keeper_stop(keeper_pid, cfg.keeper_fd);  /* every session wiped */
	if (sock)
		unlink(sock);
	return 0;
}
