/*
 * Reading a document that libyaml has loaded: its nodes by index, a
 * mapping read against a table of the keys it may hold, and errors at a
 * node's line and column. The spec loader and wayfinder import read
 * their YAML with these.
 */
#ifndef WAYFINDER_YNODE_H
#define WAYFINDER_YNODE_H

#include <stddef.h>
#include <yaml.h>

#include "diag.h"

/* A loaded document and where the problems found in it are reported. */
struct ynode_doc {
	yaml_document_t doc;
	const char *file;
	struct diags *d;
};

/*
 * Reports key node k, named name, of the mapping in where, which the
 * table of ynode_fields does not hold; hint is a close key, or NULL.
 */
typedef void ynode_unknown_fn(void *arg, const yaml_node_t *k, const char *name,
    const char *where, const char *hint);

/* An error at node n, or about the whole file when n is NULL. */
void ynode_err(struct ynode_doc *, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The node of the document with index i. */
yaml_node_t *ynode_at(struct ynode_doc *, int i);
/* What n is, for messages: "a value", "a list", "a mapping", "nothing". */
const char *ynode_kind(const yaml_node_t *n);
/* Whether n is YAML's null (a plain empty, "~" or "null"), or NULL. */
int ynode_is_null(const yaml_node_t *n);
/* The text of scalar n, or NULL with an error that names key. */
const char *
ynode_scalar(struct ynode_doc *, const yaml_node_t *n, const char *key);
/* The number of items of sequence n. */
size_t ynode_seq_len(const yaml_node_t *n);
/* Item i of sequence n. */
yaml_node_t *ynode_seq_item(struct ynode_doc *, const yaml_node_t *n, size_t i);
/*
 * Matches the keys of mapping n against keys (NULL-terminated), storing
 * each value node in vals[i] and its key node in knodes[i] (if not NULL).
 * A repeated key is an error; an unknown key goes to unknown(arg, ...)
 * or, when unknown is NULL, is an error that suggests a close key. The
 * messages say where ("in parameter 'X'"). Returns 0, or -1 (with an
 * error) if n is not a mapping.
 */
int ynode_fields(struct ynode_doc *, yaml_node_t *n, const char *where,
    const char *const *keys, yaml_node_t **vals, yaml_node_t **knodes,
    ynode_unknown_fn *unknown, void *arg);
/* The index of name in keys (as passed to ynode_fields), which holds it. */
size_t ynode_key(const char *const *keys, const char *name);
/* An error for the syntax error parser stopped at. */
void ynode_syntax_error(struct ynode_doc *, const yaml_parser_t *parser);
/*
 * After the first document is read and deleted: an error if parser holds
 * a second one (a what, "spec" or "job", is one document) or a syntax
 * error before its end.
 */
void
ynode_one_document(struct ynode_doc *, yaml_parser_t *parser, const char *what);

#endif
