/*
 * The space. Parameters are kept in a topological order (a parameter
 * after those its condition names, otherwise in spec order), so one pass
 * decides which are active. Conditions link parameters into independent
 * components; within a component, the parameters some condition names
 * are its "controllers". When a component's controller assignments are
 * few enough they are enumerated once, which gives exact counts and
 * exactly uniform sampling (each assignment weighted by the number of
 * ways to complete it); components multiply.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "space.h"
#include "xmalloc.h"

#define ENUM_LIMIT (1u << 20)   /* controller assignments counted */
#define SAMPLE_LIMIT (1u << 22) /* int64 cells kept for sampling */

/* A component of the condition graph with more than one parameter. */
struct comp {
	size_t *members; /* topological order */
	size_t nmembers;
	size_t *ctrl; /* its controllers, topological order */
	size_t nctrl;
	int exact; /* enumerated: assignments and weights below are kept */
	size_t nassign;
	int64_t *assign; /* nassign x nctrl */
	double *cum;     /* cumulative relative weights */
};

struct space {
	const struct spec *spec;
	size_t n;
	size_t *order;  /* topological order of parameter indices */
	size_t *byname; /* parameter indices sorted by name */
	size_t *namelen;
	unsigned char *is_ctrl;
	size_t nctrl;
	struct space_count size, builds;
	/* Sampling: the components of the full space. */
	struct comp *comps;
	size_t ncomps;
	int exact_sampling;
	unsigned char *in_comp; /* sampled by its component */
};

struct space_iter {
	const struct space *s;
	int64_t *digits; /* by position in order; inactive ones are 0 */
	int64_t *start;
	struct config *cur;
	int started;
	int done;
};

static const struct space *sort_space;

static int
cmp_name(const void *a, const void *b)
{
	const struct param *p = sort_space->spec->params;

	return strcmp(p[*(const size_t *)a].name, p[*(const size_t *)b].name);
}

struct topo {
	const struct spec *spec;
	unsigned char *placed;
	size_t *order;
	size_t n;
};

static void topo_visit(struct topo *, size_t);

static void
topo_ref(int ref, void *arg)
{
	topo_visit(arg, (size_t)ref);
}

static void
topo_visit(struct topo *t, size_t i)
{
	if (t->placed[i])
		return;
	t->placed[i] = 1; /* conditions are acyclic (checked by spec) */
	expr_refs(t->spec->params[i].cond, topo_ref, t);
	t->order[t->n++] = i;
}

static void
mark_ctrl(int ref, void *arg)
{
	unsigned char *is_ctrl = arg;

	is_ctrl[ref] = 1;
}

static void
eval_value(int ref, void *arg, struct expr_value *out)
{
	const void **a = arg;
	const struct space *s = a[0];
	const struct config *cfg = a[1];
	const struct param *p = &s->spec->params[ref];
	int64_t v = cfg->v[ref];

	if (v < 0) {
		out->type = EV_ABSENT;
		return;
	}
	switch (p->type) {
	case PT_INT:
	case PT_FLOAT:
		out->type = EV_NUM;
		out->num = spec_value_num(p, (uint64_t)v);
		return;
	case PT_BOOL:
		out->type = EV_BOOL;
		out->num = spec_value_num(p, (uint64_t)v);
		return;
	case PT_TRISTATE:
		out->type = EV_TRI;
		out->num = spec_value_num(p, (uint64_t)v);
		return;
	case PT_STR:
		out->type = EV_STR;
		out->str = p->values[v];
		return;
	}
}

static int
is_active(const struct space *s, const struct config *cfg, size_t i)
{
	const void *arg[2] = { s, cfg };
	const struct expr *cond = s->spec->params[i].cond;

	return cond == NULL || expr_eval(cond, eval_value, (void *)arg);
}

