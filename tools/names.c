/*
 * names.c - a shared library for LD_PRELOAD that answers getaddrinfo(3)
 * for names of its own, as a private /etc/hosts would: no root, no
 * namespace, no DNS.
 *
 * A test needs a name with several addresses (does the client try each
 * in turn until one connects?), and editing /etc/hosts needs root or a
 * user namespace, which many grading machines forbid.  Preload this
 * library and getaddrinfo() answers the names in NAMES from there:
 *
 *   LD_PRELOAD=build/tools/names.so NAMES='lab-both=127.0.0.2,127.0.0.1' \
 *       build/lessons/03-client/client lab-both 1234
 *
 * NAMES holds entries NAME=ADDRESS[,ADDRESS...], separated by spaces.
 * An address is an IPv4 or IPv6 number; a NAME with no address
 * (lab-none=) does not resolve.  A listed name gets its addresses in the
 * order given, as getaddrinfo would return them:
 *   - only those of hints->ai_family (AF_UNSPEC: all of them); none
 *     left, or no address at all: EAI_NONAME;
 *   - with hints->ai_socktype 0, three entries an address (SOCK_STREAM,
 *     SOCK_DGRAM, SOCK_RAW), as glibc gives; else one of that type;
 *   - the port from the service, as the real getaddrinfo reads it
 *     ("80", "http"; a bad one fails the same way);
 *   - AI_NUMERICHOST: EAI_NONAME (a name is not a number);
 *     AI_CANONNAME: the name itself.  AI_ADDRCONFIG and AI_V4MAPPED
 *     are not applied.
 * Every other name, and every number, goes to the real getaddrinfo.
 * freeaddrinfo() frees either kind of list.
 *
 * What escapes it: statically linked programs, and the older resolvers
 * (gethostbyname).  With a sanitizer build, the sanitizer's runtime must
 * come first in LD_PRELOAD, or set ASAN_OPTIONS=verify_asan_link_order=0.
 */
#define _GNU_SOURCE	/* dlsym(RTLD_NEXT, ...) to find the real functions */

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define MAX_ADDRS 16	/* addresses a name may have here */
#define MAX_LISTS 64	/* lists of ours not yet freed */

/* One entry of a list of ours: the addrinfo and its address together. */
struct node {
	struct addrinfo ai;
	struct sockaddr_storage addr;
};

/* The lists this library returned and the program has not freed yet, so
 * that freeaddrinfo() knows which are ours. */
static struct addrinfo *lists[MAX_LISTS];
static atomic_flag lists_lock = ATOMIC_FLAG_INIT;

typedef int gai_fn(const char *, const char *, const struct addrinfo *,
		   struct addrinfo **);
typedef void free_fn(struct addrinfo *);

/* The next definition of name after this library.  POSIX lets a void *
 * from dlsym hold a function's address; memcpy avoids the cast ISO C
 * forbids. */
static void *next_fn(const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);
	void *fn = NULL;

	memcpy(&fn, &sym, sizeof fn);
	return fn;
}

static int real_getaddrinfo(const char *node, const char *service,
			    const struct addrinfo *hints,
			    struct addrinfo **res)
{
	gai_fn *fn;
	void *p = next_fn("getaddrinfo");

	memcpy(&fn, &p, sizeof fn);
	return fn != NULL ? fn(node, service, hints, res) : EAI_FAIL;
}

static void lock(void)
{
	while (atomic_flag_test_and_set(&lists_lock))
		;
}

static void unlock(void)
{
	atomic_flag_clear(&lists_lock);
}

/* Note a list as ours; 0 on success, -1 if there is no room. */
static int keep(struct addrinfo *list)
{
	int i, ok = -1;

	lock();
	for (i = 0; i < MAX_LISTS && ok == -1; i++) {
		if (lists[i] == NULL) {
			lists[i] = list;
			ok = 0;
		}
	}
	unlock();
	return ok;
}

/* Is list one of ours?  Forgets it if so: it is being freed. */
static int forget(const struct addrinfo *list)
{
	int i, ours = 0;

	lock();
	for (i = 0; i < MAX_LISTS && !ours; i++) {
		if (lists[i] == list) {
			lists[i] = NULL;
			ours = 1;
		}
	}
	unlock();
	return ours;
}

static void free_ours(struct addrinfo *list)
{
	struct addrinfo *next;

	while (list != NULL) {
		next = list->ai_next;
		free(list->ai_canonname);
		free(list);
		list = next;
	}
}

/*
 * Find node in NAMES.  Returns 1 and the part after "NAME=" (up to the
 * next space) in *addrs and *len if it is there, else 0.
 */
static int lookup(const char *node, const char **addrs, size_t *len)
{
	const char *p = getenv("NAMES");
	size_t n = strlen(node), word;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t\n");
		word = strcspn(p, " \t\n");
		if (word > n && p[n] == '=' && strncasecmp(p, node, n) == 0) {
			*addrs = p + n + 1;
			*len = word - n - 1;
			return 1;
		}
		p += word;
	}
	return 0;
}

