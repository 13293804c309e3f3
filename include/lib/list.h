/*
 * list: an intrusive, circular, doubly linked list (a head is a node that
 * points at itself when empty). Nothing allocates: the nodes live in the
 * structures they link.
 */
#ifndef LIB_LIST_H
#define LIB_LIST_H

#include "lib/types.h"

struct list_node {
	struct list_node *next, *prev;
};

/* The structure of type `type` whose member `member` is the node at `ptr`. */
#define list_entry(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

/* An empty list (or an unlinked node). */
static inline void list_init(struct list_node *head)
{
	head->next = head->prev = head;
}

/* True when the list is empty (for a node: when it is not linked). */
static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

/* Link `n` just before `at` (at = head: at the tail). */
static inline void list_insert_before(struct list_node *at, struct list_node *n)
{
	n->prev = at->prev;
	n->next = at;
	at->prev->next = n;
	at->prev = n;
}

/* Append `n` to the tail of `head`. */
static inline void list_add_tail(struct list_node *head, struct list_node *n)
{
	list_insert_before(head, n);
}

/* Unlink `n` (it becomes an empty node; unlinking twice is harmless). */
static inline void list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

/* The first node of `head`, or NULL when empty. */
static inline struct list_node *list_first(const struct list_node *head)
{
	return list_empty(head) ? NULL : head->next;
}

/* for (n = first; n != head; n = next), safe against removing n. */
#define list_for_each_safe(n, tmp, head) \
	for ((n) = (head)->next, (tmp) = (n)->next; (n) != (head); (n) = (tmp), (tmp) = (n)->next)

#endif