/* log2(2^a + 2^b) without overflow. */
static double
log2_add(double a, double b)
{
	if (a == -INFINITY)
		return b;
	if (b == -INFINITY)
		return a;
	if (a < b) {
		double t = a;

		a = b;
		b = t;
	}
	return a + log2(1 + exp2(b - a));
}

struct counter {
	const struct space *s;
	struct comp *c;
	const unsigned char *subset;
	const unsigned char *ref; /* the subset's controllers */
	struct config *scratch;
	size_t visited;
	int overflow; /* too many assignments to enumerate */
	double log2;
	unsigned __int128 exact;
	int exact_overflow;
	int keep; /* keep assignments and weights for sampling */
	double *logw;
};

/* log2 (and exact count) of the completions of the current assignment
 * of the component's controllers. */
static double
completions(struct counter *k, unsigned __int128 *exact, int *ovf)
{
	const struct space *s = k->s;
	const struct param *p;
	double w = 0;
	size_t m, i;

	*exact = 1;
	*ovf = 0;
	for (m = 0; m < k->c->nmembers; m++) {
		i = k->c->members[m];
		if (k->ref[i])
			continue; /* enumerated */
		p = &s->spec->params[i];
		if (!is_active(s, k->scratch, i))
			continue;
		w += log2((double)p->card);
		if (*exact > (((unsigned __int128)1) << 100) / p->card)
			*ovf = 1;
		else
			*exact *= p->card;
	}
	return w;
}

static void
enumerate(struct counter *k, size_t j)
{
	const struct space *s = k->s;
	struct comp *c = k->c;
	unsigned __int128 e;
	size_t i, pi;
	double w;
	int ovf;
	uint64_t v;

	if (k->overflow)
		return;
	if (j == c->nctrl) {
		if (++k->visited > ENUM_LIMIT) {
			k->overflow = 1;
			return;
		}
		w = completions(k, &e, &ovf);
		k->log2 = log2_add(k->log2, w);
		if (ovf || k->exact > (((unsigned __int128)1) << 120))
			k->exact_overflow = 1;
		else
			k->exact += e;
		if (k->keep) {
			if ((c->nassign + 1) * (c->nctrl + 1) > SAMPLE_LIMIT) {
				k->keep = 0;
				return;
			}
			c->assign = xreallocarray(c->assign,
			    (c->nassign + 1) * c->nctrl + 1, sizeof *c->assign);
			k->logw = xreallocarray(k->logw, c->nassign + 1,
			    sizeof *k->logw);
			for (i = 0; i < c->nctrl; i++)
				c->assign[c->nassign * c->nctrl + i] =
				    k->scratch->v[c->ctrl[i]];
			k->logw[c->nassign++] = w;
		}
		return;
	}
	pi = c->ctrl[j];
	if (!is_active(s, k->scratch, pi)) {
		k->scratch->v[pi] = -1;
		enumerate(k, j + 1);
		return;
	}
	for (v = 0; v < s->spec->params[pi].card && !k->overflow; v++) {
		k->scratch->v[pi] = (int64_t)v;
		enumerate(k, j + 1);
	}
}

