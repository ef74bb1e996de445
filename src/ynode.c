/*
 * Reading a document that libyaml has loaded, for the spec loader and
 * wayfinder import: every node keeps its position, so each error points
 * at the line and column it concerns.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "xmalloc.h"
#include "ynode.h"

void
ynode_err(struct ynode_doc *y, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (n == NULL)
		diag_add(y->d, DIAG_ERROR, y->file, 0, 0, "%s", msg);
	else
		diag_add(y->d, DIAG_ERROR, y->file, (int)n->start_mark.line + 1,
		    (int)n->start_mark.column + 1, "%s", msg);
	free(msg);
}

yaml_node_t *
ynode_at(struct ynode_doc *y, int i)
{
	return yaml_document_get_node(&y->doc, i);
}

const char *
ynode_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a value";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

int
ynode_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n == NULL)
		return 1;
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0;
}

const char *
ynode_scalar(struct ynode_doc *y, const yaml_node_t *n, const char *key)
{
	if (n->type != YAML_SCALAR_NODE) {
		ynode_err(y, n, "'%s' must be a single value, not %s", key,
		    ynode_kind(n));
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

size_t
ynode_seq_len(const yaml_node_t *n)
{
	return (
	    size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *
ynode_seq_item(struct ynode_doc *y, const yaml_node_t *n, size_t i)
{
	return ynode_at(y, n->data.sequence.items.start[i]);
}

int
ynode_fields(struct ynode_doc *y, yaml_node_t *n, const char *where,
    const char *const *keys, yaml_node_t **vals, yaml_node_t **knodes,
    ynode_unknown_fn *unknown, void *arg)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k;
	const char *name, *hint;
	size_t i, nkeys;

	for (nkeys = 0; keys[nkeys] != NULL; nkeys++) {
		vals[nkeys] = NULL;
		if (knodes != NULL)
			knodes[nkeys] = NULL;
	}
	if (n->type != YAML_MAPPING_NODE) {
		ynode_err(y, n,
		    "%s must be a mapping of keys to values, not %s", where,
		    ynode_kind(n));
		return -1;
	}
	for (pair = n->data.mapping.pairs.start;
	     pair < n->data.mapping.pairs.top; pair++) {
		k = ynode_at(y, pair->key);
		if (k->type != YAML_SCALAR_NODE) {
			ynode_err(y, k, "a key in %s must be a plain name",
			    where);
			continue;
		}
		name = (const char *)k->data.scalar.value;
		for (i = 0; i < nkeys; i++)
			if (strcmp(name, keys[i]) == 0)
				break;
		if (i == nkeys) {
			hint = diag_suggest(name, keys);
			if (unknown != NULL)
				unknown(arg, k, name, where, hint);
			else if (hint != NULL)
				ynode_err(y, k,
				    "unknown key '%s' in %s; did you mean "
				    "'%s'?",
				    name, where, hint);
			else
				ynode_err(y, k, "unknown key '%s' in %s", name,
				    where);
			continue;
		}
		if (vals[i] != NULL) {
			ynode_err(y, k,
			    "duplicate key '%s' in %s (first at line %d)", name,
			    where, (int)vals[i]->start_mark.line + 1);
			continue;
		}
		vals[i] = ynode_at(y, pair->value);
		if (knodes != NULL)
			knodes[i] = k;
	}
	return 0;
}

size_t
ynode_key(const char *const *keys, const char *name)
{
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], name) == 0)
			return i;
	fatal("no key %s in table", name);
}

void
ynode_syntax_error(struct ynode_doc *y, const yaml_parser_t *parser)
{
	const char *problem =
	    parser->problem != NULL ? parser->problem : "error";

	if (parser->context != NULL)
		diag_add(y->d, DIAG_ERROR, y->file,
		    (int)parser->problem_mark.line + 1,
		    (int)parser->problem_mark.column + 1,
		    "YAML syntax: %s (%s that starts at %d:%d)", problem,
		    parser->context, (int)parser->context_mark.line + 1,
		    (int)parser->context_mark.column + 1);
	else
		diag_add(y->d, DIAG_ERROR, y->file,
		    (int)parser->problem_mark.line + 1,
		    (int)parser->problem_mark.column + 1, "YAML syntax: %s",
		    problem);
}

void
ynode_one_document(struct ynode_doc *y, yaml_parser_t *parser, const char *what)
{
	if (!yaml_parser_load(parser, &y->doc)) {
		ynode_syntax_error(y, parser);
		return;
	}
	if (yaml_document_get_root_node(&y->doc) != NULL)
		diag_add(y->d, DIAG_ERROR, y->file,
		    (int)y->doc.start_mark.line + 1,
		    (int)y->doc.start_mark.column + 1,
		    "a second YAML document starts here; a %s is one document",
		    what);
	yaml_document_delete(&y->doc);
}