/* The port the real getaddrinfo gives service (numbers and names, with
 * its errors), in network byte order. */
static int service_port(const char *service, const struct addrinfo *hints,
			int socktype, in_port_t *port)
{
	struct addrinfo h, *ai;
	int err;

	*port = 0;
	if (service == NULL)
		return 0;
	memset(&h, 0, sizeof h);
	h.ai_family = AF_INET;
	h.ai_socktype = socktype;
	h.ai_flags = AI_NUMERICHOST | (hints->ai_flags & AI_NUMERICSERV);
	err = real_getaddrinfo("127.0.0.1", service, &h, &ai);
	if (err != 0)
		return err;
	*port = ((struct sockaddr_in *)(void *)ai->ai_addr)->sin_port;
	freeaddrinfo(ai);
	return 0;
}

/* One entry for addr (text, len bytes) of the given type; NULL if addr
 * is no address or memory ran out (*err says which). */
static struct node *new_node(const char *addr, size_t len, int socktype,
			     int protocol, in_port_t port, int *err)
{
	char text[INET6_ADDRSTRLEN];
	struct node *n;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	*err = EAI_FAIL;	/* NAMES holds something that is no address */
	if (len == 0 || len >= sizeof text)
		return NULL;
	memcpy(text, addr, len);
	text[len] = '\0';
	n = calloc(1, sizeof *n);
	if (n == NULL) {
		*err = EAI_MEMORY;
		return NULL;
	}
	sin = (struct sockaddr_in *)(void *)&n->addr;
	sin6 = (struct sockaddr_in6 *)(void *)&n->addr;
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		n->ai.ai_addrlen = sizeof *sin;
	} else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		n->ai.ai_addrlen = sizeof *sin6;
	} else {
		free(n);
		return NULL;
	}
	n->ai.ai_family = n->addr.ss_family;
	n->ai.ai_socktype = socktype;
	n->ai.ai_protocol = protocol;
	n->ai.ai_addr = (struct sockaddr *)&n->addr;
	return n;
}

/* The protocol of a socket type when hints leave it to us. */
static int protocol_of(int socktype)
{
	if (socktype == SOCK_STREAM)
		return IPPROTO_TCP;
	if (socktype == SOCK_DGRAM)
		return IPPROTO_UDP;
	return 0;
}

/* Build the list for a name of ours: addrs (len bytes) are its
 * comma-separated addresses. */
static int answer(const char *node, const char *addrs, size_t len,
		  const char *service, const struct addrinfo *hints,
		  struct addrinfo **res)
{
	static const int all_types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW };
	const int *types = all_types;
	size_t ntypes = 3, word, t;
	struct addrinfo *head = NULL, **tail = &head;
	struct node *n;
	in_port_t port;
	int err = 0, count = 0, protocol;

	if (hints->ai_flags & AI_NUMERICHOST)
		return EAI_NONAME;
	if (hints->ai_socktype != 0) {
		types = &hints->ai_socktype;
		ntypes = 1;
	}
	err = service_port(service, hints, types[0], &port);
	while (err == 0 && len > 0 && count < MAX_ADDRS) {
		word = 0;
		while (word < len && addrs[word] != ',')
			word++;
		for (t = 0; t < ntypes && err == 0; t++) {
			protocol = hints->ai_protocol != 0 ? hints->ai_protocol
							   : protocol_of(types[t]);
			n = new_node(addrs, word, types[t], protocol, port, &err);
			if (n == NULL)
				break;
			err = 0;
			if (hints->ai_family != AF_UNSPEC
			    && hints->ai_family != n->ai.ai_family) {
				free(n);
				continue;
			}
			n->ai.ai_flags = hints->ai_flags;
			*tail = &n->ai;
			tail = &n->ai.ai_next;
			count++;
		}
		addrs += word < len ? word + 1 : word;
		len -= word < len ? word + 1 : word;
	}
	if (err == 0 && head == NULL)
		err = EAI_NONAME;
	if (err == 0 && (hints->ai_flags & AI_CANONNAME)) {
		head->ai_canonname = strdup(node);
		if (head->ai_canonname == NULL)
			err = EAI_MEMORY;
	}
	if (err == 0 && keep(head) == -1)
		err = EAI_MEMORY;
	if (err != 0) {
		free_ours(head);
		return err;
	}
	*res = head;
	return 0;
}

int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	struct addrinfo none;
	const char *addrs;
	size_t len;

	if (node == NULL || !lookup(node, &addrs, &len))
		return real_getaddrinfo(node, service, hints, res);
	if (hints == NULL) {
		memset(&none, 0, sizeof none);
		none.ai_family = AF_UNSPEC;
		hints = &none;
	}
	return answer(node, addrs, len, service, hints, res);
}

void freeaddrinfo(struct addrinfo *list)
{
	free_fn *fn;
	void *p;

	if (list == NULL)
		return;
	if (forget(list)) {
		free_ours(list);
		return;
	}
	p = next_fn("freeaddrinfo");
	memcpy(&fn, &p, sizeof fn);
	if (fn != NULL)
		fn(list);
}