static size_t
uf_find(size_t *parent, size_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

struct uf_arg {
	size_t *parent;
	size_t self;
	const unsigned char *subset;
	unsigned char *ref;
};

static void
uf_ref(int ref, void *arg)
{
	struct uf_arg *a = arg;
	size_t x, y;

	if (!a->subset[ref])
		return;
	a->ref[ref] = 1;
	x = uf_find(a->parent, a->self);
	y = uf_find(a->parent, (size_t)ref);
	if (x != y)
		a->parent[x] = y;
}

/*
 * Counts the valid assignments of the parameters in subset (closed under
 * the references of its conditions), component by component. With keep,
 * the components are kept in s for sampling.
 */
static void
count_subset(struct space *s, const unsigned char *subset,
    struct space_count *out, int keep)
{
	struct counter k;
	struct comp *comps = NULL, *c;
	struct uf_arg ua;
	size_t *parent, *root_comp, ncomps = 0, i, j, r;
	unsigned char *ref;
	double total_log2 = 0, max;
	unsigned __int128 total = 1;
	int exact = 1, total_ovf = 0;

	parent = xcalloc(s->n + 1, sizeof *parent);
	root_comp = xcalloc(s->n + 1, sizeof *root_comp);
	ref = xcalloc(s->n + 1, 1);
	for (i = 0; i < s->n; i++)
		parent[i] = i;
	ua.parent = parent;
	ua.subset = subset;
	ua.ref = ref;
	for (i = 0; i < s->n; i++) {
		if (!subset[i])
			continue;
		ua.self = i;
		expr_refs(s->spec->params[i].cond, uf_ref, &ua);
	}
	/* Components in topological order of their first member. */
	for (j = 0; j < s->n; j++) {
		i = s->order[j];
		if (!subset[i])
			continue;
		r = uf_find(parent, i);
		if (root_comp[r] == 0) {
			comps = xreallocarray(comps, ncomps + 1, sizeof *comps);
			memset(&comps[ncomps], 0, sizeof *comps);
			root_comp[r] = ++ncomps;
		}
		c = &comps[root_comp[r] - 1];
		c->members = xreallocarray(c->members, c->nmembers + 1,
		    sizeof *c->members);
		c->members[c->nmembers++] = i;
		if (ref[i]) {
			c->ctrl = xreallocarray(c->ctrl, c->nctrl + 1,
			    sizeof *c->ctrl);
			c->ctrl[c->nctrl++] = i;
		}
	}
	memset(&k, 0, sizeof k);
	k.s = s;
	k.subset = subset;
	k.ref = ref;
	k.scratch = space_config_new(s);
	for (j = 0; j < ncomps; j++) {
		c = &comps[j];
		k.c = c;
		k.visited = 0;
		k.overflow = 0;
		k.log2 = -INFINITY;
		k.exact = 0;
		k.exact_overflow = 0;
		k.keep = keep && c->nctrl > 0;
		k.logw = NULL;
		enumerate(&k, 0);
		if (k.overflow) {
			/* Upper bound: every member active. */
			exact = 0;
			k.log2 = 0;
			k.exact = 1;
			for (i = 0; i < c->nmembers; i++) {
				uint64_t card =
				    s->spec->params[c->members[i]].card;

				k.log2 += log2((double)card);
				if (k.exact >
				    (((unsigned __int128)1) << 100) / card)
					k.exact_overflow = 1;
				else
					k.exact *= card;
			}
		}
		total_log2 += k.log2;
		if (k.exact_overflow || total_ovf ||
		    (k.exact != 0 &&
			total > ((((unsigned __int128)1) << 126) / k.exact)))
			total_ovf = 1;
		else
			total *= k.exact;
		if (k.keep && !k.overflow && c->nassign > 0) {
			c->exact = 1;
			c->cum = xcalloc(c->nassign, sizeof *c->cum);
			max = -INFINITY;
			for (i = 0; i < c->nassign; i++)
				if (k.logw[i] > max)
					max = k.logw[i];
			for (i = 0; i < c->nassign; i++)
				c->cum[i] = (i > 0 ? c->cum[i - 1] : 0) +
				    exp2(k.logw[i] - max);
		} else {
			free(c->assign);
			c->assign = NULL;
			c->nassign = 0;
		}
		free(k.logw);
	}
	memset(out, 0, sizeof *out);
	out->exact = exact;
	out->log2 = total_log2;
	if (!total_ovf && total <= (unsigned __int128)UINT64_MAX) {
		out->fits = 1;
		out->n = (uint64_t)total;
	}
	if (keep) {
		s->comps = comps;
		s->ncomps = ncomps;
		s->exact_sampling = 1;
		for (j = 0; j < ncomps; j++)
			if (comps[j].nctrl > 0 && !comps[j].exact)
				s->exact_sampling = 0;
	} else {
		for (j = 0; j < ncomps; j++) {
			free(comps[j].members);
			free(comps[j].ctrl);
			free(comps[j].assign);
			free(comps[j].cum);
		}
		free(comps);
	}
	free(k.scratch);
	free(parent);
	free(root_comp);
	free(ref);
}

struct space *
space_new(const struct spec *spec)
{
	struct space *s;
	struct topo t;
	unsigned char *subset;
	size_t i, k;

	s = xcalloc(1, sizeof *s);
	s->spec = spec;
	s->n = spec->nparams;
	s->order = xcalloc(s->n + 1, sizeof *s->order);
	s->byname = xcalloc(s->n + 1, sizeof *s->byname);
	s->namelen = xcalloc(s->n + 1, sizeof *s->namelen);
	for (i = 0; i < s->n; i++)
		s->namelen[i] = strlen(spec->params[i].name);
	s->is_ctrl = xcalloc(s->n + 1, 1);

	t.spec = spec;
	t.placed = xcalloc(s->n + 1, 1);
	t.order = s->order;
	t.n = 0;
	for (i = 0; i < s->n; i++)
		topo_visit(&t, i);
	free(t.placed);

	for (i = 0; i < s->n; i++) {
		s->byname[i] = i;
		expr_refs(spec->params[i].cond, mark_ctrl, s->is_ctrl);
	}
	sort_space = s;
	qsort(s->byname, s->n, sizeof *s->byname, cmp_name);
	sort_space = NULL;
	for (i = 0; i < s->n; i++)
		s->nctrl += s->is_ctrl[i];

	subset = xcalloc(s->n + 1, 1);
	memset(subset, 1, s->n);
	count_subset(s, subset, &s->size, 1);
	s->in_comp = xcalloc(s->n + 1, 1);
	for (k = 0; k < s->ncomps; k++)
		if (s->comps[k].exact)
			for (i = 0; i < s->comps[k].nmembers; i++)
				s->in_comp[s->comps[k].members[i]] = 1;
	for (i = 0; i < s->n; i++)
		subset[i] = spec->params[i].stage == STAGE_BUILD;
	count_subset(s, subset, &s->builds, 0);
	free(subset);
	return s;
}

void
space_free(struct space *s)
{
	size_t i;

	if (s == NULL)
		return;
	free(s->order);
	free(s->byname);
	free(s->namelen);
	free(s->is_ctrl);
	free(s->in_comp);
	for (i = 0; i < s->ncomps; i++) {
		free(s->comps[i].members);
		free(s->comps[i].ctrl);
		free(s->comps[i].assign);
		free(s->comps[i].cum);
	}
	free(s->comps);
	free(s);
}

const struct spec *
space_spec(const struct space *s)
{
	return s->spec;
}

size_t
space_nparams(const struct space *s)
{
	return s->n;
}

void
space_size(const struct space *s, struct space_count *out)
{
	*out = s->size;
}

void
space_builds(const struct space *s, struct space_count *out)
{
	*out = s->builds;
}

char *
space_count_text(const struct space_count *c)
{
	const char *bound = c->exact ? "" : "at most ";

	if (c->fits)
		return xasprintf("%s%llu", bound, (unsigned long long)c->n);
	if (fabs(c->log2 - round(c->log2)) < 1e-9)
		return xasprintf("%s2^%.0f", bound, c->log2);
	return xasprintf("%sabout 2^%.1f", bound, c->log2);
}

int
space_sampling_exact(const struct space *s)
{
	return s->exact_sampling;
}

struct config *
space_config_new(const struct space *s)
{
	return xcalloc(1, sizeof(struct config) + (s->n + 1) * sizeof(int64_t));
}

struct config *
space_config_dup(const struct space *s, const struct config *cfg)
{
	struct config *c;

	c = space_config_new(s);
	memcpy(c, cfg, sizeof *c + s->n * sizeof(int64_t));
	return c;
}

#define GATHER 4096

static void
flush(struct hash *h, char *chunk, size_t *n)
{
	hash_update(h, chunk, *n);
	*n = 0;
}

/* Appends "name=value\n" to a chunk, hashing the chunk when full. */
static void
gather(struct hash *h, char *chunk, size_t *n, const char *name, size_t nlen,
    const char *v, size_t vlen)
{
	if (*n + nlen + vlen + 2 > GATHER)
		flush(h, chunk, n);
	memcpy(chunk + *n, name, nlen);
	chunk[*n + nlen] = '=';
	memcpy(chunk + *n + nlen + 1, v, vlen);
	chunk[*n + nlen + 1 + vlen] = '\n';
	*n += nlen + vlen + 2;
}

void
space_activate(const struct space *s, struct config *cfg)
{
	size_t k, i;

	for (k = 0; k < s->n; k++) {
		i = s->order[k];
		if (!is_active(s, cfg, i))
			cfg->v[i] = -1;
		else if (cfg->v[i] < 0)
			cfg->v[i] = (int64_t)s->spec->params[i].def;
	}
}

int
space_controls(const struct space *s, size_t i)
{
	return i < s->n && s->is_ctrl[i];
}

struct config *
space_canon(const struct space *s, struct config *cfg)
{
	const struct param *p;
	struct hash hid, hbuild;
	char buf[64], line[GATHER], bline[GATHER];
	const char *v;
	size_t k, i, nlen, vlen, nid = 0, nbuild = 0;

	space_activate(s, cfg);
	/* XXH64 of "name=value\n" for each active parameter, in name
	 * order: the same bytes whatever the spec's order. Lines are
	 * gathered in chunks so the hash sees few, long updates. */
	hash_init(&hid, 0);
	hash_init(&hbuild, 0);
	for (k = 0; k < s->n; k++) {
		i = s->byname[k];
		if (cfg->v[i] < 0)
			continue;
		p = &s->spec->params[i];
		v = spec_value(p, (uint64_t)cfg->v[i], buf, sizeof buf);
		nlen = s->namelen[i];
		vlen = strlen(v);
		if (nlen + vlen + 2 > sizeof line) {
			/* Too long to gather: hash it directly. */
			flush(&hid, line, &nid);
			hash_update(&hid, p->name, nlen);
			hash_update(&hid, "=", 1);
			hash_update(&hid, v, vlen);
			hash_update(&hid, "\n", 1);
			if (p->stage == STAGE_BUILD) {
				flush(&hbuild, bline, &nbuild);
				hash_update(&hbuild, p->name, nlen);
				hash_update(&hbuild, "=", 1);
				hash_update(&hbuild, v, vlen);
				hash_update(&hbuild, "\n", 1);
			}
			continue;
		}
		gather(&hid, line, &nid, p->name, nlen, v, vlen);
		if (p->stage == STAGE_BUILD)
			gather(&hbuild, bline, &nbuild, p->name, nlen, v, vlen);
	}
	flush(&hid, line, &nid);
	flush(&hbuild, bline, &nbuild);
	cfg->id = hash_final(&hid);
	cfg->build = hash_final(&hbuild);
	return cfg;
}

struct config *
space_default(const struct space *s)
{
	struct config *c;
	size_t i;

	c = space_config_new(s);
	for (i = 0; i < s->n; i++)
		c->v[i] = (int64_t)s->spec->params[i].def;
	return space_canon(s, c);
}

int
space_config_equal(const struct space *s, const struct config *a,
    const struct config *b)
{
	return memcmp(a->v, b->v, s->n * sizeof(int64_t)) == 0;
}

/* Samples an exactly enumerated component: an assignment of its
 * controllers by weight, then each other member uniformly if active. */
static void
sample_comp(const struct space *s, const struct comp *c, struct rng *r,
    struct config *cfg)
{
	size_t lo, hi, mid, k, i;
	double u;

	u = rng_double(r) * c->cum[c->nassign - 1];
	lo = 0;
	hi = c->nassign - 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (k = 0; k < c->nctrl; k++)
		cfg->v[c->ctrl[k]] = c->assign[lo * c->nctrl + k];
	for (k = 0; k < c->nmembers; k++) {
		i = c->members[k];
		if (s->is_ctrl[i])
			continue;
		cfg->v[i] = is_active(s, cfg, i) ?
		    (int64_t)rng_below(r, s->spec->params[i].card) :
		    -1;
	}
}

struct config *
space_sample(const struct space *s, struct rng *r)
{
	struct config *c;
	size_t k, i;

	c = space_config_new(s);
	for (k = 0; k < s->ncomps; k++)
		if (s->comps[k].exact)
			sample_comp(s, &s->comps[k], r, c);
	/* The rest in order, so each condition sees settled values:
	 * uniform for free parameters, approximately so for components
	 * too large to enumerate. */
	for (k = 0; k < s->n; k++) {
		i = s->order[k];
		if (s->in_comp[i])
			continue;
		c->v[i] = is_active(s, c, i) ?
		    (int64_t)rng_below(r, s->spec->params[i].card) :
		    -1;
	}
	return space_canon(s, c);
}

static void
iter_emit(struct space_iter *it)
{
	const struct space *s = it->s;
	size_t k;

	for (k = 0; k < s->n; k++)
		it->cur->v[s->order[k]] = it->digits[k];
	space_canon(s, it->cur);
	/* Keep inactive digits at 0 so carries stay canonical. */
	for (k = 0; k < s->n; k++)
		if (it->cur->v[s->order[k]] < 0)
			it->digits[k] = 0;
}

struct space_iter *
space_iter_new(const struct space *s, const struct config *start)
{
	struct space_iter *it;
	size_t k;

	it = xcalloc(1, sizeof *it);
	it->s = s;
	it->digits = xcalloc(s->n + 1, sizeof *it->digits);
	it->start = xcalloc(s->n + 1, sizeof *it->start);
	it->cur = space_config_new(s);
	if (start != NULL)
		for (k = 0; k < s->n; k++)
			it->digits[k] = start->v[s->order[k]] < 0 ?
			    0 :
			    start->v[s->order[k]];
	iter_emit(it);
	memcpy(it->start, it->digits, s->n * sizeof *it->digits);
	return it;
}

struct config *
space_iter_next(struct space_iter *it)
{
	const struct space *s = it->s;
	size_t k;

	if (it->done)
		return NULL;
	if (!it->started) {
		it->started = 1;
		return space_config_dup(s, it->cur);
	}
	for (k = s->n; k-- > 0;) {
		if (it->cur->v[s->order[k]] < 0)
			continue; /* inactive: a radix of one */
		if ((uint64_t)++it->digits[k] <
		    s->spec->params[s->order[k]].card)
			break;
		it->digits[k] = 0;
	}
	iter_emit(it);
	if (memcmp(it->digits, it->start, s->n * sizeof *it->digits) == 0) {
		it->done = 1;
		return NULL;
	}
	return space_config_dup(s, it->cur);
}

void
space_iter_free(struct space_iter *it)
{
	if (it == NULL)
		return;
	free(it->digits);
	free(it->start);
	free(it->cur);
	free(it);
}

static int
is_ordered(const struct param *p)
{
	return p->type == PT_INT || p->type == PT_FLOAT;
}

static void
add_neighbour(const struct space *s, const struct config *base, size_t i,
    int64_t v, struct config ***out, size_t *n)
{
	struct config *c;
	size_t j;

	c = space_config_dup(s, base);
	c->v[i] = v;
	space_canon(s, c);
	if (c->id == base->id)
		goto drop;
	for (j = 0; j < *n; j++)
		if ((*out)[j]->id == c->id)
			goto drop;
	*out = xreallocarray(*out, *n + 1, sizeof **out);
	(*out)[(*n)++] = c;
	return;
drop:
	free(c);
}

size_t
space_neighbours(const struct space *s, const struct config *cfg,
    struct config ***out)
{
	const struct param *p;
	size_t i, n = 0;
	int64_t v, lo, hi;
	uint64_t j;
	double x, y, best_lo, best_hi;

	*out = NULL;
	for (i = 0; i < s->n; i++) {
		if ((v = cfg->v[i]) < 0)
			continue;
		p = &s->spec->params[i];
		if (is_ordered(p) && p->is_range) {
			if (v > 0)
				add_neighbour(s, cfg, i, v - 1, out, &n);
			if ((uint64_t)v + 1 < p->card)
				add_neighbour(s, cfg, i, v + 1, out, &n);
		} else if (is_ordered(p)) {
			/* Adjacent by value, whatever the list's order. */
			x = p->nums[v];
			lo = hi = -1;
			best_lo = -INFINITY;
			best_hi = INFINITY;
			for (j = 0; j < p->card; j++) {
				y = p->nums[j];
				if (y < x && y > best_lo) {
					best_lo = y;
					lo = (int64_t)j;
				}
				if (y > x && y < best_hi) {
					best_hi = y;
					hi = (int64_t)j;
				}
			}
			if (lo >= 0)
				add_neighbour(s, cfg, i, lo, out, &n);
			if (hi >= 0)
				add_neighbour(s, cfg, i, hi, out, &n);
		} else {
			for (j = 0; j < p->card; j++)
				if ((int64_t)j != v)
					add_neighbour(s, cfg, i, (int64_t)j,
					    out, &n);
		}
	}
	return n;
}

const char *
space_value(const struct space *s, const struct config *cfg, size_t i,
    char *buf, size_t len)
{
	if (cfg->v[i] < 0)
		return NULL;
	return spec_value(&s->spec->params[i], (uint64_t)cfg->v[i], buf, len);
}

char *
space_config_text(const struct space *s, const struct config *cfg)
{
	struct buf b = BUF_INIT;
	char tmp[64];
	const char *v;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if ((v = space_value(s, cfg, i, tmp, sizeof tmp)) == NULL)
			continue;
		buf_printf(&b, "%s%s=%s", b.len > 0 ? " " : "",
		    s->spec->params[i].name, v);
	}
	return buf_steal(&b);
}

char *
space_id_hex(uint64_t id, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 16; i++)
		buf[i] = hex[(id >> (60 - 4 * i)) & 15];
	buf[16] = '\0';
	return buf;
}

struct config *
space_config_parse(const struct space *s, size_t n, const char *const *names,
    const char *const *values, char **cause)
{
	struct config *c;
	size_t i;
	int pi;
	int64_t v;
	unsigned char *given;

	c = space_config_new(s);
	given = xcalloc(s->n + 1, 1);
	for (i = 0; i < s->n; i++)
		c->v[i] = -1;
	for (i = 0; i < n; i++) {
		if ((pi = spec_param_index(s->spec, names[i])) < 0) {
			*cause = xasprintf("no parameter '%s'", names[i]);
			goto fail;
		}
		if ((v = spec_value_index(&s->spec->params[pi], values[i])) <
		    0) {
			*cause = xasprintf("'%s' is not a value of '%s'",
			    values[i], names[i]);
			goto fail;
		}
		c->v[pi] = v;
		given[pi] = 1;
	}
	space_canon(s, c);
	for (i = 0; i < s->n; i++) {
		if ((c->v[i] >= 0) != given[i]) {
			*cause = xasprintf("parameter '%s' is %s",
			    s->spec->params[i].name,
			    given[i] ? "inactive but has a "
				       "value" :
				       "active but has no value");
			goto fail;
		}
	}
	free(given);
	return c;
fail:
	free(given);
	free(c);
	return NULL;
}
